#pragma once
// A Plan instantiated on one backend: it owns the memory and runs the ops step by step.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/record_sink.hpp"
#include "builder/plan.hpp"

namespace spikegraph {

struct ExecutorOptions {
    int threads = 1;                           // worker threads (>= 1)
    std::map<std::string, RecordSink*> sinks;  // monitor op name -> sink (not owned)
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

    /// Index k of the next step to run (t = k * dt).
    virtual std::int64_t current_step() const = 0;

    /// Host copy of a variable, converted to double, row-major in its spec's shape.
    virtual std::vector<double> read(const std::string& var) const = 0;

    /// Overwrites a variable from a host array (converted from double); the size must match.
    virtual void write(const std::string& var, const std::vector<double>& values) = 0;

    /// Synaptic events delivered so far (one per synapse per presynaptic spike).
    virtual std::uint64_t synaptic_events() const = 0;
};

}  // namespace spikegraph
