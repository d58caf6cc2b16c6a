#include <spikegraph/simulation.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <thread>

#include <fmt/format.h>

#include "backend/backend_registry.hpp"
#include "core/time_steps.hpp"
#include "builder/builder.hpp"
#include "builder/schedule.hpp"
#include <spikegraph/error.hpp>
#include "core/build_status.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "monitors/manifest.hpp"
#include "monitors/output_dir.hpp"
#include "monitors/spike_monitor.hpp"
#include "monitors/state_monitor.hpp"
#include "monitors/rate_monitor.hpp"
#include "monitors/synapse_state.hpp"
#include "simulator/evolve.hpp"
#include "simulator/state_snapshot.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// The steps of a run of `duration_ms` that starts at step `now`; the step counter must stay
// within k_max_steps.
std::int64_t steps_for(double duration_ms, double dt_ms, std::int64_t now) {
    if (!(duration_ms >= 0))
        throw ConfigError(fmt::format("the duration must be a non-negative time, got {} ms", duration_ms));
    const std::int64_t steps = ms_to_steps(duration_ms, dt_ms, k_max_steps, "duration");
    if (steps > k_max_steps - now)
        throw ConfigError(fmt::format("a run of {} ms from step {} would end past step {}, the "
                                      "most a run can count; the longest duration is {:.6g} ms "
                                      "at dt = {} ms",
                                      duration_ms, now, k_max_steps,
                                      static_cast<double>(k_max_steps - now) * dt_ms, dt_ms));
    return steps;
}

}  // namespace

Simulation::Simulation(const Network& network, SimulationOptions options)
    : settings_(network.settings), options_(std::move(options)) {
    const auto start = Clock::now();
    if (options_.threads < 0 || options_.threads > k_max_threads)
        throw ConfigError(fmt::format("SimulationOptions::threads must be between 0 (the "
                                      "network's) and {}, got {}", k_max_threads, options_.threads));
    // The output directory is checked and locked before anything is built: a second run into
    // it is refused at once, not after a long build.
    if (!options_.out_dir.empty()) output_ = std::make_unique<OutputDirectory>(options_.out_dir);
    threads_ = options_.threads > 0 ? options_.threads : settings_.threads;
    if (threads_ <= 0) threads_ = available_cores();
    threads_requested_ = options_.threads_requested > 0 ? options_.threads_requested : threads_;
    // An explicit choice wins: the argument, then the config; else the thread's default.
    backend_ = resolve_backend(options_.backend.empty() ? settings_.backend : options_.backend);
    require_backend(backend_);
    build_ = std::make_shared<const BuildResult>(build(network));
    ExecutorOptions eo;
    eo.threads = threads_;
    eo.profile = options_.profile;
    eo.record_block_steps = options_.record_block_steps;
    if (!options_.out_dir.empty()) {
        for (const auto& m : build_->monitors) {
            MonitorPlace place{m.group, 0, m.begin, m.end};
            if (m.synapses) {
                place.group_size = find_synapse_group(*build_, m.group).synapses;
            } else {
                for (const auto& p : build_->populations)
                    if (p.name == m.group) place.group_size = p.size;
            }
            if (m.kind == MonitorInfo::Kind::spike) {
                auto sink = std::make_unique<SpikeMonitor>(m.name, options_.out_dir, dt_ms(),
                                                           build_->plan.batch, m.begin);
                sink->set_place(place);
                eo.sinks[m.op] = sink.get();
                spike_monitors_.push_back(std::move(sink));
            } else if (m.kind == MonitorInfo::Kind::rate) {
                auto sink = std::make_unique<RateMonitor>(m.name, options_.out_dir, dt_ms(),
                                                          build_->plan.batch, m.end - m.begin,
                                                          m.every_steps);
                sink->set_place(place);
                eo.sinks[m.op] = sink.get();
                rate_monitors_.push_back(std::move(sink));
            } else {
                std::vector<std::int64_t> absolute;
                for (auto k : m.indices) absolute.push_back(static_cast<std::int64_t>(m.begin) + k);
                auto sink = std::make_unique<StateMonitor>(m.name, options_.out_dir, dt_ms(),
                                                           build_->plan.batch, m.variables, m.units,
                                                           absolute);
                sink->set_place(place);
                if (m.synapses) {
                    const SynapseGroupInfo& g = find_synapse_group(*build_, m.group);
                    sink->set_synapses(g.pre, g.post,
                                       synapse_neurons(build_->plan, g, true, m.indices),
                                       synapse_neurons(build_->plan, g, false, m.indices));
                }
                eo.sinks[m.op] = sink.get();
                state_monitors_.push_back(std::move(sink));
            }
        }
    }
    set_build_phase("allocating the state and binding the ops");
    executor_ = make_executor(backend_, build_->plan, eo);
    set_build_phase("");
    evolve_mutex_ = std::make_unique<std::mutex>();
    build_seconds_ = seconds_since(start);
}

