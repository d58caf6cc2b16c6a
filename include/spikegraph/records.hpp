#pragma once
// What the in-memory recorders keep (monitors/memory_recorder.hpp) and evolve() returns: spikes
// and state rows as plain arrays. Standard library only: part of the public API.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spikegraph {

/// The spikes of one population, in the order they happened: step k (spike stamped
/// t_k = k * dt), neuron index within the population, batch entry.
struct SpikeRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int32_t> index;
    std::vector<std::int32_t> batch;

    std::size_t size() const { return step.size(); }
    /// Spike times [ms] for a step of `dt_ms`.
    std::vector<double> t_ms(double dt_ms) const;
};

/// What a state monitor saw: record steps, and per variable the values row-major with shape
/// [records, batch, recorded neurons].
struct StateRecord {
    std::vector<std::int64_t> step;
    std::vector<std::int64_t> indices;  // recorded neurons within the group; for a
                                        // connection: synapse indices (CSR order)
    std::map<std::string, std::vector<double>> values;
};

}  // namespace spikegraph
