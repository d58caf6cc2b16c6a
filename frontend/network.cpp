#include <spikegraph/network.hpp>

#include <utility>

namespace spikegraph {

void Network::parameter(const std::string& name, ValueSpec value) {
    parameters[name] = std::move(value);
}

NeuronGroup& Network::add_group(const std::string& name, std::size_t size,
                                const NeuronModel& model) {
    return groups.emplace_back(name, size, model);
}

Connection& Network::connect(const std::string& name, const GroupRef& pre, const GroupRef& post,
                             const std::string& target, ValueSpec weight,
                             Connectivity connectivity) {
    Connection& c = connections.emplace_back();
    c.name = name;
    c.pre = pre;
    c.post = post;
    c.target = target;
    c.weight = std::move(weight);
    c.connectivity = std::move(connectivity);
    return c;
}

PoissonInput& Network::add_poisson(const std::string& name, std::size_t size, ValueSpec rate) {
    PoissonInput& p = poisson_inputs.emplace_back();
    p.name = name;
    p.size = size;
    p.rate = std::move(rate);
    return p;
}

SpikeTimesInput& Network::add_spike_times(const std::string& name, std::size_t size,
                                          std::vector<std::int64_t> indices,
                                          std::vector<double> times_ms) {
    SpikeTimesInput& s = spike_inputs.emplace_back();
    s.name = name;
    s.size = size;
    s.indices = std::move(indices);
    s.times_ms = std::move(times_ms);
    return s;
}

CurrentInput& Network::add_current(const std::string& name, const GroupRef& target,
                                   const std::string& variable, ValueSpec value) {
    CurrentInput& c = current_inputs.emplace_back();
    c.name = name;
    c.target = target;
    c.variable = variable;
    c.value = std::move(value);
    return c;
}

TimedArraySpec& Network::add_timed_array(const std::string& name, std::string file, ValueSpec dt,
                                         std::string unit) {
    TimedArraySpec& a = timed_arrays.emplace_back();
    a.name = name;
    a.file = std::move(file);
    a.dt = std::move(dt);
    a.unit = std::move(unit);
    return a;
}

TimedArraySpec& Network::add_timed_array(const std::string& name, std::vector<double> values,
                                         ValueSpec dt, std::string unit) {
    TimedArraySpec& a = timed_arrays.emplace_back();
    a.name = name;
    a.values = std::move(values);
    a.dt = std::move(dt);
    a.unit = std::move(unit);
    return a;
}

PoissonDrive& Network::add_poisson_drive(const std::string& name, const GroupRef& target,
                                         const std::string& variable, std::size_t sources,
                                         ValueSpec rate, ValueSpec weight) {
    PoissonDrive& d = poisson_drives.emplace_back();
    d.name = name;
    d.target = target;
    d.variable = variable;
    d.sources = sources;
    d.rate = std::move(rate);
    d.weight = std::move(weight);
    return d;
}

SpikeMonitorSpec& Network::monitor_spikes(const std::string& name, const GroupRef& source) {
    SpikeMonitorSpec& m = spike_monitors.emplace_back();
    m.name = name;
    m.source = source;
    return m;
}

SpikeMonitorSpec& Network::monitor_rate(const std::string& name, const GroupRef& source,
                                        ValueSpec bin) {
    SpikeMonitorSpec& m = monitor_spikes(name, source);
    m.population_rate = true;
    m.bin = std::move(bin);
    return m;
}

StateMonitorSpec& Network::monitor_state(const std::string& name, const GroupRef& group,
                                         std::vector<std::string> variables) {
    StateMonitorSpec& m = state_monitors.emplace_back();
    m.name = name;
    m.group = group;
    m.variables = std::move(variables);
    return m;
}

SynapseStateSpec& Network::save_synapses(const std::string& name, const std::string& connection,
                                         std::vector<std::string> variables) {
    SynapseStateSpec& s = synapse_states.emplace_back();
    s.name = name;
    s.connection = connection;
    s.variables = std::move(variables);
    return s;
}

CustomOp& Network::add_op(CustomOp op) { return custom_ops.emplace_back(std::move(op)); }

NeuronGroup* Network::find_group(const std::string& name) {
    for (auto& g : groups)
        if (g.name() == name) return &g;
    return nullptr;
}

const NeuronGroup* Network::find_group(const std::string& name) const {
    for (const auto& g : groups)
        if (g.name() == name) return &g;
    return nullptr;
}

}  // namespace spikegraph