// Finishing here means a forgotten finish() still leaves complete output files. A destructor
// must not throw, so a failure is logged instead.
Simulation::~Simulation() {
    // Nothing was simulated (e.g. resume() refused a checkpoint): leave no output behind.
    if (!executor_ || finished_ || options_.out_dir.empty() || steps_run_ == 0) return;
    try {
        finish();
    } catch (const std::exception& e) {
        logger()->error("simulation writing to '{}' was destroyed without finish(), and "
                        "finishing it failed: {}",
                        options_.out_dir.string(), e.what());
    }
}

Simulation::Simulation(Simulation&&) noexcept = default;

// The simulation assigned over is finished like one destroyed; then this one becomes the moved
// one (a Simulation has no const or reference members, so it may be rebuilt in place).
Simulation& Simulation::operator=(Simulation&& other) noexcept {
    if (this != &other) {
        this->~Simulation();
        new (this) Simulation(std::move(other));
    }
    return *this;
}

void Simulation::initial_step() {
    set_build_phase("initial values");
    executor_->initial_step();
    set_build_phase("");
    apply_overrides();
    initialised_ = true;
    simulated_ms_ = 0.0;
    steps_run_ = 0;
    start_step_ = 0;
    resumed_from_.clear();
}

void Simulation::ensure_initialised() {
    if (!initialised_) initial_step();
}

void Simulation::initialise_values() const {
    if (initialised_) return;
    executor_->initial_step();
    apply_overrides();
    initialised_ = true;
}

void Simulation::step() {
    ensure_initialised();
    const auto start = Clock::now();
    executor_->step();
    run_seconds_ += seconds_since(start);
    ++steps_run_;
    simulated_ms_ = static_cast<double>(steps_run_) * dt_ms();
}

void Simulation::run(double duration_ms, const ProgressFn& progress) {
    initial_step();
    run_continue(duration_ms, progress);
}

void Simulation::run_continue(double duration_ms, const ProgressFn& progress) {
    RunControl control;
    control.progress = progress;
    run_continue(duration_ms, control);
}

void Simulation::run_continue(double duration_ms, const RunControl& control) {
    if (finished_) throw SimulationError("the simulation was finished; its monitors are closed");
    ensure_initialised();
    interrupted_ = false;
    const std::int64_t total = steps_for(duration_ms, dt_ms(), executor_->current_step());
    run_end_step_ = executor_->current_step() + total;
    // The loop runs in pieces only where something happens between them: about 200 progress
    // calls, and the periodic callback. The stop flag is checked inside, after every step.
    std::int64_t chunk = control.progress ? std::max<std::int64_t>(1, total / 200) : total;
    if (control.every && control.every_steps > 0) chunk = std::min(chunk, control.every_steps);
    chunk = std::max<std::int64_t>(chunk, 1);
    std::int64_t done = 0;
    stopped_ = nullptr;
    const std::vector<std::string> watched = options_.check_finite ? finite_watch() : std::vector<std::string>{};
    check_finite_now(watched, executor_->current_step());
    while (done < total) {
        std::int64_t n = std::min(chunk, total - done);
        if (control.every && control.every_steps > 0)
            n = std::min(n, control.every_steps - done % control.every_steps);
        const auto start = Clock::now();
        const std::int64_t ran = run_checked(n, control.stop, watched, done + n == total);
        run_seconds_ += seconds_since(start);
        done += ran;
        steps_run_ += ran;
        simulated_ms_ = static_cast<double>(steps_run_) * dt_ms();
        if (ran < n) {
            interrupted_ = true;
            break;
        }
        if (control.progress) control.progress(done, total);
        if (control.every && control.every_steps > 0 && done % control.every_steps == 0 &&
            done < total)
            control.every();
    }
    // A zero-length run asked to stop counts as interrupted too, so the caller reports it.
    if (total == 0 && control.stop && control.stop->load()) interrupted_ = true;
    executor_->flush_records();  // the monitors hold every step run
}

