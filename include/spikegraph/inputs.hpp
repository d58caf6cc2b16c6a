#pragma once
// Input nodes: spike sources (Poisson, spike-time arrays) that connections take as `pre`, and
// currents that drive a variable of a group.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

/// `size` independent Poisson spike trains; `rate` is a frequency: constant, per source (an
/// expression of `i`) or varying in time (an expression of `t`, e.g. a timed array `r(t)`).
/// A source spikes in a step with probability rate * dt (Brian's PoissonGroup), which must not
/// exceed 1.
struct PoissonInput {
    std::string name;
    std::size_t size = 1;
    ValueSpec rate = "10 Hz";
    TextOrigin origin;
};

/// Spikes at given times: source `indices[k]` fires at `times_ms[k]` (rounded to the step), in
/// any order. The pairs may come from files instead: `file` (an .npz holding arrays `times`
/// and `indices`) or `times_file` and `indices_file` (two .npy), with times in `time_unit`.
/// Files are read when the network is built.
struct SpikeTimesInput {
    std::string name;
    std::size_t size = 1;
    std::vector<std::int64_t> indices;
    std::vector<double> times_ms;
    std::string file;
    std::string times_file, indices_file;
    std::string time_unit = "ms";  // of the times in files: s, ms, us ...
    TextOrigin origin;
};

/// A named array of values sampled every `dt`, read in any expression of a group as `name(t)`
/// (a 1-D array: one value for all neurons) or `name(t, i)` (a 2-D array, time x neuron, with
/// one column per neuron), with Brian2's TimedArray semantics: piecewise constant, the last
/// value held past the end. The values come from `file` (.npy or .csv; read once when the
/// network is built, memory-mapped when large) or from `values` (row-major, `columns` per row;
/// 0 columns: 1-D), in `unit`.
struct TimedArraySpec {
    std::string name;
    std::string file;
    std::vector<double> values;
    std::size_t columns = 0;
    ValueSpec dt = "1 ms";
    std::string unit = "1";  // of the values: "nA", "mV", "Hz", "1" (dimensionless)
    TextOrigin origin;
};

/// Brian2's PoissonInput: each step, before the group's update, adds `weight` times a draw of
/// Binomial(sources, rate * dt) to `variable` of every neuron of `target`: `sources`
/// independent Poisson trains per neuron, with no synapses stored. `rate` may be an expression
/// of `t` (and a timed array); `weight` has the unit of the variable.
struct PoissonDrive {
    std::string name;
    GroupRef target;
    std::string variable;
    std::size_t sources = 1;
    ValueSpec rate = "10 Hz";
    ValueSpec weight;
    TextOrigin origin;
};

/// Sets `variable` of the `target` neurons each step: `value` until the first change, then
/// `changes[k].second` from time `changes[k].first` (a constant or step current).
struct CurrentInput {
    std::string name;
    GroupRef target;
    std::string variable = "I";
    ValueSpec value = "0";
    std::vector<std::pair<ValueSpec, ValueSpec>> changes;  // (time, value)
    TextOrigin origin;
};

}  // namespace spikegraph
