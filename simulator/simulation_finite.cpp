// Simulation's divergence check (SimulationOptions::check_finite): the run loop in pieces of
// k_finite_check_steps, the state checked for NaN and Inf after each, and the stop on the first.

#include <spikegraph/simulation.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "backend/executor.hpp"
#include "builder/builder.hpp"
#include <spikegraph/error.hpp>
#include "core/log.hpp"

namespace spikegraph {

std::vector<std::string> Simulation::finite_watch() const {
    // The groups' state [batch, n] is what diverges; rings of pending deliveries feed it, so a
    // NaN there shows up in the state one delivery later.
    // A synapse model's variables are watched only where a clock-driven equation integrates
    // them: weights and event-driven traces change only at events, by statements a NaN of which
    // reaches the post group's state at the next delivery, and scanning millions of synapses
    // every 128 steps would cost as much as the plasticity itself.
    std::set<std::string> synapse_vars, integrated;
    for (const auto& g : build_->synapse_groups) {
        for (const auto& v : g.variables) synapse_vars.insert(v.var);
        synapse_vars.insert(g.name + ".lastupdate");
    }
    for (const auto& op : build_->plan.ops)
        if (op.kind == "synapse_each")
            for (const auto& o : op.outputs) integrated.insert(o.var);
    std::vector<std::string> out;
    for (const auto& v : build_->plan.variables)
        if (v.role == Role::state && v.batched && v.shape.size() == 2 &&
            (v.dtype == DType::f32 || v.dtype == DType::f64) &&
            (!synapse_vars.count(v.name) || integrated.count(v.name)))
            out.push_back(v.name);
    return out;
}

void Simulation::check_finite_now(const std::vector<std::string>& watched, std::int64_t step) {
    finite_at_step_ = step;
    if (watched.empty()) return;
    if (const auto bad = executor_->find_non_finite(watched))
        stop_on_non_finite(bad->var, bad->index, bad->value, bad->last_finite, step);
}

std::int64_t Simulation::run_checked(std::int64_t n, const std::atomic<bool>* stop,
                                     const std::vector<std::string>& watched, bool last_call) {
    // Checks fall every k_finite_check_steps steps whatever pieces the caller runs (progress,
    // periodic checkpoints): the cost does not grow with how often it calls.
    std::int64_t done = 0;
    while (done < n) {
        const std::int64_t due =
            k_finite_check_steps - (executor_->current_step() - finite_at_step_);
        const std::int64_t piece = watched.empty() ? n - done : std::min(n - done, std::max<std::int64_t>(due, 1));
        std::int64_t ran = piece;
        if (stop)
            ran = executor_->run_steps_until(piece, *stop);
        else
            executor_->run_steps(piece);
        done += ran;
        const bool last_piece = last_call && (done == n || ran < piece);
        if (!watched.empty() && (piece >= due || last_piece)) {
            if (const auto bad = executor_->find_non_finite(watched)) {
                steps_run_ += done;  // the caller counts them only when this returns
                simulated_ms_ = static_cast<double>(steps_run_) * dt_ms();
                stop_on_non_finite(bad->var, bad->index, bad->value, bad->last_finite,
                                   executor_->current_step());
            }
            finite_at_step_ = executor_->current_step();
        }
        if (ran < piece) break;
    }
    return done;
}

void Simulation::stop_on_non_finite(const std::string& var, std::size_t index, double value,
                                    double last_finite, std::int64_t checked_step) {
    const VariableSpec* spec = build_->plan.find_variable(var);
    const std::size_t n = spec && spec->shape.size() == 2 && spec->shape[1] > 0 ? spec->shape[1] : 1;
    const auto neuron = static_cast<std::int64_t>(index % n);
    const auto batch_entry = static_cast<std::int64_t>(index / n);
    const std::string unit = spec && !spec->unit.empty() ? " " + spec->unit : "";
    // Step k takes the state from t_k to t_k + dt; a check before step `checked_step` sees
    // what the steps up to checked_step - 1 wrote.
    const std::int64_t first = finite_at_step_, last = checked_step - 1;
    std::string when;
    if (checked_step == finite_at_step_)
        when = fmt::format("before step {} (as initialised or restored)", checked_step);
    else
        when = fmt::format("after step {} (t = {} ms), {} before step {}", last,
                           static_cast<double>(checked_step) * dt_ms(),
                           std::isnan(last_finite) ? std::string("finite")
                                                   : fmt::format("{:.6g}{}", last_finite, unit),
                           first);
    const std::int64_t step = checked_step == finite_at_step_ ? checked_step : last;
    stopped_ = {{"reason", "non-finite"},
                {"variable", var},
                {"neuron", neuron},
                {"batch_entry", batch_entry},
                {"step", step},
                {"first_possible_step", first},
                {"value", fmt::format("{}", value)},
                {"last_finite", std::isnan(last_finite) ? nlohmann::json(nullptr)
                                                       : nlohmann::json(last_finite)},
                {"t_ms", t_ms()}};
    const std::string where = options_.out_dir.empty()
                                  ? std::string()
                                  : fmt::format("; the outputs in {} are complete up to there",
                                                options_.out_dir.string());
    bool synapse = false;
    for (const auto& g : build_->synapse_groups)
        for (const auto& v : g.variables) synapse = synapse || v.var == var;
    const std::string message = fmt::format(
        "{} of {} {}, batch entry {} is {} {}: the simulation diverged and stopped{}; try a "
        "smaller dt or another method, or turn the check off (--no-finite-check)",
        var, synapse ? "synapse" : "neuron", neuron, batch_entry, value, when, where);
    // The run ends like an interrupted one: every step run reaches the monitors, which are
    // finished, and the manifest says why it stopped.
    try {
        finish();
    } catch (const std::exception& e) {
        logger()->error("finishing the outputs of a diverged run failed: {}", e.what());
    }
    throw SimulationError(message, {.variable = var, .neuron = neuron,
                                    .batch_entry = batch_entry, .step = step});
}

}  // namespace spikegraph
