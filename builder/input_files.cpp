// The builder's part for inputs that read files or drive variables directly: spike times from
// .npz / .npy files, and Brian2's PoissonInput (`poisson_drive`).

#include <cmath>

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include "core/array_file.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::detail {

namespace {

// A 1-D array (or a 2-D array with one column) of `what`.
const NumericArray& one_dimensional(const NumericArray& a, const std::string& file,
                                    const char* what, const TextOrigin& o) {
    if (a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1)) return a;
    config_error(o, fmt::format("{}: '{}' has {} dimensions; expected a 1-D array (one entry "
                                "per spike)", file, what, a.shape.size()));
}

}  // namespace

SpikeTimesInput PlanBuilder::read_spike_files(const SpikeTimesInput& s, const TextOrigin& o) const {
    const std::string key = "inputs." + s.name;
    NumericArray times, indices;
    std::string file = s.file.empty() ? s.times_file : s.file;
    try {
        if (!s.file.empty()) {
            auto arrays = load_npz(s.file);
            for (const char* need : {"times", "indices"})
                if (!arrays.count(need)) {
                    std::string have;
                    for (const auto& [name, a] : arrays) have += (have.empty() ? "" : ", ") + name;
                    config_error(with_key(o, key + ".file"),
                                 fmt::format("{}: the archive has no array '{}' (it has: {}); "
                                             "write it with numpy.savez(path, times=..., "
                                             "indices=...)",
                                             s.file, need, have.empty() ? "nothing" : have));
                }
            times = arrays["times"];
            indices = arrays["indices"];
        } else {
            times = load_npy(s.times_file);
            file = s.indices_file;
            indices = load_npy(s.indices_file);
        }
    } catch (const ConfigError& e) {
        if (!e.file().empty()) throw;
        config_error(with_key(o, key + ".file"), e.what());
    }
    one_dimensional(times, s.file.empty() ? s.times_file : s.file, "times", o);
    one_dimensional(indices, s.file.empty() ? s.indices_file : s.file, "indices", o);
    Quantity unit;
    try {
        unit = parse_quantity("1 " + s.time_unit);
    } catch (const ConfigError& e) {
        config_error(with_key(o, key + ".unit"), e.what());
    }
    if (unit.dim != dim::time())
        config_error(with_key(o, key + ".unit"),
                     fmt::format("the unit of the times must be a time (s, ms, ...), got \"{}\"",
                                 s.time_unit));
    SpikeTimesInput out;
    out.name = s.name;
    out.size = s.size;
    out.file = s.file;
    out.times_file = s.times_file;
    out.origin = s.origin;
    out.times_ms.resize(times.size);
    for (std::size_t k = 0; k < times.size; ++k) out.times_ms[k] = times.values[k] * unit.value;
    out.indices.resize(indices.size);
    for (std::size_t k = 0; k < indices.size; ++k) {
        const double v = indices.values[k];
        if (!(v >= 0) || v >= static_cast<double>(s.size) || v != std::floor(v))
            config_error(o, fmt::format("{}: index {} (entry {}) is out of range for input "
                                        "'{}' ({} sources: whole numbers 0 to {})",
                                        s.file.empty() ? s.indices_file : s.file, v, k, s.name,
                                        s.size, s.size - 1));
        out.indices[k] = static_cast<std::int64_t>(v);
    }
    return out;
}

void PlanBuilder::add_poisson_drive(const PoissonDrive& d) {
    const std::string key = "inputs." + d.name;
    const TextOrigin o = with_key(d.origin, key);
    GroupRef target = d.target;
    const auto* v = input_target(target, d.variable, o);
    const auto& g = group_slice(target, o, "target");
    if (!v->state)
        config_error(o, fmt::format("'{}.{}' is not a per-neuron state variable; a Poisson input "
                                    "adds to a variable that evolves, e.g. ge or v",
                                    g.name, d.variable));
    if (d.sources == 0) config_error(o, "N must be at least 1");
    PoissonDrivePayload pp;
    pp.name = d.name;
    pp.target = v->var;
    pp.size = g.size;
    pp.begin = target.begin;
    pp.end = target.end;
    pp.sources = d.sources;
    pp.dt_ms = plan_.dt_ms;
    SymbolDims none;
    const TextOrigin wo = origin_of(d.weight, with_key(o, key + ".weight"));
    const auto weight = parse_value(d.weight, wo, none);
    expect_dimension(weight, v->dim, d.weight, o, key + ".weight");
    if (!weight.constant)
        config_error(wo, "the weight of a Poisson input must be one value for every neuron");
    pp.weight = *weight.constant;
    const TextOrigin ro = origin_of(d.rate, with_key(o, key + ".rate"));
    const auto rate = parse_value(d.rate, ro, none);
    expect_dimension(rate, dim::frequency(), d.rate, o, key + ".rate");
    const std::string what = fmt::format("input '{}'", d.name);
    if (rate.constant) {
        if (!(*rate.constant >= 0)) config_error(ro, "the rate cannot be negative");
        if (*rate.constant * plan_.dt_ms > 1.0)
            config_error(ro, fmt::format("{}: rate * dt = {} exceeds 1; a Poisson source spikes "
                                         "at most once per step: lower the rate or the dt, or "
                                         "raise N", what, *rate.constant * plan_.dt_ms));
        pp.rate_kHz = *rate.constant;
    } else {
        if (expr::uses_random(rate.expr))
            config_error(ro, "the rate of a Poisson input cannot be random; give a rate or an "
                             "expression of t and i");
        pp.constant = false;
        pp.rate_expr = rate.expr;
    }
    OpSpec op;
    op.name = d.name + ".poisson_drive";
    op.kind = "poisson_drive";
    op.owner = d.name;
    // In the synapses slot, as Brian schedules PoissonInput: after the threshold, with the
    // spike deliveries, so that it first changes the next step's update.
    op.outputs = {{v->var, WriteMode::accumulate}};
    op.params = {{"N", d.sources}, {"rate", rate.constant ? d.rate.text : expr::to_string(rate.expr, 200)},
                 {"weight", d.weight.text}};
    op.payload = pp;
    deliveries_.push_back(std::move(op));
}

}  // namespace spikegraph::detail
