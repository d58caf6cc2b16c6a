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
#include "simulator/evolve_result.hpp"
#include "simulator/variable_sets.hpp"

namespace spikegraph {

namespace detail {

/// An executor of a plan extended with one in-memory spike recorder per population, and sinks
/// for the plan's state monitors. Reused across evolve calls; not thread-safe.
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
    class SpikeSink;
    class StateSink;

    std::shared_ptr<const BuildResult> build_;
    std::vector<std::unique_ptr<SpikeSink>> spike_sinks_;
    std::vector<std::unique_ptr<StateSink>> state_sinks_;
    std::unique_ptr<Executor> executor_;
};

}  // namespace detail

}  // namespace spikegraph
