#include "core/finite_check.hpp"

#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

namespace spikegraph::expr {
namespace {

class Finder {
public:
    explicit Finder(const SymbolLookup& lookup) : lookup_(lookup) {}

    // The value of `e` when known; records the first non-finite sub-tree in found_.
    std::optional<double> value(const Ptr& e) {
        if (found_) return std::nullopt;
        if (e->kind == Kind::constant) return check(e, e->value);
        if (e->kind == Kind::symbol) return lookup_ ? lookup_(e->name) : std::nullopt;
        if (auto it = done_.find(e.get()); it != done_.end()) return it->second;
        const std::optional<double> v = evaluate_node(e);
        done_.emplace(e.get(), v);
        return v;
    }

    std::optional<NonFinite> found_;

private:
    std::optional<double> evaluate_node(const Ptr& e) {
        if (e->kind == Kind::call && e->name == "where" && e->args.size() == 3) {
            const auto c = value(e->args[0]);
            if (!c) return std::nullopt;
            return value(*c != 0.0 ? e->args[1] : e->args[2]);
        }
        bool known = true;
        std::vector<Ptr> args;
        for (const Ptr& a : e->args) {
            const auto v = value(a);
            if (found_) return std::nullopt;
            known = known && v.has_value();
            args.push_back(constant(v.value_or(0.0)));
        }
        if (e->kind == Kind::div && e->args.size() == 2) {
            const auto d = value(e->args[1]);
            if (d && *d == 0.0) {
                found_ = NonFinite{e, known ? std::nan("") : 0.0, e->args[1]};
                return std::nullopt;
            }
        }
        if (!known) return std::nullopt;
        auto folded = std::make_shared<Node>(*e);
        folded->args = std::move(args);
        const auto v = try_evaluate(folded, nullptr);  // nullopt for random calls
        if (!v) return std::nullopt;
        return check(e, *v);
    }

    std::optional<double> check(const Ptr& e, double v) {
        if (!std::isfinite(v)) {
            found_ = NonFinite{e, v, nullptr};
            return std::nullopt;
        }
        return v;
    }

    const SymbolLookup& lookup_;
    std::unordered_map<const Node*, std::optional<double>> done_;
};

}  // namespace

std::optional<NonFinite> find_non_finite(const Ptr& e, const SymbolLookup& lookup) {
    if (!e) return std::nullopt;
    Finder f(lookup);
    f.value(e);
    return f.found_;
}

std::string describe(const NonFinite& f) {
    if (f.zero_divisor) {
        const std::string divisor = to_string(f.zero_divisor);
        if (f.zero_divisor->kind == Kind::constant)
            return fmt::format("a division by zero ({})", to_string(f.node));
        return fmt::format("{} divides by {}, which is 0", to_string(f.node), divisor);
    }
    return fmt::format("{} is {}", to_string(f.node), f.value);
}

}  // namespace spikegraph::expr
