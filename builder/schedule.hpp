#pragma once
// Derives the step order from what ops read and write: a Boost.Graph of "B reads (now) what A
// wrote this step", sorted topologically with ties broken by declaration order.

#include <string>
#include <vector>

#include "builder/plan.hpp"

namespace spikegraph {

struct Schedule {
    std::vector<OpSpec> ops;          // in execution order
    std::vector<Snapshot> snapshots;  // variables copied at the start of each step
    std::vector<std::vector<std::string>> reasons;  // per op: why it runs after others
};

/// Orders `ops` (their `declared` index set). Rules, per variable X:
///  - a reader of X (`now`) runs after every writer of X;
///  - writers run in phases: `assign`, then `accumulate`, then `modify`;
///  - a `prev` reader of X runs before the writers of X where that is possible; where it is not,
///    X is snapshotted at the start of the step and the reader is redirected to the copy.
/// @throws BuildError when `now` reads form a cycle (naming every op on it and the reads that
///         could be `prev`), or when two ops both assign one variable.
Schedule schedule_ops(std::vector<OpSpec> ops);

/// The schedule as text, one op per line with what it reads and writes and why it is there.
std::string schedule_text(const Plan& plan);

}  // namespace spikegraph
