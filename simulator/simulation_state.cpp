// Simulation: the functional form, store / restore and checkpoints.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/backend_registry.hpp"
#include "core/time_steps.hpp"
#include "builder/builder.hpp"
#include <spikegraph/error.hpp>
#include "core/log.hpp"
#include "core/text.hpp"
#include "monitors/spike_monitor.hpp"
#include "monitors/state_monitor.hpp"
#include "monitors/rate_monitor.hpp"
#include "monitors/output_dir.hpp"
#include "simulator/checkpoint.hpp"
#include "simulator/evolve.hpp"
#include <spikegraph/simulation.hpp>
#include "simulator/state_snapshot.hpp"
#include "simulator/variable_sets.hpp"

namespace spikegraph {

namespace {

bool is_parameter(const VariableSpec& v) { return v.role == Role::parameter || v.role == Role::weight; }
bool is_not_parameter(const VariableSpec& v) { return !is_parameter(v); }
bool is_anything(const VariableSpec&) { return true; }

std::int64_t evolve_steps(const EvolveInputs& inputs, double dt_ms) {
    if (inputs.steps >= 0) return inputs.steps;
    if (!(inputs.duration_ms >= 0) || !std::isfinite(inputs.duration_ms))
        throw SimulationError(fmt::format(
            "evolve: duration_ms must be a non-negative time, got {} ms (or set steps)",
            inputs.duration_ms));
    if (const std::string why = steps_problem(inputs.duration_ms, dt_ms); !why.empty())
        throw SimulationError(fmt::format("evolve: duration_ms: {}", why));
    return ms_to_steps(inputs.duration_ms, dt_ms);
}


// A shared parameter the build turned into a constant of an op cannot be written afterwards:
// the op would go on with the old value, or half of it.
void refuse_folded(const BuildResult& build, const VariableMap& values, const char* who) {
    for (const auto& entry : values)
        if (build.folded_parameters.count(entry.first))
            throw SimulationError(
                fmt::format("{}: '{}' was built into the update as a constant (the 'exact' "
                            "solver's coefficients, a refractory period or an on_pre statement "
                            "use it), so changing it now would change nothing consistently; set "
                            "it in the network (parameters: or --set) and build again, or use "
                            "method 'euler'/'rk2', which read it every step",
                            who, entry.first),
                {.variable = entry.first});
}

}  // namespace

// A derived simulation: the same plan and backend, no output directory, initial values (with
// the source's parameter overrides); the caller copies what it keeps from the source.
Simulation::Simulation(const Simulation& source, Derived)
    : settings_(source.settings_),
      options_(source.options_),
      backend_(source.backend_),
      build_(source.build_),
      overrides_(source.overrides_),
      threads_(source.threads_),
      threads_requested_(source.threads_requested_) {
    options_.out_dir.clear();
    ExecutorOptions eo;
    eo.threads = threads_;
    eo.profile = options_.profile;
    executor_ = make_executor(backend_, build_->plan, eo);
    evolve_mutex_ = std::make_unique<std::mutex>();
    initial_step();
}

void Simulation::apply_overrides() const {
    for (const auto& [name, values] : overrides_) executor_->write(name, values);
}

void Simulation::copy_from(const Simulation& source, bool (*keep)(const VariableSpec&), bool step) {
    if (!source.initialised_) return;  // the source holds its initial values: so does this one
    const Plan& plan = build_->plan;
    for (const auto& v : plan.variables)
        if (detail::in_set(plan, v, detail::VariableSet::snapshot) && keep(v)) {
            const auto bytes = source.executor_->read_bytes(v.name);
            executor_->write_bytes(v.name, bytes.data(), bytes.size());
        }
    if (step) {
        executor_->set_step(source.executor_->current_step());
        executor_->set_synaptic_events(source.executor_->synaptic_events());
        start_step_ = source.executor_->current_step();
    }
}

VariableMap Simulation::state() const {
    const Plan& plan = build_->plan;
    // Before the first run the executor's buffers are not filled yet: show the initial values.
    if (!initialised_) return reset_state().state();
    VariableMap out;
    for (const auto& name : detail::variables_of(plan, detail::VariableSet::state))
        out[name] = executor_->read(name);
    out[std::string(k_step_entry)] = {static_cast<double>(executor_->current_step())};
    return out;
}

VariableMap Simulation::parameters() const {
    const Plan& plan = build_->plan;
    if (!initialised_) return reset_state().parameters();
    VariableMap out;
    for (const auto& name : detail::variables_of(plan, detail::VariableSet::parameters))
        out[name] = executor_->read(name);
    return out;
}

Simulation Simulation::with_state(const VariableMap& state) const {
    detail::check_variable_map(build_->plan, state, detail::VariableSet::state, true, "with_state");
    Simulation s(*this, Derived{});
    s.copy_from(*this, is_anything, true);
    for (const auto& [name, values] : state) {
        if (name == k_step_entry) {
            s.executor_->set_step(static_cast<std::int64_t>(values[0]));
            s.start_step_ = s.executor_->current_step();
        } else {
            s.executor_->write(name, values);
        }
    }
    return s;
}

Simulation Simulation::with_parameters(const VariableMap& parameters) const {
    detail::check_variable_map(build_->plan, parameters, detail::VariableSet::parameters, false,
                               "with_parameters");
    refuse_folded(*build_, parameters, "with_parameters");
    Simulation s(*this, Derived{});
    s.copy_from(*this, is_anything, true);
    for (const auto& [name, values] : parameters) {
        s.overrides_[name] = values;
        s.executor_->write(name, values);
    }
    return s;
}

Simulation Simulation::with_parameters(const UnitValueMap& parameters) const {
    return with_parameters(detail::to_internal_units(build_->plan, parameters,
                                                     detail::VariableSet::parameters,
                                                     "with_parameters"));
}

Simulation Simulation::reset_state() const {
    Simulation s(*this, Derived{});
    s.copy_from(*this, is_parameter, false);
    return s;
}

Simulation Simulation::reset_parameters() const {
    Simulation s(*this, Derived{});
    s.overrides_.clear();
    s.initial_step();
    s.copy_from(*this, is_not_parameter, true);
    return s;
}

EvolveResult Simulation::evolve(const EvolveInputs& inputs, const VariableMap& state) const {
    const Plan& plan = build_->plan;
    detail::check_variable_map(plan, state, detail::VariableSet::state, true, "evolve: state");
    detail::check_variable_map(plan, inputs.set, detail::VariableSet::settable, false,
                               "evolve: inputs.set");
    refuse_folded(*build_, inputs.set, "evolve: inputs.set");
    const std::int64_t steps = evolve_steps(inputs, dt_ms());
    std::lock_guard lock(*evolve_mutex_);
    if (!evolve_engine_)
        evolve_engine_ = std::make_unique<detail::EvolveEngine>(build_, backend_, threads_);
    if (initialised_) return evolve_engine_->run(executor_.get(), state, inputs, steps);
    // Not run yet: start from the initial values, with the parameters set by with_parameters.
    VariableMap start = overrides_;
    for (const auto& [name, values] : state) start[name] = values;
    return evolve_engine_->run(nullptr, start, inputs, steps);
}

void Simulation::store(const std::string& name) {
    ensure_initialised();
    executor_->flush_records();
    stored_[name] = std::make_unique<StateSnapshot>(capture_snapshot(build_->plan, *executor_));
}

void Simulation::restore(const std::string& name) {
    auto it = stored_.find(name);
    if (it == stored_.end()) {
        if (stored_.empty())
            throw SimulationError(fmt::format(
                "restore: no state was stored under '{}' (nothing is stored yet; call "
                "store(\"{}\") first)",
                name, name));
        const auto names = stored_names();
        const std::string guess = detail::closest_name(name, names);
        throw SimulationError(fmt::format("restore: no state was stored under '{}'{}; stored: {}", name,
                                          guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess),
                                          fmt::join(names, ", ")));
    }
    apply_snapshot(*it->second, *executor_);
    initialised_ = true;
}