void Simulation::finish() {
    if (finished_) return;
    executor_->flush_records();
    finished_ = true;
    if (options_.out_dir.empty()) return;
    // Until here the previous run's files in the directory are untouched (ours are temporary);
    // from here they are replaced as a whole (monitors/output_dir.hpp).
    // The entries are known once the records are flushed; the files they name are committed by
    // the monitors' finish().
    nlohmann::json files = nlohmann::json::array();
    for (const auto& m : spike_monitors_)
        for (auto& f : m->manifest_entries()) files.push_back(f);
    for (const auto& m : state_monitors_)
        for (auto& f : m->manifest_entries()) files.push_back(f);
    for (const auto& m : rate_monitors_)
        for (auto& f : m->manifest_entries()) files.push_back(f);
    const std::vector<SynapseStateWriter> synapse_states = synapse_state_writers(*build_, false);
    for (const auto& w : synapse_states)
        for (auto& f : w.manifest_entries(t_ms())) files.push_back(f);
    std::vector<std::string> names = {"manifest.json", "stats.json"};
    for (const auto& f : files) names.push_back(f["file"].get<std::string>());
    output_->begin_commit(names);
    for (auto& m : spike_monitors_) m->finish();
    for (auto& m : state_monitors_) m->finish();
    for (auto& m : rate_monitors_) m->finish();
    const VariableReader reader = [this](const std::string& var) { return this->read(var); };
    for (const auto& w : synapse_states) w.write(options_.out_dir, build_->plan, reader);
    nlohmann::json run = {{"config", options_.config},
                          {"spikegraph_version", SPIKEGRAPH_VERSION},
                          {"dt_ms", dt_ms()},
                          {"duration_ms", simulated_ms_},
                          {"steps", steps_run_},
                          {"start_step", start_step_},
                          {"start_ms", static_cast<double>(start_step_) * dt_ms()},
                          {"t_end_ms", t_ms()},
                          {"seed", build_->plan.seed},
                          {"batch", build_->plan.batch},
                          {"backend", backend_},
                          {"precision", build_->plan.precision == Precision::f32 ? "float" : "double"},
                          {"interrupted", interrupted_},
                          {"stopped", stopped_},
                          {"interrupted_at_ms", interrupted_ ? nlohmann::json(t_ms()) : nlohmann::json(nullptr)},
                          {"resumed_from", resumed_from_.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(resumed_from_.string())},
                          {"checkpoint", last_checkpoint_.empty() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(last_checkpoint_.string())},
                          {"time_convention",
                           "a spike of step k is stamped t_k = k*dt; a state record of step k "
                           "holds the values at t_k, before step k runs (Brian2's schedule)"}};
    // The manifest goes last: once it is there, every file it lists is complete.
    write_json_atomically(options_.out_dir / "stats.json", stats());
    write_manifest(options_.out_dir, run, files);
    output_->end_commit();
    output_.reset();  // committed: the directory is free for the next run
}

void Simulation::write_synapses(const std::filesystem::path& dir) const {
    const std::vector<SynapseStateWriter> writers = synapse_state_writers(*build_, true);
    if (writers.empty())
        throw SimulationError("write_synapses: this network has no connection with a synapse "
                              "model, so there are no synapse variables to write");
    std::error_code ec;
    if (!options_.out_dir.empty() && std::filesystem::equivalent(dir, options_.out_dir, ec))
        throw SimulationError(fmt::format(
            "write_synapses: '{}' is this simulation's output directory, into which finish() "
            "writes the synapse states the network declares; give another directory",
            dir.string()));
    detail::create_output_directory(dir, "write_synapses");
    const VariableReader reader = [this](const std::string& var) { return this->read(var); };
    nlohmann::json files = nlohmann::json::array();
    for (const auto& w : writers) {
        w.write(dir, build_->plan, reader);
        for (auto& f : w.manifest_entries(t_ms())) files.push_back(f);
    }
    // Written last: once it is there, every file it lists is complete.
    write_json_atomically(dir / "synapses.json",
                          {{"format", "spikegraph-synapses"},
                           {"version", 1},
                           {"t_ms", t_ms()},
                           {"step", executor_->current_step()},
                           {"batch", build_->plan.batch},
                           {"files", files}});
}

