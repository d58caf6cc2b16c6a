#include "builder/record_ops.hpp"

#include <utility>

#include <fmt/format.h>

#include <spikegraph/error.hpp>

namespace spikegraph {

std::string spike_list_var(const std::string& population) { return population + ".spikes"; }

std::string spike_count_var(const std::string& population) {
    return population + ".spike_count";
}

OpSpec spike_record_op(const std::string& name, const std::string& owner,
                       const std::string& spikes_var, const std::string& count_var,
                       std::size_t begin, std::size_t end) {
    OpSpec op;
    op.name = name;
    op.kind = "spike_monitor";
    op.owner = owner;
    op.barrier = true;
    op.inputs = {{spikes_var, Read::now}, {count_var, Read::now}};
    op.payload = SpikeMonitorPayload{spikes_var, count_var, begin, end};
    return op;
}

OpSpec state_record_op(const std::string& name, const std::string& owner,
                       StateMonitorPayload payload) {
    OpSpec op;
    op.name = name;
    op.kind = "state_monitor";
    op.owner = owner;
    op.barrier = true;
    for (const auto& v : payload.vars) op.inputs.push_back({v, Read::prev});
    op.payload = std::move(payload);
    return op;
}

std::vector<PopulationRecorder> add_population_recorders(
    Plan& plan, const std::vector<PopulationInfo>& populations) {
    std::vector<PopulationRecorder> added;
    for (const auto& p : populations) {
        const std::string spikes = spike_list_var(p.name), count = spike_count_var(p.name);
        if (!plan.find_variable(spikes) || !plan.find_variable(count))
            throw BuildError(fmt::format(
                "population '{}' has no spike list '{}' to record for evolve()", p.name, spikes));
        OpSpec op = spike_record_op("@evolve." + p.name, p.name, spikes, count, 0, p.size);
        op.declared = plan.ops.size();
        added.push_back({p.name, op.name});
        plan.ops.push_back(std::move(op));
    }
    return added;
}

}  // namespace spikegraph
