#include "simulator/evolve.hpp"

#include "backend/backend_registry.hpp"
#include "builder/record_ops.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

namespace detail {

EvolveEngine::EvolveEngine(std::shared_ptr<const BuildResult> build_result,
                           const std::string& backend, int threads)
    : build_(std::move(build_result)) {
    const BuildResult& build = *build_;
    Plan plan = build.plan;
    ExecutorOptions eo;
    eo.threads = threads;
    for (const auto& r : add_population_recorders(plan, build.populations)) {
        auto& sink = spikes_[r.population] = std::make_unique<SpikeRecorder>(plan.batch);
        eo.sinks[r.op] = sink.get();
    }
    for (const auto& m : build.monitors)
        if (m.kind == MonitorInfo::Kind::state) {
            std::vector<std::int64_t> indices;
            for (auto k : m.indices) indices.push_back(static_cast<std::int64_t>(m.begin) + k);
            auto& sink = states_[m.name] =
                std::make_unique<StateRecorder>(m.variables, std::move(indices), plan.batch);
            eo.sinks[m.op] = sink.get();
        }
    executor_ = make_executor(backend, plan, eo);
    executor_->initial_step();
}

EvolveEngine::~EvolveEngine() = default;

EvolveResult EvolveEngine::run(const Executor* source, const VariableMap& state,
                               const EvolveInputs& inputs, std::int64_t steps) {
    const Plan& plan = build_->plan;
    if (source) {
        for (const auto& v : plan.variables) {
            const auto bytes = source->read_bytes(v.name);
            executor_->write_bytes(v.name, bytes.data(), bytes.size());
        }
        executor_->set_step(source->current_step());
        executor_->set_synaptic_events(source->synaptic_events());
    } else {
        executor_->initial_step();
    }
    for (const VariableMap* map : {&state, &inputs.set})
        for (const auto& [name, values] : *map) {
            if (name == k_step_entry)
                executor_->set_step(static_cast<std::int64_t>(values.at(0)));
            else
                executor_->write(name, values);
        }
    // Whatever the last evolve left gathered was handed over by set_step or initial_step above,
    // and belongs to that evolve: forget it.
    for (auto& [name, s] : spikes_) s->clear();
    for (auto& [name, s] : states_) s->clear();

    EvolveResult r;
    r.outputs.first_step = executor_->current_step();
    const std::uint64_t events_before = executor_->synaptic_events();
    executor_->run_steps(steps);
    executor_->flush_records();
    r.outputs.steps = steps;
    r.outputs.t_end_ms = static_cast<double>(executor_->current_step()) * plan.dt_ms;
    r.outputs.synaptic_events = executor_->synaptic_events() - events_before;
    for (auto& [population, s] : spikes_) {
        r.outputs.spike_counts[population] = s->counts();
        r.record.spikes[population] = std::move(s->record());
    }
    for (auto& [name, s] : states_) r.record.states[name] = std::move(s->record());
    for (const auto& name : variables_of(plan, VariableSet::state))
        r.new_state[name] = executor_->read(name);
    r.new_state[std::string(k_step_entry)] = {static_cast<double>(executor_->current_step())};
    return r;
}

}  // namespace detail

}  // namespace spikegraph
