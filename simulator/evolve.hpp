#pragma once
// The functional form: evolve(inputs, state) -> {outputs, new_state, record}, run on an
// executor of its own so that the simulation it is called on keeps its state and its monitors.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/executor.hpp"
#include "builder/builder.hpp"
#include "monitors/memory_recorder.hpp"
#include <spikegraph/evolve.hpp>
#include "simulator/variable_sets.hpp"

namespace spikegraph {

namespace detail {

/// An executor of a plan extended with one in-memory spike recorder per population
/// (builder/record_ops.hpp), and in-memory recorders for the plan's state monitors. Reused
/// across evolve calls; not thread-safe.
class EvolveEngine {
public:
    /// @throws BackendUnavailable, BuildError
    EvolveEngine(std::shared_ptr<const BuildResult> build, const std::string& backend,
                 int threads);
    ~EvolveEngine();
    EvolveEngine(const EvolveEngine&) = delete;
    EvolveEngine& operator=(const EvolveEngine&) = delete;

    /// Starts from `source` (every variable and the step; nullptr: initial values), then applies
    /// `state` and `inputs.set` (both already checked), runs, and collects the result.
    EvolveResult run(const Executor* source, const VariableMap& state, const EvolveInputs& inputs,
                     std::int64_t steps);

private:
    std::shared_ptr<const BuildResult> build_;
    // Recorders by population or state monitor name; the executor holds pointers to them.
    std::map<std::string, std::unique_ptr<SpikeRecorder>> spikes_;
    std::map<std::string, std::unique_ptr<StateRecorder>> states_;
    std::unique_ptr<Executor> executor_;
};

}  // namespace detail

}  // namespace spikegraph
