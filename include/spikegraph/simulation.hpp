#pragma once
// Simulation: owns a built Plan and an executor on one backend, runs it step by step, and
// streams what the monitors record to an output directory. It also keeps named snapshots
// (store / restore), writes and resumes checkpoints, and offers the functional form (state(),
// parameters(), with_state(), evolve(), ...). See docs/backends-and-state.md.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <spikegraph/network.hpp>
#include <spikegraph/evolve.hpp>
#include <spikegraph/variable_map.hpp>

namespace spikegraph {

// Internal types: a Simulation holds them, the public API does not show them.
struct BuildResult;
struct Plan;
struct StateSnapshot;
struct VariableSpec;
class Executor;
class OutputDirectory;
class SpikeMonitor;
class StateMonitor;
class RateMonitor;
namespace detail {
class EvolveEngine;
}

struct SimulationOptions {
    int threads = 0;                  // 0: the network's `simulation.threads`
    /// For the record only (stats.json's `threads_requested`): the threads a user asked for
    /// where the caller chose fewer (the command line uses at most the cores). 0: `threads`.
    int threads_requested = 0;
    /// Where monitors write; empty: record nothing to disk. The simulation holds it locked
    /// from construction until finish() has committed its files (or destruction): a second
    /// run into it is refused. finish() replaces an earlier run's files there as a whole
    /// (docs/outputs.md).
    std::filesystem::path out_dir;
    std::string config;               // the config's path, for the manifest
    /// Explicit backend: wins over the network's `simulation.backend` and over the thread's
    /// default backend. Empty: the network's when set, else default_backend().
    std::string backend;
    /// Time every op of every step; stats() then lists them under "op_seconds". Costs two clock
    /// reads per op and step (about 40 ns), so it is off unless asked for.
    bool profile = false;
    /// Most steps the backend gathers before handing records to the monitors (0: its choice);
    /// the output files do not depend on it.
    std::int64_t record_block_steps = 0;
    /// Check the state for NaN and Inf every k_finite_check_steps steps of run_continue: on the
    /// first one found the run stops, the monitors are finished (complete outputs up to there,
    /// the manifest's "stopped" says why) and a SimulationError names the variable, neuron,
    /// batch entry and step. Off: the run goes on to the end whatever the state holds.
    bool check_finite = true;
};

/// How often (in steps) run_continue checks the state for NaN and Inf (check_finite): a value
/// found non-finite after step S became so in one of the steps since the check before.
inline constexpr std::int64_t k_finite_check_steps = 128;

/// Called every few steps during run_continue: (steps done, steps asked for).
using ProgressFn = std::function<void(std::int64_t done, std::int64_t total)>;

/// How a run_continue is watched and stopped.
struct RunControl {
    ProgressFn progress;  // called about 200 times per run (none: no progress calls)
    /// Checked after every step (one relaxed load): when it reads true, the run stops at the end
    /// of that step and interrupted() turns true. A signal handler may set it.
    const std::atomic<bool>* stop = nullptr;
    /// Called after every `every_steps` steps of this run (not after the last step), e.g. to
    /// write a checkpoint. 0: never.
    std::int64_t every_steps = 0;
    std::function<void()> every;
};

class Simulation {
public:
    /// Builds the network and binds it to its backend: `options.backend` if set, else the
    /// network's `simulation.backend` if set, else the calling thread's default_backend().
    /// @throws ConfigError, ModelError, BuildError, BackendUnavailable; IoError when out_dir is
    /// not a usable directory or another run holds it; Interrupted when the program was asked
    /// to stop by a signal (as the command-line program is) during the build or compilation
    explicit Simulation(const Network& network, SimulationOptions options = {});
    /// Calls finish() when it has not run and at least one step was simulated (a simulation
    /// with an out_dir then leaves complete output files; one that never ran leaves none); an
    /// error finish() throws there is logged, not thrown.
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;
    Simulation(Simulation&&) noexcept;
    Simulation& operator=(Simulation&&) noexcept;

