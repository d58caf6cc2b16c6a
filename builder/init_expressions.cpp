#include "builder/init_expressions.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "builder/initializers.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"
#include "frontend/config_location.hpp"

namespace spikegraph::detail {

InitValue parse_init(const ValueSpec& v, const TextOrigin& origin, const Equations& eq,
                     const SymbolDims& dims, const std::map<std::string, double>& shared,
                     std::size_t n, double dt_ms) {
    InitValue out;
    out.value = parse_value(v, origin, dims);
    // Sub-expressions first (they may use parameters), then the values known now: shared
    // parameters, the group size, and time, which is 0 when initial values are set.
    expr::Ptr e = inline_subexpressions(out.value.expr, eq);
    std::vector<std::string> names = {"N", "t", "dt"};
    std::vector<expr::Ptr> values = {expr::constant(static_cast<double>(n)), expr::constant(0.0),
                                     expr::constant(dt_ms)};
    for (const auto& [k, c] : shared) names.push_back(k), values.push_back(expr::constant(c));
    e = expr::simplify(expr::substitute(e, names, values));
    std::vector<std::string> used;
    expr::collect_symbols(e, used);
    for (const auto& s : used) {
        if (s == "i") continue;
        if (!dims.count(s))
            throw config_error_at(origin_of(v, origin), fmt::format(
                "'{}' has no value when initial values are set; an init value may use the "
                "group's parameters, sub-expressions and state variables, i, N and t (0)", s));
        out.reads.push_back(s);
    }
    out.value.expr = e;
    out.value.constant.reset();
    if (!expr::uses_random(e))
        out.value.constant = expr::try_evaluate(e, [](const std::string&) -> std::optional<double> {
            return std::nullopt;
        });
    return out;
}

void order_dependent_inits(BuiltGroup& g) {
    auto& list = g.dependent_inits;
    const auto index_of = [&](const std::string& name) {
        for (std::size_t k = 0; k < list.size(); ++k)
            if (list[k].name == name) return k;
        return list.size();
    };
    std::vector<int> state(list.size(), 0);  // 0 unseen, 1 on the path, 2 placed
    std::vector<std::size_t> path, order;
    const auto visit = [&](const auto& self, std::size_t k) -> void {
        if (state[k] == 2) return;
        if (state[k] == 1) {
            std::vector<std::string> names;
            for (auto it = std::find(path.begin(), path.end(), k); it != path.end(); ++it)
                names.push_back(list[*it].name);
            names.push_back(list[k].name);
            throw config_error_at(list[k].origin, fmt::format(
                "the initial values of group '{}' refer to each other in a cycle: {}; give one "
                "of them a value that does not read the others",
                g.name, fmt::join(names, " -> ")));
        }
        state[k] = 1;
        path.push_back(k);
        // Variables without a dependent init of their own (parameters, plain inits) are leaves.
        for (const auto& r : list[k].reads)
            if (const std::size_t d = index_of(r); d < list.size()) self(self, d);
        path.pop_back();
        state[k] = 2;
        order.push_back(k);
    };
    for (std::size_t k = 0; k < list.size(); ++k) visit(visit, k);
    std::vector<BuiltGroup::DependentInit> sorted;
    for (const std::size_t k : order) sorted.push_back(std::move(list[k]));
    list = std::move(sorted);
}

void evaluate_dependent_inits(BuiltGroup& g, std::uint64_t seed) {
    const auto spec_of = [&](const std::string& name) -> VariableSpec& {
        const GroupVariable* gv = g.find(name);
        for (auto& s : g.specs)
            if (gv && s.name == gv->var) return s;
        throw BuildError(fmt::format("group '{}': no variable '{}' for an init value", g.name, name));
    };
    for (const auto& d : g.dependent_inits) {
        VariableSpec& spec = spec_of(d.name);
        std::vector<std::vector<double>> reads;
        for (const auto& r : d.reads) reads.push_back(initial_values(spec_of(r), seed));
        const std::size_t n = g.size;
        const expr::Ptr tree = spec.init.expression;
        auto values = std::make_shared<std::vector<double>>(spec.size());
        for (std::size_t e = 0; e < values->size(); ++e) {
            const std::size_t i = e % n;
            const auto symbol = [&](const std::string& s) -> double {
                if (s == "i") return static_cast<double>(i);
                const std::size_t k = static_cast<std::size_t>(
                    std::find(d.reads.begin(), d.reads.end(), s) - d.reads.begin());
                const std::vector<double>& a = reads.at(k);
                return a.size() == 1 ? a[0] : a.size() == n ? a[i] : a[e];
            };
            // Drawn as the expression initializer draws (builder/initializers.hpp).
            expr::DrawCounter draws{seed, rng_stream::init, object_hash(spec.name.c_str()), e, 0};
            (*values)[e] = expr::evaluate(tree, symbol, draws);
        }
        spec.init.kind = "data";
        spec.init.expression = nullptr;
        spec.init.data = std::move(values);
    }
}

}  // namespace spikegraph::detail