std::vector<std::string> Simulation::stored_names() const {
    std::vector<std::string> names;
    for (const auto& [name, s] : stored_) names.push_back(name);
    return names;
}

void Simulation::checkpoint(const std::filesystem::path& path) {
    ensure_initialised();
    executor_->flush_records();
    write_checkpoint(path, build_->plan, capture_snapshot(build_->plan, *executor_), run_end_step_);
    last_checkpoint_ = path;
}

void Simulation::resume(const std::filesystem::path& path) {
    if (finished_) throw SimulationError("the simulation was finished; its monitors are closed");
    const Plan& plan = build_->plan;
    StateSnapshot snapshot = read_checkpoint(path, plan);
    initial_step();  // constants and initial ops; then everything that evolves from the file
    std::vector<std::string> changed;
    for (const auto& v : snapshot.variables) {
        const VariableSpec* spec = plan.find_variable(v.name);
        if (spec && is_parameter(*spec) && executor_->read_bytes(v.name) != v.bytes)
            changed.push_back(v.name);
    }
    if (!changed.empty())
        logger()->warn("resuming '{}': {} of this network differ from the checkpoint's; the "
                       "checkpoint's values are used: {}",
                       path.string(), changed.size() == 1 ? "one parameter or weight" : "parameters or weights",
                       fmt::join(changed, ", "));
    apply_snapshot(snapshot, *executor_);
    start_step_ = snapshot.step;
    resumed_from_ = path;
}

}  // namespace spikegraph
