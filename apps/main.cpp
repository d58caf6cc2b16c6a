// The `spikegraph` command-line program: run, validate, backends.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "apps/cli_display.hpp"
#include "apps/inspect_command.hpp"
#include "backend/backend_registry.hpp"
#include "core/text.hpp"
#include "core/time_steps.hpp"
#include "builder/builder.hpp"
#include <spikegraph/error.hpp>
#include "core/build_status.hpp"
#include "core/cancel.hpp"
#include "core/memory_size.hpp"
#include "core/units.hpp"
#include "monitors/output_dir.hpp"
#include "simulator/checkpoint.hpp"
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/config.hpp>

namespace sg = spikegraph;

namespace {

struct RunArgs {
    std::string config;
    std::string out;
    std::string duration, dt, backend;
    std::optional<std::string> seed;  // none: the config's
    int threads = 0;
    std::vector<std::string> sets;
    bool print_schedule = false;
    bool quiet = false;
    bool profile = false;
    bool no_finite_check = false;
    std::string checkpoint, checkpoint_every, resume;
    std::optional<std::string> max_memory;  // none: the machine's available memory
};

// SIGINT, SIGTERM and SIGHUP ask for a stop (core/cancel.hpp): the run loop stops at the end of
// the current step with complete outputs; the build and the native compiler stop within a
// second with none. The handler is reset to the default on first delivery (SA_RESETHAND), so a
// second Ctrl-C stops the program at once.
extern "C" void on_stop_signal(int sig) { sg::request_cancel(sig); }

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

// --out and --checkpoint are checked before anything is built, so that a path that cannot be
// written fails at once and not after the whole run.
void check_paths(const std::filesystem::path& out, const RunArgs& a) {
    if (!out.empty())
        if (const std::string why = sg::detail::output_directory_problem(out); !why.empty())
            throw sg::IoError(fmt::format("--out '{}': {}", out.string(), why));
    if (!a.checkpoint.empty())
        if (const std::string why = sg::checkpoint_path_problem(a.checkpoint); !why.empty())
            throw sg::IoError(fmt::format("--checkpoint '{}': {}", a.checkpoint, why));
}

// "400ms", "0.4s", "400 ms" -> ms. Throws ConfigError naming the flag.
// A seed is any unsigned 64-bit integer, taken whole: a value that does not fit is refused, never
// clamped (two different seeds must never run as one).
std::uint64_t parse_seed_flag(const std::string& text) {
    std::uint64_t seed = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, seed);
    if (text.empty() || text.front() == '-' || text.front() == '+' || p != end ||
        ec == std::errc::invalid_argument)
        throw sg::ConfigError(fmt::format("--seed '{}': expected a non-negative integer, e.g. "
                                          "--seed 7", text.substr(0, 64)));
    if (ec == std::errc::result_out_of_range)
        throw sg::ConfigError(fmt::format("--seed '{}': larger than the largest seed, 2^64 - 1 "
                                          "= 18446744073709551615", text.substr(0, 64)));
    return seed;
}

double parse_time_flag(const std::string& flag, const std::string& text) {
    sg::Quantity q;
    try {
        q = sg::parse_quantity(text);
    } catch (const sg::ConfigError& e) {
        throw sg::ConfigError(fmt::format("{} '{}': {}", flag, text, e.what()));
    }
    if (q.dim != sg::dim::time())
        throw sg::ConfigError(fmt::format("{} '{}': expected a time such as 400ms or 0.4s", flag, text));
    if (!(q.value > 0))
        throw sg::ConfigError(fmt::format("{} '{}': must be positive", flag, text));
    return q.value;
}

// --resume continues the run that wrote the checkpoint: with its seed (a --seed that differs is
// refused: the continuation would not be that run's) and, unless --duration says how much more
// to run, up to the end that run was given.
void continue_checkpoint(const RunArgs& a, sg::Network& net) {
    if (!std::filesystem::exists(a.resume))
        throw sg::IoError(fmt::format("--resume '{}': no such file", a.resume));
    const sg::CheckpointInfo info = sg::read_checkpoint_info(a.resume);
    if (a.seed && net.settings.seed != info.seed)
        throw sg::ConfigError(fmt::format(
            "--seed {} disagrees with the seed of checkpoint '{}', {}; a resumed run continues "
            "the random streams of the run that wrote it: leave --seed out", net.settings.seed,
            a.resume, info.seed));
    net.settings.seed = info.seed;
    if (!a.duration.empty() || !info.run_end_step) return;  // older checkpoints: the config's
    if (*info.run_end_step <= info.step)
        throw sg::ConfigError(fmt::format(
            "checkpoint '{}' was written at the end of its run (t = {} ms); give --duration for "
            "how much longer to run, e.g. --duration 500ms", a.resume, info.t_ms));
    net.settings.duration_ms = static_cast<double>(*info.run_end_step - info.step) * info.dt_ms;
}

