#include "frontend/parameters.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "frontend/config_location.hpp"
#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {

namespace {

thread_local const ParameterValues* t_current = nullptr;

// Names an expression gives a meaning of its own (time, indices, noise), so a parameter of that
// name would never be seen where it matters most.
bool reserved(std::string_view name) {
    static const std::vector<std::string_view> names = {"t", "dt", "lastspike", "i", "j", "N",
                                                        "not_refractory", "xi"};
    return std::find(names.begin(), names.end(), name) != names.end() ||
           name.starts_with("xi_") || find_unit(name) != nullptr;
}

struct Declared {
    std::string name;
    const ValueSpec* value;
    TextOrigin origin;
    expr::Ptr tree;
    std::vector<std::string> uses;  // other parameters it refers to
};

TextOrigin origin_of(const std::string& name, const ValueSpec& v) {
    TextOrigin o = v.origin;
    if (o.key.empty()) o.key = "parameters." + name;
    return o;
}

// Depth-first topological order; a back edge is a cycle, reported with every name on it.
class Order {
public:
    explicit Order(const std::vector<Declared>& all) : all_(all), state_(all.size(), 0) {}

    std::vector<std::size_t> run() {
        for (std::size_t k = 0; k < all_.size(); ++k) visit(k);
        return order_;
    }

private:
    std::size_t index_of(const std::string& name) const {
        for (std::size_t k = 0; k < all_.size(); ++k)
            if (all_[k].name == name) return k;
        return all_.size();
    }

    void visit(std::size_t k) {
        if (state_[k] == 2) return;
        if (state_[k] == 1) {
            const auto first = std::find(path_.begin(), path_.end(), k);
            std::vector<std::string> names;
            for (auto it = first; it != path_.end(); ++it) names.push_back(all_[*it].name);
            names.push_back(all_[k].name);
            throw detail::config_error_at(
                all_[k].origin,
                fmt::format("the parameters refer to each other in a cycle: {}; give one of "
                            "them a value that does not depend on the others",
                            fmt::join(names, " -> ")));
        }
        state_[k] = 1;
        path_.push_back(k);
        for (const auto& u : all_[k].uses) visit(index_of(u));
        path_.pop_back();
        state_[k] = 2;
        order_.push_back(k);
    }

    const std::vector<Declared>& all_;
    std::vector<int> state_;  // 0 unseen, 1 on the current path, 2 done
    std::vector<std::size_t> path_, order_;
};

// Checks a parameter's tree: every name is another parameter, a unit or an error here.
void check_names(const Declared& d, const expr::Ptr& e,
                 const std::map<std::string, ValueSpec>& declared, std::vector<std::string>& uses) {
    if (e->kind == expr::Kind::symbol) {
        if (declared.count(e->name)) {
            if (std::find(uses.begin(), uses.end(), e->name) == uses.end()) uses.push_back(e->name);
        } else if (find_unit(e->name) == nullptr) {
            std::vector<std::string> names;
            for (const auto& [n, v] : declared) names.push_back(n);
            const std::string why =
                reserved(e->name)
                    ? fmt::format("'{}' has no single value; a parameter is one number with a "
                                  "unit, the same for every neuron and step",
                                  e->name)
                    : fmt::format("unknown name '{}'{}; a parameter may use other parameters, "
                                  "units and functions",
                                  e->name, detail::did_you_mean(e->name, names));
            throw detail::config_error_at(d.origin, e->loc, why);
        }
        return;
    }
    if (e->kind == expr::Kind::call && (e->name == "rand" || e->name == "randn"))
        throw detail::config_error_at(
            d.origin, e->loc,
            fmt::format("{}() draws a number per use; a parameter is one value (draw per neuron "
                        "in the group's init or parameters instead)",
                        e->name));
    for (const auto& a : e->args) check_names(d, a, declared, uses);
}

}  // namespace

ParameterValues resolve_parameters(const std::map<std::string, ValueSpec>& declared) {
    std::vector<Declared> all;
    for (const auto& [name, v] : declared) {
        Declared d{name, &v, origin_of(name, v), nullptr, {}};
        if (!detail::is_identifier(name))
            throw detail::config_error_at(
                d.origin, fmt::format("'{}' is not a parameter name; use letters, digits and '_', "
                                      "starting with a letter (e.g. g, J, nu_thr)",
                                      detail::quote_input(name)));
        if (reserved(name))
            throw detail::config_error_at(
                d.origin, fmt::format("'{}' is reserved ({}); choose another parameter name",
                                      name, find_unit(name) ? "a unit" : "a built-in symbol"));
        if (v.text.empty()) throw detail::config_error_at(d.origin, "the value is empty");
        try {
            d.tree = parse_expression(v.text, d.origin);
        } catch (const ModelError& e) {
            throw ConfigError(e.what(), detail::config_location(d.origin));
        }
        check_names(d, d.tree, declared, d.uses);
        all.push_back(std::move(d));
    }
    ParameterValues out;
    SymbolDims dims;
    for (const std::size_t k : Order(all).run()) {
        const Declared& d = all[k];
        Checked c;
        try {
            c = check_expression(d.tree, dims, d.origin);
        } catch (const ModelError& e) {
            throw ConfigError(e.what(), detail::config_location(d.origin));
        }
        const auto value = expr::try_evaluate(c.expr, [&](const std::string& s) {
            const auto it = out.find(s);
            return it == out.end() ? std::nullopt : std::optional<double>(it->second.value);
        });
        if (!value || !std::isfinite(*value))
            throw detail::config_error_at(
                d.origin, fmt::format("\"{}\" does not give a finite number{}; give a finite value",
                                      detail::quote_input(d.value->text),
                                      value ? fmt::format(" (it is {})", *value) : ""));
        out[d.name] = Quantity{*value, c.dim};
        dims[d.name] = c.dim;
    }
    return out;
}

ParameterScope::ParameterScope(ParameterValues values)
    : values_(std::move(values)), previous_(t_current) {
    t_current = &values_;
}

ParameterScope::~ParameterScope() { t_current = previous_; }

const Quantity* find_parameter(std::string_view name) {
    if (!t_current) return nullptr;
    const auto it = t_current->find(name);
    return it == t_current->end() ? nullptr : &it->second;
}

std::vector<std::string> parameter_names() {
    std::vector<std::string> names;
    if (t_current)
        for (const auto& [name, q] : *t_current) names.push_back(name);
    return names;
}

}  // namespace spikegraph
