#include "frontend/timed_array_call.hpp"

#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {

namespace {
constexpr std::size_t k_quoted = 80;  // how much of an argument a message quotes
}  // namespace

std::optional<Checked> timed_array_call(const expr::Ptr& e, const TextOrigin& origin,
                                        const std::function<Checked(const expr::Ptr&)>& visit) {
    std::shared_ptr<const TimedArray> table = find_timed_array(e->name);
    if (!table) return std::nullopt;
    const std::size_t want = table->columns > 0 ? 2 : 1;
    const std::string usage = want == 2 ? e->name + "(t, i)" : e->name + "(t)";
    auto fail = [&](const std::string& message) {
        throw ModelError(located(origin, e->loc, message));
    };
    if (e->args.size() != want)
        fail("timed array '" + e->name + "' takes " + std::to_string(want) + " argument" +
             (want == 1 ? "" : "s") + ", got " + std::to_string(e->args.size()) +
             "; read it as " + usage);
    std::vector<expr::Ptr> args;
    const Checked t = visit(e->args[0]);
    const bool zero = e->args[0]->kind == expr::Kind::constant && e->args[0]->value == 0.0;
    if (t.dim != dim::time() && !zero)
        fail("the first argument of timed array '" + e->name + "' is the time at which it is " +
             "read, but '" + expr::to_string(e->args[0], k_quoted) + "' is " +
             t.dim.to_string() + "; read it as " + usage);
    args.push_back(t.expr);
    if (want == 2) {
        const Checked i = visit(e->args[1]);
        if (!i.dim.dimensionless())
            fail("the second argument of timed array '" + e->name + "' is a neuron index, but '" +
                 expr::to_string(e->args[1], k_quoted) + "' is " + i.dim.to_string() +
                 "; read it as " + usage);
        args.push_back(i.expr);
    }
    auto n = std::make_shared<expr::Node>(*e);
    n->args = std::move(args);
    n->table = std::move(table);
    return Checked{n, n->table->unit};
}

}  // namespace spikegraph::detail
