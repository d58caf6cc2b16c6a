#pragma once
// Simulation: owns a built Plan and an executor on one backend, runs it step by step, and
// streams what the monitors record to an output directory.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/executor.hpp"
#include "builder/builder.hpp"
#include "frontend/network.hpp"

namespace spikegraph {

class SpikeMonitor;
class StateMonitor;

struct SimulationOptions {
    int threads = 0;                  // 0: the network's `simulation.threads`
    std::filesystem::path out_dir;    // where monitors write; empty: record nothing to disk
    std::string config;               // the config's path, for the manifest
};

/// Called every few steps during run_continue: (steps done, steps asked for).
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

class Simulation {
public:
    /// Builds the network and binds it to its backend.
    /// @throws ConfigError, ModelError, BuildError, BackendUnavailable
    explicit Simulation(const Network& network, SimulationOptions options = {});
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    /// Sets every variable to its initial value and time to 0. Monitors keep what they recorded:
    /// call run() once per Simulation and run_continue() after it.
    void initial_step();
    /// Advances one step (initial_step first if it has not run).
    void step();
    /// initial_step, then `duration_ms` of simulated time.
    void run(double duration_ms, const ProgressFn& progress = {});
    /// `duration_ms` more from the current state (initial_step first if it has not run).
    void run_continue(double duration_ms, const ProgressFn& progress = {});
    /// Flushes the monitors and writes manifest.json and stats.json (when there is an out_dir).
    void finish();

    double t_ms() const;
    std::int64_t steps_done() const;
    double dt_ms() const { return build_.plan.dt_ms; }
    const Plan& plan() const { return build_.plan; }
    const BuildResult& build_result() const { return build_; }
    /// The sorted plan as text: what runs in which order, and what each op reads and writes.
    std::string schedule() const;

    /// Host copy of a plan variable ("neurons.v"), row-major in its shape.
    std::vector<double> read(const std::string& var) const;

    /// Spikes since initial_step of a group or spike input, summed over the batch.
    std::uint64_t spike_count(const std::string& population) const;

    double build_seconds() const { return build_seconds_; }
    double run_seconds() const { return run_seconds_; }
    std::uint64_t synaptic_events() const;
    int threads() const { return threads_; }

    /// The figures of stats.json.
    nlohmann::json stats() const;

private:
    void ensure_initialised();

    Network network_;
    SimulationOptions options_;
    BuildResult build_;
    std::unique_ptr<Executor> executor_;
    std::vector<std::unique_ptr<SpikeMonitor>> spike_monitors_;
    std::vector<std::unique_ptr<StateMonitor>> state_monitors_;
    bool initialised_ = false;
    bool finished_ = false;
    int threads_ = 1;
    double build_seconds_ = 0.0;
    double run_seconds_ = 0.0;
    double simulated_ms_ = 0.0;
};

}  // namespace spikegraph
