#pragma once
// The plan ops that record: a spike monitor's op and a state monitor's op, made in one place for
// the Builder's monitors and for the recorders of the functional form (evolve), which extend a
// built plan with one spike recorder per population.

#include <cstddef>
#include <string>
#include <vector>

#include "builder/builder.hpp"
#include "builder/op_payloads.hpp"
#include "builder/plan.hpp"

namespace spikegraph {

/// The spike list of a population (i32 [B, n], ascending indices per batch entry) and its
/// length per batch entry (i64 [B]), as the builder names them.
std::string spike_list_var(const std::string& population);
std::string spike_count_var(const std::string& population);

/// The `spike_monitor` op `name` (owned by `owner`) that hands the spikes of neurons
/// [begin, end) of a population's spike list to the sink wired to `name`, once the list is final
/// for the step.
OpSpec spike_record_op(const std::string& name, const std::string& owner,
                       const std::string& spikes_var, const std::string& count_var,
                       std::size_t begin, std::size_t end);

/// The `state_monitor` op `name` (owned by `owner`) that hands the values of `payload.vars` at
/// the start of the step (read `prev`) to the sink wired to `name`, every payload.every_steps.
OpSpec state_record_op(const std::string& name, const std::string& owner,
                       StateMonitorPayload payload);

/// A recorder of a whole population added by add_population_recorders.
struct PopulationRecorder {
    std::string population;
    std::string op;  // the op's name, the key of its sink: "@evolve.<population>"
};

/// Appends to `plan` one spike recorder op per population, after every other op (the spike
/// lists are final then), for evolve(); '@' keeps their names apart from every user name.
/// @throws BuildError when a population has no spike list in the plan.
std::vector<PopulationRecorder> add_population_recorders(
    Plan& plan, const std::vector<PopulationInfo>& populations);

}  // namespace spikegraph