    /// Sets every variable to its initial value (then the parameters given to with_parameters)
    /// and time to 0. Monitors keep what they recorded: call run() once per Simulation and
    /// run_continue() after it.
    void initial_step();
    /// Advances one step (initial_step first if it has not run).
    void step();
    /// initial_step, then `duration_ms` of simulated time.
    void run(double duration_ms, const ProgressFn& progress = {});
    /// `duration_ms` more from the current state (initial_step first if it has not run).
    void run_continue(double duration_ms, const ProgressFn& progress = {});
    /// The same, watched by `control`: stops early when control.stop is set (interrupted()).
    void run_continue(double duration_ms, const RunControl& control);
    /// Flushes the monitors and writes manifest.json and stats.json (when there is an out_dir),
    /// with the final synapse states the network declares (Network::save_synapses).
    void finish();
    /// Writes the current values of synapse variables into `dir` (created if needed): the
    /// network's synapse states (Network::save_synapses), or, when it declares none, every
    /// variable of every connection with a synapse model under the connection's name. Per
    /// state NAME: `NAME.VAR.npy` (float64, internal units; shape (batch, synapses) for a
    /// variable of each batch entry when batch > 1, (synapses) otherwise, (1) for a shared
    /// one) and `NAME.pre.npy` / `NAME.post.npy` (int64: each synapse's neurons as indices in
    /// the pre and post groups), synapses in CSR order; then `synapses.json`, describing each
    /// file as manifest.json does (docs/outputs.md). Each file is written atomically.
    /// @throws SimulationError when the network has no synapse model, or `dir` is this
    /// simulation's output directory (finish() writes there); IoError when writing fails
    void write_synapses(const std::filesystem::path& dir) const;

    double t_ms() const;
    std::int64_t steps_done() const;
    double dt_ms() const;
    /// The built plan and what the builder reported. Their types are internal (not installed):
    /// these serve the command-line program and the tests.
    const Plan& plan() const;
    const BuildResult& build_result() const;
    /// The backend this simulation runs on.
    const std::string& backend() const { return backend_; }
    /// The sorted plan as text: what runs in which order, and what each op reads and writes.
    std::string schedule() const;

    /// Host copy of a plan variable ("neurons.v"), row-major in its shape, in internal units.
    /// Before the first step it holds the initial values (the simulation initialises itself on
    /// first access, as step() would). @throws SimulationError for an unknown name
    std::vector<double> read(const std::string& var) const;

    /// Spikes since initial_step of a group or spike input, summed over the batch.
    std::uint64_t spike_count(const std::string& population) const;

    double build_seconds() const { return build_seconds_; }
    double run_seconds() const { return run_seconds_; }
    std::uint64_t synaptic_events() const;
    /// Worker threads: SimulationOptions::threads, else the network's (0: the cores available).
    int threads() const { return threads_; }
    /// SimulationOptions::threads_requested, else threads().
    int threads_requested() const { return threads_requested_; }
    /// Time at which this simulation's recording started: 0, or where resume() picked up [ms].
    double start_ms() const { return static_cast<double>(start_step_) * dt_ms(); }
    /// Whether the last run_continue was stopped through RunControl::stop.
    bool interrupted() const { return interrupted_; }
    /// Why a run stopped on a fault (the manifest's "stopped"), or null: {"reason":
    /// "non-finite", "variable", "neuron", "batch_entry", "step", "value", "last_finite", ...}.
    const nlohmann::json& stopped() const { return stopped_; }

    /// The figures of stats.json.
    nlohmann::json stats() const;

    // --- Functional form -------------------------------------------------------------------

    /// Host copies of every state variable (Role::state, and any temporary an op reads `prev`),
    /// plus k_step_entry ("step": the index of the next step). Initial values before the first
    /// run.
    VariableMap state() const;
    /// Host copies of every parameter and weight.
    VariableMap parameters() const;

    /// A new simulation sharing this one's built plan, with this one's current state and
    /// parameters and then `state` (all or some entries of a state() map) written over them.
    /// It has no output directory. @throws SimulationError for a wrong name or size
    Simulation with_state(const VariableMap& state) const;
    /// The same with parameters or weights written; they stay set across a later run(), whose
    /// initial_step applies them after the initial values. @throws SimulationError
    Simulation with_parameters(const VariableMap& parameters) const;
    /// The same with values with units: `with_parameters({{"inputs.rate", "20 Hz"}})`, or
    /// `{{"exc.El", UnitValues({-49, -50}, "mV")}}` for one number per element. A single
    /// quantity is set on every element.
    /// @throws SimulationError for a wrong name or size, or a unit of the wrong dimension
    Simulation with_parameters(const UnitValueMap& parameters) const;
    /// A new simulation sharing the plan: initial state at step 0, this one's parameters.
    Simulation reset_state() const;
    /// A new simulation sharing the plan: this one's state, the parameters of the config.
    Simulation reset_parameters() const;

