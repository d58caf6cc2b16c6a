#pragma once
// How a group's neurons are shared out between the threads, the same way by every op that
// writes them: the update, the reset and the delivery onto them. A neuron is then written by one
// thread, always the same one, and its cache lines stay in that core's caches instead of moving
// between cores every step (on a 2-core EPYC a serial reset alone took the update's two-thread
// speed-up from 1.7x to 1.1x in a network of frequent spikes).
//
// The parts are run with tbb::parallel_for over [0, parts) and a static_partitioner, which gives
// part p to the same thread at every step.

#include <algorithm>
#include <cstddef>

#include <tbb/parallel_for.h>

#include "backend/cpu/kernel.hpp"

namespace spikegraph::cpu {

/// Neurons per unit of parallel work: fixed, so that every result (spike lists are concatenated
/// in chunk order) is the same for any number of threads.
constexpr std::size_t k_neuron_chunk = 4096;

/// Below this many neurons one thread does it all: a parallel step would cost more in
/// synchronisation than it saves.
constexpr std::size_t k_parallel_min_neurons = 4 * k_neuron_chunk;

/// Number of chunks of a group of n neurons.
constexpr std::size_t neuron_chunks(std::size_t n) {
    return (n + k_neuron_chunk - 1) / k_neuron_chunk;
}

/// First chunk of part p of `parts` (p == parts gives the end).
constexpr std::size_t part_first_chunk(std::size_t n, std::size_t p, std::size_t parts) {
    return neuron_chunks(n) * p / parts;
}

/// First neuron of part p of `parts` in a group of n neurons (p == parts gives n).
constexpr std::size_t part_first_neuron(std::size_t n, std::size_t p, std::size_t parts) {
    return std::min(n, part_first_chunk(n, p, parts) * k_neuron_chunk);
}

/// How many parts the update of a group of n neurons, times batch, is split into with `threads`
/// threads. Part p updates the work items (batch entry, chunk) [W p / parts, W (p + 1) / parts)
/// of the W = batch x chunks; with batch 1, the neurons from part_first_neuron(n, p, parts).
constexpr std::size_t neuron_parts(std::size_t n, std::size_t batch, int threads) {
    if (threads < 2 || n * batch < k_parallel_min_neurons) return 1;
    return std::min(static_cast<std::size_t>(threads), batch * neuron_chunks(n));
}

/// One step of a partitioned kernel on its own, outside a stage: its serial start, then its
/// `parts` parts over the threads or the whole on this one, as begin_step says, then its serial
/// end.
inline void run_partitioned(Kernel& kernel, const StepContext& ctx, std::size_t parts) {
    switch (kernel.begin_step(ctx, false)) {
        case Split::none: return;
        case Split::whole: kernel.run_whole(ctx); break;
        case Split::parts:
            tbb::parallel_for(
                std::size_t(0), parts, [&](std::size_t p) { kernel.run_part(ctx, p); },
                tbb::static_partitioner());
            break;
    }
    kernel.end_step(ctx);
}

}  // namespace spikegraph::cpu
