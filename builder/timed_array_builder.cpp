// The builder's part for timed arrays: each declared array is read once (core/array_file.hpp)
// and shared by every expression that calls it; its unit, sampling step and shape are checked
// here, its columns against the groups that read it per neuron.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include "core/array_file.hpp"
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::detail {

namespace {

NumericArray inline_values(const TimedArraySpec& spec, const TextOrigin& o) {
    if (spec.values.empty())
        config_error(o, "give the values: a file (file: stim.npy) or a list (values: [0, 1, 0])");
    const std::size_t columns = std::max<std::size_t>(spec.columns, 1);
    if (spec.values.size() % columns != 0)
        config_error(o, fmt::format("{} values do not fill rows of {} columns",
                                    spec.values.size(), columns));
    auto copy = std::make_shared<std::vector<double>>(spec.values);
    NumericArray a;
    a.shape = spec.columns == 0 ? std::vector<std::size_t>{copy->size()}
                                : std::vector<std::size_t>{copy->size() / columns, columns};
    a.size = copy->size();
    a.values = copy->data();
    a.storage = std::move(copy);
    return a;
}

// Every timed-array call in `e`, each node once.
void collect_arrays(const expr::Ptr& e, std::vector<const expr::Node*>& out) {
    if (!e) return;
    if (e->table && std::find(out.begin(), out.end(), e.get()) == out.end()) out.push_back(e.get());
    for (const auto& a : e->args) collect_arrays(a, out);
}

}  // namespace

void PlanBuilder::load_timed_arrays() {
    for (const auto& spec : net_.timed_arrays) {
        const std::string key = "timed_arrays." + spec.name;
        const TextOrigin o = with_key(spec.origin, key);
        if (!is_identifier(spec.name))
            config_error(o, fmt::format("'{}' is not a valid name for a timed array; use letters, "
                                        "digits and '_'", quote_input(spec.name)));
        if (expr::function_arity(spec.name) >= 0 || find_unit(spec.name) != nullptr ||
            spec.name == "t" || spec.name == "dt" || spec.name == "i" || spec.name == "N")
            config_error(o, fmt::format("'{}' is already a function, unit or built-in name; "
                                        "choose another name for the timed array", spec.name));
        SymbolDims none;
        const auto dt = parse_value(spec.dt, with_key(o, key + ".dt"), none);
        expect_dimension(dt, dim::time(), spec.dt, o, key + ".dt");
        if (!dt.constant || !(*dt.constant > 0))
            config_error(origin_of(spec.dt, o), "the sampling step dt of a timed array must be a "
                                                "positive time, e.g. dt: 1 ms");
        Quantity unit;
        try {
            unit = parse_quantity(spec.unit.empty() || spec.unit == "1" ? "1" : "1 " + spec.unit);
        } catch (const ConfigError& e) {
            config_error(with_key(o, key + ".unit"),
                         fmt::format("unit \"{}\": {}", quote_input(spec.unit), e.what()));
        }
        NumericArray data;
        if (spec.file.empty()) {
            data = inline_values(spec, o);
        } else {
            try {
                data = load_array_file(spec.file);
            } catch (const ConfigError& e) {
                config_error(with_key(o, key + ".file"), e.what());
            }
        }
        if (data.shape.size() != 1 && data.shape.size() != 2)
            config_error(o, fmt::format("{}: the array has {} dimensions; a timed array is 1-D "
                                        "(time) or 2-D (time x neuron)",
                                        spec.file.empty() ? "values" : spec.file,
                                        data.shape.size()));
        if (data.size == 0)
            config_error(o, fmt::format("{}: the array is empty; it needs at least one row",
                                        spec.file.empty() ? "values" : spec.file));
        auto a = std::make_shared<TimedArray>();
        a->name = spec.name;
        a->rows = data.shape[0];
        a->columns = data.shape.size() == 2 ? data.shape[1] : 0;
        a->dt_ms = *dt.constant;
        a->upsampling = timed_array_upsampling(plan_.dt_ms, a->dt_ms);
        a->epsilon_ms = a->dt_ms / a->upsampling;
        a->scale = unit.value;
        a->unit = unit.dim;
        a->values = data.values;
        a->storage = data.storage;
        for (std::size_t k = 0; k < data.size; ++k)
            if (!std::isfinite(data.values[k]))
                config_error(o, fmt::format("{}: value {} (row {}) is {}; a timed array needs "
                                            "finite values",
                                            spec.file.empty() ? "values" : spec.file, k,
                                            k / std::max<std::size_t>(a->columns, 1),
                                            data.values[k]));
        const auto [lo, hi] = std::minmax_element(data.values, data.values + data.size);
        a->min_value = std::min(*lo * a->scale, *hi * a->scale);
        a->max_value = std::max(*lo * a->scale, *hi * a->scale);
        timed_arrays_.push_back(std::move(a));
    }
}

void PlanBuilder::check_timed_array_columns(const std::vector<expr::Ptr>& exprs,
                                            const std::string& group, std::size_t size) const {
    std::vector<const expr::Node*> calls;
    for (const auto& e : exprs) collect_arrays(e, calls);
    for (const expr::Node* n : calls) {
        const TimedArray& a = *n->table;
        // Read per neuron as name(t, i): one column per neuron of the group.
        const bool by_neuron = n->args.size() == 2 && n->args[1]->kind == expr::Kind::symbol &&
                               n->args[1]->name == "i";
        if (!by_neuron || a.columns == size) continue;
        const TimedArraySpec* spec = nullptr;
        for (const auto& s : net_.timed_arrays)
            if (s.name == a.name) spec = &s;
        const TextOrigin o = with_key(spec ? spec->origin : TextOrigin{}, "timed_arrays." + a.name);
        config_error(o, fmt::format("{}: the array has shape ({}, {}) but group '{}' reads it as "
                                    "{}(t, i) with {} neurons; expected shape ({}, {}): one "
                                    "column per neuron",
                                    spec && !spec->file.empty() ? spec->file : "values", a.rows,
                                    a.columns, group, a.name, size, a.rows, size));
    }
}

}  // namespace spikegraph::detail
