#pragma once
// A Plan instantiated on one backend: it owns the memory and runs the ops step by step.

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/record_sink.hpp"
#include "builder/plan.hpp"

namespace spikegraph {

struct ExecutorOptions {
    int threads = 1;                           // worker threads (>= 1)
    bool profile = false;                      // time every op of every step (op_times())
    std::map<std::string, RecordSink*> sinks;  // monitor op name -> sink (not owned)
    /// Most steps a monitor op gathers before handing them to its sink as one block; 0: the
    /// backend's choice. Blocks may end earlier (bounded memory, flush_records); what the
    /// sinks write does not depend on it.
    std::int64_t record_block_steps = 0;
};

/// Where the loop's time went, per op of the plan (ExecutorOptions::profile).
struct OpTime {
    std::string op;      // the op's name in the plan
    std::string kind;    // its kind ("neuron_update", "synapse_deliver", ...)
    double seconds = 0;  // wall time inside the op, summed over the steps run
    int stage = -1;      // ops run together in one parallel stage share a number; -1: alone
};

/// An element of a variable that holds NaN or +-Inf (Executor::find_non_finite).
struct NonFiniteValue {
    std::string var;          // qualified name: "exc.v"
    std::size_t index = 0;    // row-major element index
    double value = 0;         // what it holds (NaN, inf or -inf)
    double last_finite = 0;   // its value at the last check that found everything finite (NaN:
                              // no such check)
};

class Executor {
public:
    virtual ~Executor() = default;

    /// Fills every variable from its initializer and runs the plan's initial ops. Step 0 next.
    virtual void initial_step() = 0;

    /// Runs the per-step ops once: advances t_k to t_k + dt.
    virtual void step() = 0;

    /// Runs `n` steps (the loop the simulator times).
    virtual void run_steps(std::int64_t n) {
        for (std::int64_t k = 0; k < n; ++k) step();
    }

    /// Runs up to `n` steps, stopping early at the end of the first step after which `stop`
    /// reads true (one relaxed load per step). Returns the steps run.
    virtual std::int64_t run_steps_until(std::int64_t n, const std::atomic<bool>& stop) {
        std::int64_t k = 0;
        while (k < n && !stop.load(std::memory_order_relaxed)) {
            step();
            ++k;
        }
        return k;
    }

    /// Index k of the next step to run (t = k * dt).
    virtual std::int64_t current_step() const = 0;

    /// Makes `step` the next step to run (t = step * dt). Used to restore a stored state; the
    /// variables are restored separately with write_bytes().
    virtual void set_step(std::int64_t step) = 0;

    /// Host copy of a variable, converted to double, row-major in its spec's shape.
    virtual std::vector<double> read(const std::string& var) const = 0;

    /// Overwrites a variable from a host array (converted from double); the size must match.
    virtual void write(const std::string& var, const std::vector<double>& values) = 0;

    /// The bytes of a variable exactly as stored (native little-endian, row-major): what a
    /// bitwise snapshot keeps.
    virtual std::vector<std::byte> read_bytes(const std::string& var) const = 0;

    /// Overwrites a variable with bytes from read_bytes() of a variable of the same dtype and
    /// shape. @throws SimulationError when the byte count differs.
    virtual void write_bytes(const std::string& var, const std::byte* data, std::size_t size) = 0;

    /// Hands every record still gathered by the monitor ops to their sinks (RecordSink): call it
    /// before anything reads what the sinks received. A backend hands records over on its own
    /// every few steps and where the step sequence breaks (initial_step, set_step).
    virtual void flush_records() {}

    /// Synaptic events delivered so far (one per synapse per presynaptic spike).
    virtual std::uint64_t synaptic_events() const = 0;

    /// Makes synaptic_events() count on from `events` (restoring a snapshot).
    virtual void set_synaptic_events(std::uint64_t events) = 0;
    /// The first element, in the order of `vars` (real variables), that is NaN or +-Inf; nullopt
    /// when every one is finite. Remembers the values of a call that finds none, for the next
    /// one's `last_finite`. Called every few steps, so it must cost little next to a step.
    virtual std::optional<NonFiniteValue> find_non_finite(const std::vector<std::string>& vars) {
        last_finite_.resize(vars.size());
        for (std::size_t v = 0; v < vars.size(); ++v) {
            std::vector<double> values = read(vars[v]);
            for (std::size_t k = 0; k < values.size(); ++k)
                if (!std::isfinite(values[k])) {
                    const auto& last = last_finite_[v];
                    return NonFiniteValue{vars[v], k, values[k],
                                          k < last.size() ? last[k] : std::nan("")};
                }
            last_finite_[v] = std::move(values);
        }
        return std::nullopt;
    }

    /// Per-op times of the steps run so far, in plan order; empty unless profiling was asked
    /// for (a backend that cannot time its ops returns empty too).
    virtual std::vector<OpTime> op_times() const { return {}; }

protected:
    std::vector<std::vector<double>> last_finite_;  // per variable checked, as of the last check
};

}  // namespace spikegraph
