// White noise in model equations (Brian's `xi`): its names, and the checks that keep it in the
// right-hand sides of differential equations and keep rand()/randn() out of them.

#include <algorithm>
#include <unordered_set>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/equations.hpp"

namespace spikegraph {
namespace {

void collect_noise(const expr::Ptr& e, std::vector<std::string>& out) {
    std::vector<std::string> symbols;
    expr::collect_symbols(e, symbols);
    for (const auto& s : symbols)
        if (is_noise_name(s) && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
}

// The first call of a random function in `e`, each shared node visited once.
const expr::Node* find_draw(const expr::Ptr& e, std::unordered_set<const expr::Node*>& seen) {
    if (!seen.insert(e.get()).second) return nullptr;
    if (e->kind == expr::Kind::call &&
        (e->name == "rand" || e->name == "randn" || e->name == "uniform" || e->name == "normal"))
        return e.get();
    for (const auto& a : e->args)
        if (const expr::Node* found = find_draw(a, seen)) return found;
    return nullptr;
}

}  // namespace

bool is_noise_name(std::string_view name) {
    return name == "xi" || (name.size() > 3 && name.substr(0, 3) == "xi_" && detail::is_identifier(name));
}

std::string noise_outside_ode(std::string_view name) {
    return "'" + std::string(name) +
           "' is white noise (second^-1/2), which only the right-hand side of a neuron group's "
           "differential equation may use, as in 'dv/dt = -v / tau + sigma * sqrt(2 / tau) * " +
           std::string(name) + " : volt'; for one random number per event or initial value use "
           "randn()";
}

std::vector<std::string> noise_names(const Equations& eq) {
    std::vector<std::string> out;
    for (const OdeSpec& o : eq.odes) collect_noise(o.rhs, out);
    for (const SubExpression& s : eq.subs) collect_noise(s.value, out);
    return out;
}

void check_no_draws_in_odes(const Equations& eq, const TextOrigin& origin) {
    for (const OdeSpec& o : eq.odes) {
        std::unordered_set<const expr::Node*> seen;
        const expr::Node* draw = find_draw(inline_subexpressions(o.rhs, eq), seen);
        if (!draw) continue;
        const expr::SourceLoc at = draw->loc.line > 0 ? draw->loc : o.loc;
        throw ModelError(located(origin, at,
            "d" + o.var + "/dt calls " + draw->name + "(), which would draw one number per step, "
            "whatever the step: write white noise as xi (second^-1/2), e.g. 'dv/dt = -v / tau + "
            "sigma * sqrt(2 / tau) * xi', which the solver scales by sqrt(dt), and xi_<name> for "
            "independent noises; rand() and randn() remain fine in resets and initial values"));
    }
}

}  // namespace spikegraph
