#include "simulator/variable_sets.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "core/units.hpp"

namespace spikegraph::detail {

namespace {

// A temporary that some op reads `prev` holds information from one step into the next (the
// builder may redirect the read to an `@prev` copy, which is taken from the variable itself at
// the start of the step).
bool read_prev(const Plan& plan, const std::string& var) {
    for (const auto* list : {&plan.initial_ops, &plan.ops})
        for (const auto& op : *list)
            for (const auto& in : op.inputs)
                if (in.when == Read::prev && in.var == var) return true;
    return false;
}

bool is_snapshot_copy(const Plan& plan, const std::string& var) {
    for (const auto& s : plan.snapshots)
        if (s.snapshot == var) return true;
    return false;
}

const char* role_phrase(Role r) {
    switch (r) {
        case Role::state: return "a state variable";
        case Role::parameter: return "a parameter";
        case Role::weight: return "a weight";
        case Role::constant: return "a constant (connectivity, fixed after initial_step)";
        case Role::temporary: return "a temporary (recomputed every step)";
    }
    return "a variable";
}

const char* set_phrase(VariableSet set) {
    switch (set) {
        case VariableSet::state: return "state variable";
        case VariableSet::parameters: return "parameter or weight";
        case VariableSet::settable: return "state variable, parameter or weight";
        case VariableSet::snapshot: return "variable";
    }
    return "variable";
}

std::string where_to_set(const VariableSpec& v) {
    switch (v.role) {
        case Role::state: return "; set it with with_state()";
        case Role::parameter:
        case Role::weight: return "; set it with with_parameters()";
        default: return "; it cannot be set";
    }
}

std::string name_list(const std::vector<std::string>& names) {
    constexpr std::size_t k_shown = 30;
    if (names.size() <= k_shown) return fmt::format("{}", fmt::join(names, ", "));
    std::vector<std::string> head(names.begin(), names.begin() + k_shown);
    return fmt::format("{}, ... ({} more)", fmt::join(head, ", "), names.size() - k_shown);
}

// The dimension of a variable from its display unit (display_unit's text: "mV", "kHz",
// "mV ms^-1", "" for none), written the way parse_quantity reads it.
Dimension variable_dimension(const VariableSpec& v) {
    std::string text = "1";
    std::size_t start = 0;
    while (start < v.unit.size()) {
        const std::size_t end = std::min(v.unit.find(' ', start), v.unit.size());
        std::string factor = v.unit.substr(start, end - start);
        if (const auto caret = factor.find('^'); caret != std::string::npos)
            factor.replace(caret, 1, "**");
        text += " * " + factor;
        start = end + 1;
    }
    return parse_quantity(text).dim;
}

std::string unit_phrase(Dimension d) {
    return d.dimensionless() ? std::string("a plain number")
                             : fmt::format("{} (e.g. \"{}\")", d.to_string(), d.example());
}

}  // namespace

bool in_set(const Plan& plan, const VariableSpec& v, VariableSet set) {
    const bool state = v.role == Role::state ||
                       (v.role == Role::temporary && !is_snapshot_copy(plan, v.name) &&
                        read_prev(plan, v.name));
    const bool params = v.role == Role::parameter || v.role == Role::weight;
    switch (set) {
        case VariableSet::state: return state;
        case VariableSet::parameters: return params;
        case VariableSet::settable: return state || params;
        case VariableSet::snapshot: return v.role != Role::constant;
    }
    return false;
}

std::vector<std::string> variables_of(const Plan& plan, VariableSet set) {
    std::vector<std::string> names;
    for (const auto& v : plan.variables)
        if (in_set(plan, v, set)) names.push_back(v.name);
    return names;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
    return fmt::format("[{}]", fmt::join(shape, ", "));
}

void check_variable_map(const Plan& plan, const VariableMap& values, VariableSet set,
                        bool allow_step, std::string_view who) {
    for (const auto& [name, data] : values) {
        if (allow_step && name == k_step_entry) {
            if (data.size() != 1)
                throw SimulationError(fmt::format(
                    "{}: '{}' holds the index of the next step, 1 value; {} were given", who, name,
                    data.size()));
            if (!(data[0] >= 0) || data[0] != std::floor(data[0]) || data[0] > 9.0e15)
                throw SimulationError(fmt::format(
                    "{}: '{}' must be a whole number of steps >= 0, got {}", who, name, data[0]));
            continue;
        }
        const VariableSpec* v = plan.find_variable(name);
        if (!v || !in_set(plan, *v, set)) {
            std::vector<std::string> known = variables_of(plan, set);
            if (allow_step) known.emplace_back(k_step_entry);
            if (v)
                throw SimulationError(fmt::format("{}: '{}' is {}, not a {}{}", who, name,
                                                  role_phrase(v->role), set_phrase(set),
                                                  where_to_set(*v)), {.variable = name});
            const std::string guess = closest_name(name, known);
            throw SimulationError(fmt::format(
                "{}: no {} '{}'{}; the known ones are: {}", who, set_phrase(set), name,
                guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                name_list(known)), {.variable = name});
        }
        if (data.size() != v->size())
            throw SimulationError(fmt::format(
                "{}: '{}' holds {} values (shape {}), but {} were given", who, name, v->size(),
                shape_text(v->shape), data.size()), {.variable = name});
        if (v->dtype == DType::i32 || v->dtype == DType::i64 || v->dtype == DType::u8) {
            const double lo = v->dtype == DType::u8 ? 0.0 : v->dtype == DType::i32 ? -2147483648.0 : -9.0e15;
            const double hi = v->dtype == DType::u8 ? 255.0 : v->dtype == DType::i32 ? 2147483647.0 : 9.0e15;
            for (std::size_t k = 0; k < data.size(); ++k)
                if (!(data[k] >= lo && data[k] <= hi) || data[k] != std::floor(data[k]))
                    throw SimulationError(fmt::format(
                        "{}: '{}' is an integer variable ({}); element {} is {}, not a whole "
                        "number in [{}, {}]",
                        who, name, dtype_name(v->dtype), k, data[k], lo, hi), {.variable = name});
        }
    }
}

VariableMap to_internal_units(const Plan& plan, const UnitValueMap& values, VariableSet set,
                              std::string_view who) {
    VariableMap out;
    for (const auto& [name, given] : values) {
        const VariableSpec* v = plan.find_variable(name);
        if (!v || !in_set(plan, *v, set)) {
            // Let the name check say what is wrong, with "did you mean".
            check_variable_map(plan, VariableMap{{name, {}}}, set, false, who);
        }
        const Dimension expected = variable_dimension(*v);
        const std::string shown = given.values.empty() ? given.text : "numbers in " + given.text;
        Quantity q;
        try {
            q = parse_quantity(given.values.empty() ? given.text : "1 * " + given.text);
        } catch (const Error& e) {
            throw SimulationError(fmt::format("{}: '{}': cannot read \"{}\": {}", who, name,
                                              given.text, e.what()));
        }
        if (!(q.dim == expected))
            throw SimulationError(fmt::format("{}: '{}' needs {}, got \"{}\" ({})", who, name,
                                              unit_phrase(expected), shown,
                                              q.dim.dimensionless() ? "a plain number" : q.dim.to_string()));
        std::vector<double> internal;
        if (given.values.empty()) {
            internal.assign(v->size(), q.value);
        } else {
            internal.reserve(given.values.size());
            for (double x : given.values) internal.push_back(x * q.value);
        }
        out[name] = std::move(internal);
    }
    check_variable_map(plan, out, set, false, who);
    return out;
}

}  // namespace spikegraph::detail
