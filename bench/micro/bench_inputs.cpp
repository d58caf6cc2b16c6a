// Issue 15's input benchmarks, printed as plain figures:
//  1. PoissonInput (`poisson_input`, N = 1000 sources at 10 Hz per neuron) onto 40 000
//     conductance-based LIF neurons: the op's time per step against the neuron update's
//     (target: at most 2x), both from Simulation's per-op profile.
//  2. Loading a spike-time input of 10^6 spikes from two .npy files (times, indices) through
//     the build, and the build without it: the difference is the load (target: well under 1 s).
// Usage: bench_inputs [neurons=40000] [steps=2000] [threads=1]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <spikegraph/log.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include "monitors/npy_writer.hpp"

namespace {

using namespace spikegraph;

Network coba_network(std::size_t n, int threads) {
    NeuronModel m;
    m.name = "coba_bench";
    m.equations =
        "dv/dt = (E_L - v + ge * (E_e - v) * R) / tau : volt (unless refractory)\n"
        "dge/dt = -ge / tau_e : siemens\n"
        "E_L : volt (shared)\nE_e : volt (shared)\nR : ohm (shared)\ntau : second (shared)\n"
        "tau_e : second (shared)\n";
    m.threshold = "v > -50 mV";
    m.reset = "v = -60 mV";
    m.refractory = "5 ms";
    m.method = "euler";
    m.parameters = {{"E_L", "-60 mV"}, {"E_e", "0 mV"}, {"R", "0.1 Gohm"}, {"tau", "20 ms"},
                    {"tau_e", "5 ms"}};
    Network net;
    net.settings.threads = threads;
    net.add_group("exc", n, m).init("v", "uniform(-60 mV, -50 mV)");
    return net;
}

double op_seconds(const nlohmann::json& stats, const std::string& name) {
    for (const auto& o : stats["op_seconds"])
        if (o["op"] == name) return o["seconds"].get<double>();
    return -1;
}

void poisson_input_cost(std::size_t n, int steps, int threads) {
    Network net = coba_network(n, threads);
    net.add_poisson_drive("drive", GroupRef("exc"), "ge", 1000, "10 Hz", "0.5 nS");
    SimulationOptions options;
    options.profile = true;
    Simulation sim(net, options);
    sim.run(0.1 * 50);  // warm-up (native compilation is done in the build)
    Simulation timed(net, options);
    timed.run(0.1 * steps);
    const auto stats = timed.stats();
    const double update = op_seconds(stats, "exc.update") / steps * 1e6;
    const double drive = op_seconds(stats, "drive.poisson_drive") / steps * 1e6;
    std::printf("poisson_input onto %zu neurons (N=1000, 10 Hz, dt 0.1 ms, %d thread(s)):\n"
                "  neuron update   %8.1f us/step\n  poisson_input   %8.1f us/step\n"
                "  ratio           %8.2f (target <= 2)\n",
                n, threads, update, drive, drive / update);
}

void spike_file_load(const std::filesystem::path& dir) {
    // 1000 sources, each spiking once in every 1 ms slot at a random step of the slot (one
    // source never spikes twice in a step), for 1000 ms; then shuffled.
    const std::size_t m = 1000000, sources = 1000;
    std::vector<double> times(m);
    std::vector<std::int64_t> indices(m);
    std::uint64_t x = 88172645463325252ull;
    auto next = [&x] {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift
        return x;
    };
    for (std::size_t k = 0; k < m; ++k) {
        times[k] = static_cast<double>((k / sources) * 10 + next() % 10) * 0.1;
        indices[k] = static_cast<std::int64_t>(k % sources);
    }
    for (std::size_t k = m - 1; k > 0; --k) {
        const std::size_t j = next() % (k + 1);
        std::swap(times[k], times[j]);
        std::swap(indices[k], indices[j]);
    }
    std::filesystem::create_directories(dir);
    write_npy(dir / "times.npy", "<f8", {m}, times.data());
    write_npy(dir / "indices.npy", "<i8", {m}, indices.data());
    auto build = [&](bool with_file) {
        Network net = coba_network(100, 1);
        net.settings.duration_ms = 1000;
        if (with_file) {
            SpikeTimesInput& s = net.add_spike_times("stim", sources, {}, {});
            s.times_file = (dir / "times.npy").string();
            s.indices_file = (dir / "indices.npy").string();
        }
        const auto t0 = std::chrono::steady_clock::now();
        Simulation sim(net);
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    build(false);
    const double base = build(false), with = build(true);
    std::printf("spike file of %zu spikes (two .npy, unsorted): build %.3f s, without it "
                "%.3f s: load %.3f s\n", m, with, base, with - base);
}

}  // namespace

int main(int argc, char** argv) {
    set_log_level(LogLevel::warn);
    const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 40000;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 2000;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
    poisson_input_cost(n, steps, threads);
    std::fflush(stdout);
    spike_file_load(std::filesystem::temp_directory_path() / "spikegraph_bench_inputs");
    return 0;
}
