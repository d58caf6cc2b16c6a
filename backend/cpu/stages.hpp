#pragma once
// When two partitioned kernels may run in one parallel stage (cpu_executor.cpp).

#include <set>

#include "backend/cpu/kernel.hpp"

namespace spikegraph::cpu {

/// What the stage planner knows of a kernel: its partition, the buffers its op reads and
/// writes (from the plan), and those of them it touches at its part's neurons only.
/// `late`: the writes made only in the kernel's end_step, after the stage's parts.
struct StageMember {
    PartitionKey key;
    std::set<const void*> reads, writes, local, late;
};

/// Whether `later` may join a stage that holds `earlier`, with part p of the stage running part
/// p of each in plan order. Every buffer that one of them writes and the other reads or writes
/// must then be part-local to both, in the same partition: each neuron's element is touched by
/// one thread only, and in plan order. Anything else could race, and keeps them apart.
/// What `later` writes late, in its end_step, is written after `earlier` is done with it; what
/// `earlier` writes late, `later` would see only after its own parts, too late.
inline bool may_share_stage(const StageMember& earlier, const StageMember& later) {
    auto part_local = [&](const void* buf) {
        return earlier.local.count(buf) && later.local.count(buf) && earlier.key == later.key;
    };
    for (const void* buf : earlier.writes) {
        // Touched by `later` before the stage's end (late writes of both keep plan order).
        const bool early = later.reads.count(buf) || (later.writes.count(buf) && !later.late.count(buf));
        if (early && (earlier.late.count(buf) || !part_local(buf))) return false;
    }
    for (const void* buf : earlier.reads)
        if (later.writes.count(buf) && !later.late.count(buf) && !part_local(buf)) return false;
    return true;
}

}  // namespace spikegraph::cpu
