#pragma once
// The memory a network needs, estimated before anything big is allocated: the Builder adds up
// each part (neuron state, synapses, delay rings, monitor buffers, input data, the native
// compiler) and refuses a network that needs more than the limit (the machine's available
// memory, or SimulationSettings::max_memory_bytes) with one line naming the largest parts.
// docs/limits-memory.md states the bytes counted per item.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spikegraph {

/// Bytes counted per item. They follow what the build and the CPU backend allocate; a figure
/// here changes when that code does.
namespace memory_cost {
/// The initial values the plan keeps of a variable given element by element (synapse indices,
/// per-synapse weights and delays): one double each, beside the backend's own buffer.
constexpr double plan_value = 8;
/// A synapse index (i32) and a CSR row start (i64) in the backend's buffers.
constexpr double synapse_index = 4;
constexpr double row_start = 8;
/// A per-synapse delay in steps (i32) in the backend's buffers.
constexpr double delay_steps = 4;
/// A spike of a spike-times input: its index and time in the network (8 + 8), its step and
/// index in the op (8 + 4), and the kernel's copy of those (8 + 4).
constexpr double spike_time_event = 40;
/// The spikes a spike monitor's block gathers before handing them over (backend/cpu/
/// io_kernels.cpp, k_block_spikes), 4 bytes each, and the records its writer buffers
/// (monitors/spike_monitor.hpp, chunk_records): time and index, plus the batch entry.
constexpr double spike_block_spikes = 65536;
constexpr double spike_chunk_records = 65536;
/// A state monitor's block of rows (k_block_bytes) and its writer's chunk (chunk_bytes), each
/// at least one row of every variable and batch entry, and its record-time buffer.
constexpr double state_block_bytes = 1 << 20;
constexpr double state_chunk_bytes = 1 << 20;
constexpr double state_time_bytes = 4096 * 8;
/// Indices of a state monitor's recorded neurons: kept by the build's monitor list, the op, the
/// kernel and the writer (8 bytes each).
constexpr double recorded_index = 32;
/// The program itself: code, libraries, the thread pool, the parsed config (measured: the
/// peak resident size of `spikegraph run` on a network of 10 neurons, 8.5 MiB).
constexpr double program = 9.0 * (1 << 20);
/// The C++ compiler that compiles the neuron updates (backend/cpu/native_compiler.hpp) runs
/// beside the simulation once, unless its result is cached (measured: 60 MiB at the peak for
/// the CUBA, COBA and COBAHH configs; rounded up for larger models).
constexpr double native_compile = 80.0 * (1 << 20);
}  // namespace memory_cost

/// One part of the estimate: "synapses of 'ee'", "state of 'exc'", "delay ring of 'ee'".
struct MemoryPart {
    std::string what;
    double bytes = 0;
    std::string how;  // how it was counted: "1e13 expected synapses x 28 bytes"; may be empty
};

struct MemoryEstimate {
    std::vector<MemoryPart> parts;
    /// What the state monitors will write to disk over simulation.duration (not memory: files
    /// are streamed), for a warning when it is large.
    double disk_bytes = 0;

    double total() const;
    /// At most `shown` largest parts, largest first (those of at least 1% of the total), and
    /// how many more there are: "synapses of 'ee' 7.4 TiB (1e13 expected synapses x 12 bytes),
    /// state of 'n' 1.2 GiB (...), and 3 more".
    std::string breakdown(std::size_t shown = 3) const;
};

/// The most memory a build may plan for.
struct MemoryLimit {
    std::optional<double> bytes;  // none: unknown, nothing is refused
    bool explicit_limit = false;  // set by the user, not read from the machine
};

/// `max_memory_bytes` when it is not 0, else what the machine has available now
/// (available_memory_bytes(): MemAvailable, under the cgroup limit).
MemoryLimit memory_limit(std::uint64_t max_memory_bytes);

/// @throws BuildError when `estimate` needs more than `limit`: one line with the total, the
///         largest parts and the limit, saying how to change it.
void check_memory(const MemoryEstimate& estimate, const MemoryLimit& limit);

/// A count for messages: exact below 10^10, else "2.05e10".
std::string count_text(double n);

}  // namespace spikegraph
