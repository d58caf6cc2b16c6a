#include "simulator/state_snapshot.hpp"

#include "simulator/variable_sets.hpp"

namespace spikegraph {

std::size_t StateSnapshot::bytes() const {
    std::size_t n = 0;
    for (const auto& v : variables) n += v.bytes.size();
    return n;
}

StateSnapshot capture_snapshot(const Plan& plan, const Executor& executor) {
    StateSnapshot s;
    s.step = executor.current_step();
    s.synaptic_events = executor.synaptic_events();
    for (const auto& v : plan.variables)
        if (detail::in_set(plan, v, detail::VariableSet::snapshot))
            s.variables.push_back({v.name, v.dtype, v.shape, executor.read_bytes(v.name)});
    return s;
}

void apply_snapshot(const StateSnapshot& snapshot, Executor& executor) {
    for (const auto& v : snapshot.variables)
        executor.write_bytes(v.name, v.bytes.data(), v.bytes.size());
    executor.set_step(snapshot.step);
    executor.set_synaptic_events(snapshot.synaptic_events);
}

}  // namespace spikegraph