sg::Network load(const RunArgs& a) {
    // --dt and --duration become overrides, so that every check that depends on them (delays
    // and record intervals that must be multiples of dt) sees the values actually used.
    std::vector<std::string> sets = a.sets;
    if (!a.duration.empty()) {
        parse_time_flag("--duration", a.duration);
        sets.push_back("simulation.duration=" + a.duration);
    }
    if (!a.dt.empty()) {
        parse_time_flag("--dt", a.dt);
        sets.push_back("simulation.dt=" + a.dt);
    }
    sg::Network net = sg::load_network(a.config, sets);
    if (a.seed) net.settings.seed = parse_seed_flag(*a.seed);
    if (!a.resume.empty()) continue_checkpoint(a, net);
    if (a.threads > 0) net.settings.threads = a.threads;
    if (!a.backend.empty()) net.settings.backend = a.backend;
    if (a.max_memory)
        net.settings.max_memory_bytes = sg::parse_memory_size(*a.max_memory, "--max-memory");
    return net;
}

int run_command(const RunArgs& a) {
    install_stop_handlers();
    std::filesystem::path out = a.out;
    if (out.empty()) out = std::filesystem::path("out") / std::filesystem::path(a.config).stem();
    check_paths(a.print_schedule ? std::filesystem::path() : out, a);
    sg::Network net = load(a);
    sg::require_backend(sg::resolve_backend(net.settings.backend));
    std::int64_t every_steps = 0;
    if (!a.checkpoint_every.empty()) {
        const double every_ms = parse_time_flag("--checkpoint-every", a.checkpoint_every);
        if (const std::string why = sg::steps_problem(every_ms, net.settings.dt_ms); !why.empty())
            throw sg::ConfigError(fmt::format("--checkpoint-every '{}': {}", a.checkpoint_every, why));
        every_steps = sg::ms_to_steps(every_ms, net.settings.dt_ms);
        if (every_steps < 1)
            throw sg::ConfigError(fmt::format("--checkpoint-every '{}': shorter than one step (dt = {} ms)",
                                              a.checkpoint_every, net.settings.dt_ms));
    }
    sg::SimulationOptions opts;
    // More threads than cores would only wait (and TBB would warn): the run uses the cores, and
    // stats.json and the summary say what was asked.
    opts.threads_requested = net.settings.threads > 0 ? net.settings.threads : sg::available_cores();
    opts.threads = std::min(opts.threads_requested, sg::available_cores());
    opts.out_dir = a.print_schedule ? std::filesystem::path() : out;
    opts.config = a.config;
    opts.profile = a.profile;
    // The simulation locks the output directory, and removes it again when it created it and
    // a failure (or a signal before the first step) leaves it empty.
    opts.check_finite = !a.no_finite_check;
    const bool on_terminal = !a.quiet && isatty(STDERR_FILENO);
    std::optional<sg::app::BuildProgress> building(std::in_place, on_terminal && !a.print_schedule);
    sg::Simulation sim(net, opts);
    if (a.print_schedule) {
        building.reset();
        std::cout << sim.schedule();
        return 0;
    }
    if (!a.resume.empty())
        sim.resume(a.resume);
    else
        sim.initial_step();
    building.reset();
    // A signal that arrived during a part of the build that does not poll stops here, before
    // the first step: no outputs.
    sg::throw_if_cancelled("during the build; nothing was written");
    const bool show_bar = on_terminal;
    sg::app::ProgressBar bar(show_bar, sim.t_ms(), net.settings.dt_ms);
    sg::RunControl control;
    control.progress = [&](std::int64_t d, std::int64_t t) { bar(d, t); };
    control.stop = &sg::cancel_flag();
    if (every_steps > 0) {
        control.every_steps = every_steps;
        control.every = [&] { sim.checkpoint(a.checkpoint); };
    }
    try {
        sim.run_continue(net.settings.duration_ms, control);
        if (!a.checkpoint.empty()) sim.checkpoint(a.checkpoint);
    } catch (const sg::Error&) {
        // A late failure (a checkpoint that cannot be written) never costs the outputs of the
        // steps that ran: they are committed first, then the error is reported.
        try {
            sim.finish();
        } catch (const std::exception& e) {
            std::cerr << "spikegraph: error: " << e.what() << "\n";
        }
        throw;
    }
    sim.finish();
    if (sim.interrupted() || sg::cancel_requested()) {
        const int sig = sg::cancel_signal() != 0 ? sg::cancel_signal() : SIGINT;
        std::cerr << fmt::format("{}spikegraph: interrupted by {} at t = {} ms (step {}); the "
                                 "outputs in {} are complete up to there{}\n",
                                 show_bar ? "\n" : "", sg::signal_name(sig), sim.t_ms(),
                                 sim.steps_done(), out.string(),
                                 a.checkpoint.empty() ? "" : "; checkpoint written to " + a.checkpoint);
        return 128 + sig;
    }
    if (a.quiet) return 0;
    sg::app::print_summary(sim.stats(), {.config = a.config,
                                         .out = out.string(),
                                         .resumed_from = a.resume,
                                         .checkpoint = a.checkpoint,
                                         .resumed_at_ms = sim.start_ms()});
    return 0;
}

