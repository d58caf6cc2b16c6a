#include "simulator/evolve.hpp"

#include <fmt/format.h>

#include "backend/backend_registry.hpp"
#include "builder/op_payloads.hpp"
#include "core/error.hpp"

namespace spikegraph {

std::vector<double> SpikeRecord::t_ms(double dt_ms) const {
    std::vector<double> t(step.size());
    for (std::size_t k = 0; k < step.size(); ++k) t[k] = static_cast<double>(step[k]) * dt_ms;
    return t;
}

namespace detail {

class EvolveEngine::SpikeSink final : public RecordSink {
public:
    SpikeSink(std::string population, std::size_t batch)
        : population_(std::move(population)), counts_(batch, 0) {}

    // Columns step, index and batch entry, filled independently (RecordSink).
    std::size_t spike_columns() const override { return 3; }

    void note_spikes(std::int64_t, std::size_t batch, std::size_t count) override {
        counts_[batch] += static_cast<std::int64_t>(count);
    }

    void record_spike_column(std::size_t column, std::int64_t step, std::size_t batch,
                             const std::int32_t* index, std::size_t count,
                             std::int32_t shift) override {
        if (column == 0) {
            record_.step.insert(record_.step.end(), count, step);
        } else if (column == 1) {
            for (std::size_t k = 0; k < count; ++k) record_.index.push_back(index[k] - shift);
        } else {
            record_.batch.insert(record_.batch.end(), count, static_cast<std::int32_t>(batch));
        }
    }

    void clear() {
        record_ = {};
        std::fill(counts_.begin(), counts_.end(), 0);
    }

    const std::string& population() const { return population_; }
    SpikeRecord& record() { return record_; }
    const std::vector<std::int64_t>& counts() const { return counts_; }

private:
    std::string population_;
    SpikeRecord record_;
    std::vector<std::int64_t> counts_;
};

class EvolveEngine::StateSink final : public RecordSink {
public:
    StateSink(const MonitorInfo& m, std::size_t batch) : name_(m.name), vars_(m.variables), batch_(batch) {
        for (auto k : m.indices) indices_.push_back(static_cast<std::int64_t>(m.begin) + k);
    }

    void record_state(std::int64_t step, std::size_t batch, std::size_t var_slot,
                      const double* values, std::size_t count) override {
        if (var_slot == 0 && batch == 0) record_.step.push_back(step);
        // Rows arrive per record step for every (batch, variable); the layout [record, batch,
        // neuron] wants them at their place whatever the order within the step.
        auto& out = record_.values[vars_.at(var_slot)];
        const std::size_t row = (record_.step.size() - 1) * batch_ + batch;
        if (out.size() < (row + 1) * count) out.resize((row + 1) * count);
        std::copy(values, values + count, out.begin() + static_cast<std::ptrdiff_t>(row * count));
    }

    void clear() {
        record_ = {};
        record_.indices = indices_;
        for (const auto& v : vars_) record_.values[v];
    }

    const std::string& name() const { return name_; }
    StateRecord& record() { return record_; }

private:
    std::string name_;
    std::vector<std::string> vars_;
    std::vector<std::int64_t> indices_;
    std::size_t batch_;
    StateRecord record_;
};

EvolveEngine::EvolveEngine(std::shared_ptr<const BuildResult> build_result,
                           const std::string& backend, int threads)
    : build_(std::move(build_result)) {
    const BuildResult& build = *build_;
    Plan plan = build.plan;
    ExecutorOptions eo;
    eo.threads = threads;
    // One spike recorder per population, after every other op (its spike list is final then).
    for (const auto& p : build.populations) {
        SpikeMonitorPayload sp;
        sp.spikes_var = p.name + ".spikes";
        sp.count_var = p.name + ".spike_count";
        if (!plan.find_variable(sp.spikes_var) || !plan.find_variable(sp.count_var))
            throw BuildError(fmt::format("population '{}' has no spike list '{}' to record for "
                                         "evolve()",
                                         p.name, sp.spikes_var));
        sp.begin = 0;
        sp.end = p.size;
        OpSpec op;
        op.name = "@evolve." + p.name;  // '@' keeps it apart from every user name
        op.kind = "spike_monitor";
        op.owner = p.name;
        op.barrier = true;
        op.inputs = {{sp.spikes_var, Read::now}, {sp.count_var, Read::now}};
        op.payload = sp;
        op.declared = plan.ops.size();
        plan.ops.push_back(std::move(op));
        spike_sinks_.push_back(std::make_unique<SpikeSink>(p.name, plan.batch));
        eo.sinks[plan.ops.back().name] = spike_sinks_.back().get();
    }
    for (const auto& m : build.monitors)
        if (m.kind == MonitorInfo::Kind::state) {
            state_sinks_.push_back(std::make_unique<StateSink>(m, plan.batch));
            eo.sinks[m.op] = state_sinks_.back().get();
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
    for (auto& s : spike_sinks_) s->clear();
    for (auto& s : state_sinks_) s->clear();

    EvolveResult r;
    r.outputs.first_step = executor_->current_step();
    const std::uint64_t events_before = executor_->synaptic_events();
    executor_->run_steps(steps);
    r.outputs.steps = steps;
    r.outputs.t_end_ms = static_cast<double>(executor_->current_step()) * plan.dt_ms;
    r.outputs.synaptic_events = executor_->synaptic_events() - events_before;
    for (auto& s : spike_sinks_) {
        r.outputs.spike_counts[s->population()] = s->counts();
        r.record.spikes[s->population()] = std::move(s->record());
    }
    for (auto& s : state_sinks_) r.record.states[s->name()] = std::move(s->record());
    for (const auto& name : variables_of(plan, VariableSet::state))
        r.new_state[name] = executor_->read(name);
    r.new_state[std::string(k_step_entry)] = {static_cast<double>(executor_->current_step())};
    return r;
}

}  // namespace detail

}  // namespace spikegraph