    /// Runs `inputs` from this simulation's current state with the entries of `state` written
    /// over it (all or some of a state() map; empty: the current state as it is), on an executor
    /// of its own: this simulation's state, time and monitors stay untouched, and two calls
    /// with the same arguments give identical results. Calls are serialised.
    /// @throws SimulationError for a wrong name or size in `state` or `inputs.set`
    EvolveResult evolve(const EvolveInputs& inputs, const VariableMap& state = {}) const;

    // --- Store / restore and checkpoints ---------------------------------------------------

    /// Keeps a bitwise snapshot of everything that evolves (every variable but the constants,
    /// the step, the synaptic event count) under `name`, replacing one of the same name.
    void store(const std::string& name = "default");
    /// Puts a stored snapshot back; the run then continues bit-identically to the run that
    /// followed store(). Monitors are not rewound: they keep what they recorded and go on
    /// appending, with times from the restored step on.
    /// @throws SimulationError for an unknown name, listing the stored ones
    void restore(const std::string& name = "default");
    /// Names of the stored snapshots, sorted.
    std::vector<std::string> stored_names() const;

    /// Writes the snapshot of store() to `path` atomically (temporary file, fsync, rename).
    /// @throws IoError
    void checkpoint(const std::filesystem::path& path);
    /// Loads a checkpoint written by a simulation of the same network (same structure, dt,
    /// batch, seed and precision) and continues from it: parameters and weights come from the
    /// checkpoint too (a warning names those that differ from this network's initial values).
    /// Monitors record from the checkpoint's step on, with absolute times.
    /// @throws IoError for an unreadable, truncated or corrupted file; SimulationError when it
    /// was written by a different network, naming what differs
    void resume(const std::filesystem::path& path);

private:
    struct Derived {};
    Simulation(const Simulation& source, Derived);
    void ensure_initialised();
    // The first access before any step: initial values, as step() would start from. Logically
    // const (the values step() starts from do not change), so const accessors may call it.
    void initialise_values() const;
    void apply_overrides() const;
    // The real state variables [batch, n] of the groups, which check_finite watches.
    std::vector<std::string> finite_watch() const;
    // Throws as run_checked does when `watched` holds NaN or Inf now, before step `step`.
    void check_finite_now(const std::vector<std::string>& watched, std::int64_t step);
    // Runs up to n steps, checking `watched` every k_finite_check_steps steps and, when
    // `last_call` (the run's last piece), at the end; returns the steps run (fewer when `stop`
    // turned true). @throws SimulationError on NaN/Inf
    std::int64_t run_checked(std::int64_t n, const std::atomic<bool>* stop,
                             const std::vector<std::string>& watched, bool last_call);
    [[noreturn]] void stop_on_non_finite(const std::string& var, std::size_t index, double value,
                                         double last_finite, std::int64_t checked_step);
    // Copies from `source` the snapshot variables selected by `keep`, and the step when `step`.
    void copy_from(const Simulation& source, bool (*keep)(const VariableSpec&), bool step);

    SimulationSettings settings_;
    SimulationOptions options_;
    std::string backend_;
    std::shared_ptr<const BuildResult> build_;
    // Locked from construction until finish() commits, or destruction; declared before the
    // executor and the monitors so that it is released after them (their temporary files are
    // gone by then).
    std::unique_ptr<OutputDirectory> output_;
    std::unique_ptr<Executor> executor_;
    std::vector<std::unique_ptr<SpikeMonitor>> spike_monitors_;
    std::vector<std::unique_ptr<StateMonitor>> state_monitors_;
    std::vector<std::unique_ptr<RateMonitor>> rate_monitors_;
    VariableMap overrides_;  // parameters set by with_parameters, reapplied by initial_step
    std::map<std::string, std::unique_ptr<StateSnapshot>> stored_;
    mutable std::unique_ptr<detail::EvolveEngine> evolve_engine_;
    mutable std::unique_ptr<std::mutex> evolve_mutex_;
    mutable bool initialised_ = false;
    bool finished_ = false;
    bool interrupted_ = false;
    int threads_ = 1;
    int threads_requested_ = 1;
    std::int64_t run_end_step_ = -1;  // where the last run_continue was to end, for checkpoints
    double build_seconds_ = 0.0;
    double run_seconds_ = 0.0;
    double simulated_ms_ = 0.0;    // simulated by this object's run calls since initial_step
    std::int64_t steps_run_ = 0;   // the same in steps
    std::int64_t start_step_ = 0;  // step at which this object's recording started
    std::filesystem::path resumed_from_;
    std::filesystem::path last_checkpoint_;
    nlohmann::json stopped_;           // null, or why the last run stopped on a fault
    std::int64_t finite_at_step_ = 0;  // the state was last seen finite before this step
};

}  // namespace spikegraph