// Everything `run` checks before it allocates the state and simulates, in the same order, so
// that validate refuses what run would refuse, with the same message.
int validate_command(const RunArgs& a) {
    sg::Network net = load(a);
    sg::require_backend(sg::resolve_backend(net.settings.backend));
    sg::BuildResult built = sg::build(net);
    sg::ms_to_steps(net.settings.duration_ms, net.settings.dt_ms);  // as the run counts its steps
    std::cout << fmt::format("{}: valid ({} neurons, {} synapses, {} ops; needs about {} of "
                             "memory{})\n",
                             a.config, built.neurons, built.synapses, built.plan.ops.size(),
                             sg::format_bytes(built.memory.total()),
                             built.memory.disk_bytes > 0
                                 ? fmt::format(", writes about {} of state records",
                                               sg::format_bytes(built.memory.disk_bytes))
                                 : "");
    return 0;
}

// One line per backend (its name, then whether it is available or why not), then an indented
// line with the op kinds it implements.
int backends_command() {
    const auto statuses = sg::backend_statuses();
    std::size_t width = 0;
    for (const auto& s : statuses) width = std::max(width, s.name.size());
    for (const auto& s : statuses) {
        std::cout << fmt::format("{:<{}}  {}\n", s.name, width,
                                 s.available ? "available" : "not available: " + s.reason);
        std::cout << fmt::format("{:<{}}  op kinds: {}\n", "", width,
                                 s.op_kinds.empty() ? "none"
                                                    : fmt::format("{}", fmt::join(s.op_kinds, ", ")));
    }
    return 0;
}

void add_common(CLI::App* cmd, RunArgs& a) {
    cmd->add_option("config", a.config, "network config (YAML)")->required();
    cmd->add_option("--set", a.sets, "override a config value, KEY=VALUE (e.g. groups.neurons.size=100)");
    cmd->add_option("--duration", a.duration, "simulated time, e.g. 400ms or 0.4s");
    cmd->add_option("--dt", a.dt, "time step, e.g. 0.1ms");
    cmd->add_option("--seed", a.seed, "random seed, 0 to 2^64 - 1");
    cmd->add_option("--threads", a.threads, fmt::format("worker threads, 1 to {}", sg::k_max_threads))
        ->check(CLI::Range(1, sg::k_max_threads));
    cmd->add_option("--backend", a.backend, "cpu or cuda (default: the config's, else cpu)");
    cmd->add_option("--max-memory", a.max_memory,
                    "refuse a network needing more memory than SIZE, e.g. 4GiB or 512MB "
                    "(default: the memory available now)");
}

}  // namespace

int main(int argc, char** argv) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("spikegraph", sink));
    spdlog::set_level(spdlog::level::warn);

    CLI::App app{"spikegraph: spiking neural network simulator"};
    app.require_subcommand(1);
    app.set_version_flag("--version", SPIKEGRAPH_VERSION);
    RunArgs a;
    auto* run = app.add_subcommand("run", "build and run a network, writing its monitors");
    add_common(run, a);
    run->add_option("--out", a.out, "output directory (default out/<config name>)");
    run->add_flag("--print-schedule", a.print_schedule, "print the sorted plan and exit");
    run->add_flag("--quiet", a.quiet, "no progress bar and no summary");
    run->add_flag("--profile", a.profile,
                  "time every op of the loop: stats.json's op_seconds, and a table in the summary");
    run->add_flag("--no-finite-check", a.no_finite_check,
                  "do not stop when the state turns NaN or Inf (checked every 128 steps)");
    auto* ckpt = run->add_option("--checkpoint", a.checkpoint,
                                 "write a checkpoint to FILE at the end (and when interrupted)");
    run->add_option("--checkpoint-every", a.checkpoint_every,
                    "also write it every T of simulated time, e.g. 100ms")
        ->needs(ckpt);
    run->add_option("--resume", a.resume,
                    "continue from a checkpoint to the end of its run, or for --duration more "
                    "(monitors write only the new part)");
    auto* validate = app.add_subcommand("validate", "check a config without running it");
    add_common(validate, a);
    app.add_subcommand("backends", "list the backends and whether they are available");
    spikegraph::app::InspectArgs inspect_args;
    auto* inspect = app.add_subcommand(
        "inspect", "statistics (a table, or --json) or --plot figures of a run's output");
    spikegraph::app::add_inspect_options(inspect, inspect_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One line, like every other user error.
        std::cerr << "spikegraph: error: " << e.what() << " (see spikegraph --help)\n";
        return e.get_exit_code();
    }
    try {
        if (run->parsed()) return run_command(a);
        if (validate->parsed()) return validate_command(a);
        if (inspect->parsed()) return spikegraph::app::inspect_command(inspect_args);
        return backends_command();
    } catch (const sg::Interrupted& e) {
        std::cerr << "spikegraph: " << e.what() << "\n";
        return 128 + e.signal();
    } catch (const sg::Error& e) {
        // The last guard: whatever a message quotes, the terminal gets one line of valid UTF-8.
        std::cerr << "spikegraph: error: " << sg::detail::one_line_message(e.what()) << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "spikegraph: internal error: " << e.what() << "\n";
        return 3;
    }
}
