// Inlining of a model's sub-expressions (`I = ge * (Ee - v) : amp`) into the trees that use them:
// the one place where a model's trees are composed, so the place that keeps their size and
// depth bounded.

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include "frontend/equations.hpp"

namespace spikegraph {

using expr::Ptr;

expr::Ptr inline_subexpressions(const expr::Ptr& e, const Equations& eq) {
    std::vector<std::string> names;
    std::vector<Ptr> values;
    for (const SubExpression& s : eq.subs) {
        names.push_back(s.name);
        values.push_back(s.value);
    }
    // Depth-first: `path` holds the chain being expanded, so a name met again on it is a cycle.
    // Each sub-expression is expanded once and then shared, so that chains of sub-expressions
    // that use each other several times cost their size, not the number of paths through them.
    std::vector<std::string> path;
    std::map<std::string, Ptr, std::less<>> expanded;
    std::function<Ptr(const Ptr&)> expand = [&](const Ptr& x) -> Ptr {
        std::vector<std::string> used;
        expr::collect_symbols(x, used);
        std::vector<std::string> found;
        std::vector<Ptr> with;
        for (const std::string& u : used) {
            const auto it = std::find(names.begin(), names.end(), u);
            if (it == names.end()) continue;
            if (std::find(path.begin(), path.end(), u) != path.end()) {
                std::string chain;
                for (auto p = std::find(path.begin(), path.end(), u); p != path.end(); ++p)
                    chain += *p + " -> ";
                throw ModelError("sub-expressions refer to each other in a cycle: " + chain + u +
                                 "; define one of them without the others");
            }
            auto done = expanded.find(u);
            if (done == expanded.end()) {
                path.push_back(u);
                Ptr value = expand(values[static_cast<std::size_t>(it - names.begin())]);
                path.pop_back();
                done = expanded.emplace(u, std::move(value)).first;
            }
            with.push_back(done->second);
            found.push_back(u);
        }
        return found.empty() ? x : expr::substitute(x, found, with);
    };
    Ptr out = expand(e);
    if (const std::size_t levels = expr::depth(out); levels > expr::k_max_depth)
        throw ModelError("with its sub-expressions inlined, '" + expr::to_string(e, 60) +
                         "' is nested " + std::to_string(levels) + " levels deep; the limit is " +
                         std::to_string(expr::k_max_depth) +
                         ": use shorter chains of sub-expressions, or group long sums in "
                         "parentheses");
    return out;
}

}  // namespace spikegraph
