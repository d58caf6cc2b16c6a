#pragma once
// The declared network: what a YAML file or a C++ program says. Knows nothing of backends.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <deque>
#include <vector>

#include <spikegraph/dtype.hpp>
#include <spikegraph/connection.hpp>
#include <spikegraph/custom_op.hpp>
#include <spikegraph/inputs.hpp>
#include <spikegraph/monitor_spec.hpp>
#include <spikegraph/neuron_group.hpp>
#include <spikegraph/neuron_model.hpp>

namespace spikegraph {

/// The most worker threads a simulation may use (simulation.threads, --threads,
/// SimulationOptions::threads): far above any CPU's core count, and a bound that keeps a typo
/// (70000) a clear error instead of a crash.
inline constexpr int k_max_threads = 1024;

struct SimulationSettings {
    double dt_ms = 0.1;
    double duration_ms = 1000.0;
    std::uint64_t seed = 1;
    Precision precision = Precision::f64;
    std::size_t batch = 1;
    int threads = 1;  // 0: every core; at most k_max_threads
    std::string backend;  // "": the thread's default_backend() (see backend_registry.hpp)
    /// The most memory the network may need [bytes]; a build that needs more is refused before
    /// it allocates (BuildError). 0: the memory available on this machine (MemAvailable).
    std::uint64_t max_memory_bytes = 0;
};

class Network {
public:
    SimulationSettings settings;
    std::string source;  // the config file, for messages ("" for C++)

    /// Declares (or replaces) the named parameter `name`: a value with a unit ("0.1 mV"), or an
    /// expression of other parameters ("-g * J", "theta / (J * C_E * tau)"). Every expression
    /// of the network (values, init, weights, delays, rates, probabilities, conditions, model
    /// equations) may use it where its own context does not define the name. Checked when the
    /// network is built: a cycle, an unknown name or a reserved one (a unit, t, i, j, N) is a
    /// ConfigError there.
    void parameter(const std::string& name, ValueSpec value);

    /// Adds a group running `model` (a library model from model_library or a user model).
    NeuronGroup& add_group(const std::string& name, std::size_t size, const NeuronModel& model);
    Connection& connect(const std::string& name, const GroupRef& pre, const GroupRef& post,
                        const std::string& target, ValueSpec weight,
                        Connectivity connectivity = Connectivity::all_to_all());
    PoissonInput& add_poisson(const std::string& name, std::size_t size, ValueSpec rate);
    SpikeTimesInput& add_spike_times(const std::string& name, std::size_t size,
                                     std::vector<std::int64_t> indices,
                                     std::vector<double> times_ms);
    CurrentInput& add_current(const std::string& name, const GroupRef& target,
                              const std::string& variable, ValueSpec value);
    /// A timed array read from `file` (.npy or .csv; a relative path is taken from the current
    /// directory), sampled every `dt`, its values in `unit`. Files are read by the build.
    TimedArraySpec& add_timed_array(const std::string& name, std::string file, ValueSpec dt,
                                    std::string unit);
    /// A 1-D timed array of the given values (in `unit`), sampled every `dt`.
    TimedArraySpec& add_timed_array(const std::string& name, std::vector<double> values,
                                    ValueSpec dt, std::string unit);
    /// Brian2's PoissonInput onto `variable` of `target` (see PoissonDrive).
    PoissonDrive& add_poisson_drive(const std::string& name, const GroupRef& target,
                                    const std::string& variable, std::size_t sources,
                                    ValueSpec rate, ValueSpec weight);
    SpikeMonitorSpec& monitor_spikes(const std::string& name, const GroupRef& source);
    /// The population rate of `source` per `bin` (a whole number of steps; empty: every step),
    /// written as NAME.t.npy and NAME.rate.npy in Hz (docs/outputs.md).
    SpikeMonitorSpec& monitor_rate(const std::string& name, const GroupRef& source,
                                   ValueSpec bin = {});
    StateMonitorSpec& monitor_state(const std::string& name, const GroupRef& group,
                                    std::vector<std::string> variables);
    /// Writes the final values of connection `connection`'s synapse variables at the end of a
    /// run (every variable when `variables` is empty).
    SynapseStateSpec& save_synapses(const std::string& name, const std::string& connection,
                                    std::vector<std::string> variables = {});

    /// Places a user op (its kind registered with register_op) into every step.
    CustomOp& add_op(CustomOp op);

    NeuronGroup* find_group(const std::string& name);
    const NeuronGroup* find_group(const std::string& name) const;

    std::deque<NeuronGroup> groups;
    std::deque<Connection> connections;
    std::deque<PoissonInput> poisson_inputs;
    std::deque<SpikeTimesInput> spike_inputs;
    std::deque<CurrentInput> current_inputs;
    std::deque<TimedArraySpec> timed_arrays;
    std::deque<PoissonDrive> poisson_drives;
    std::deque<SpikeMonitorSpec> spike_monitors;
    std::deque<StateMonitorSpec> state_monitors;
    std::deque<SynapseStateSpec> synapse_states;
    std::deque<CustomOp> custom_ops;
    std::map<std::string, NeuronModel> models;  // user models by name (YAML `models:`)
    std::map<std::string, ValueSpec> parameters;  // named parameters (YAML `parameters:`)
};

}  // namespace spikegraph