double Simulation::dt_ms() const { return build_->plan.dt_ms; }
const Plan& Simulation::plan() const { return build_->plan; }
const BuildResult& Simulation::build_result() const { return *build_; }

double Simulation::t_ms() const {
    return static_cast<double>(executor_->current_step()) * dt_ms();
}

std::int64_t Simulation::steps_done() const { return executor_->current_step(); }

std::string Simulation::schedule() const { return schedule_text(build_->plan); }

std::vector<double> Simulation::read(const std::string& var) const {
    if (!build_->plan.find_variable(var)) {
        std::vector<std::string> names;
        for (const auto& v : build_->plan.variables) names.push_back(v.name);
        const std::string guess = detail::closest_name(var, names);
        throw SimulationError(fmt::format("no variable '{}' in this simulation{}", var,
                                          guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)),
                              {.variable = var});
    }
    initialise_values();
    return executor_->read(var);
}

std::uint64_t Simulation::spike_count(const std::string& population) const {
    for (const auto& p : build_->populations)
        if (p.name == population) {
            double sum = 0;
            for (double x : executor_->read(p.total_var)) sum += x;
            return static_cast<std::uint64_t>(sum);
        }
    throw SimulationError(fmt::format("no group or spike input '{}'", population));
}

std::uint64_t Simulation::synaptic_events() const { return executor_->synaptic_events(); }

nlohmann::json Simulation::stats() const {
    // Spike totals count from t = 0 (a resumed run carries them on), so rates are over [0, t].
    const double seconds = t_ms() / 1000.0;
    nlohmann::json groups = nlohmann::json::object();
    std::uint64_t neurons = 0;
    for (const auto& p : build_->populations) {
        const std::uint64_t spikes = spike_count(p.name);
        const double rate = seconds > 0
                                ? static_cast<double>(spikes) /
                                      (static_cast<double>(p.size * build_->plan.batch) * seconds)
                                : 0.0;
        groups[p.name] = {{"kind", p.kind}, {"neurons", p.size}, {"spikes", spikes}, {"mean_rate_hz", rate}};
        if (p.kind == "neurons") neurons += p.size;
        // A spike-time input's spikes at or after the end of the run so far: not delivered.
        for (const auto& op : build_->plan.ops)
            if (op.kind == "spike_times_input" && op.owner == p.name) {
                const auto& st = payload_as<SpikeTimesPayload>(op).steps;
                const auto end = std::lower_bound(st.begin(), st.end(), steps_done());
                groups[p.name]["undelivered"] = static_cast<std::uint64_t>(st.end() - end);
            }
    }
    const auto steps = steps_run_;
    nlohmann::json stats = {{"build_seconds", build_seconds_},
            {"run_seconds", run_seconds_},
            {"steps", steps},
            {"steps_per_second", run_seconds_ > 0 ? static_cast<double>(steps) / run_seconds_ : 0.0},
            {"dt_ms", dt_ms()},
            {"duration_ms", simulated_ms_},
            {"start_ms", start_ms()},
            {"t_end_ms", t_ms()},
            {"threads", threads_},
            {"threads_requested", threads_requested_},
            {"cores_available", available_cores()},
            {"backend", backend_},
            {"precision", build_->plan.precision == Precision::f32 ? "float" : "double"},
            {"seed", build_->plan.seed},
            {"batch", build_->plan.batch},
            {"neurons", neurons},
            {"synapses", build_->synapses},
            {"synaptic_events", synaptic_events()},
            {"state_bytes", build_->state_bytes},
            {"groups", groups}};
    if (options_.profile) {
        nlohmann::json ops = nlohmann::json::array();
        for (const auto& t : executor_->op_times()) {
            nlohmann::json o = {{"op", t.op}, {"kind", t.kind}, {"seconds", t.seconds}};
            if (t.stage >= 0) o["stage"] = t.stage;
            ops.push_back(std::move(o));
        }
        stats["op_seconds"] = ops;
    }
    return stats;
}

}  // namespace spikegraph
