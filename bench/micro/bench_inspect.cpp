// Issue 16: `spikegraph inspect` on a directory of SPIKES spikes (default 2.3 M, the spikes of a
// 1 s CUBA-400k run) must finish in under 2 s, and on 10^8 spikes keep its peak memory under
// 200 MB. Writes a synthetic output directory through the real SpikeMonitor (NEURONS neurons
// firing Poisson-like at the rate that gives SPIKES spikes in 1 s of 0.1 ms steps), then runs
// the built `spikegraph inspect DIR --json` as a child process and reports its wall time and
// peak resident memory (getrusage of the child).
//
//   build/bench/bench_inspect SPIKEGRAPH_BINARY [SPIKES] [NEURONS] [WORK_DIR]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "monitors/manifest.hpp"
#include "monitors/spike_monitor.hpp"
#include "backend/record_chunk.hpp"

namespace sg = spikegraph;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s SPIKEGRAPH_BINARY [SPIKES] [NEURONS] [WORK_DIR]\n", argv[0]);
        return 2;
    }
    const std::string binary = argv[1];
    const std::uint64_t spikes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2300000;
    const std::uint64_t neurons = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 400000;
    const fs::path dir = argc > 4 ? fs::path(argv[4]) : fs::temp_directory_path() / "bench_inspect";
    fs::remove_all(dir);
    const double dt = 0.1;
    const std::int64_t steps = 10000;  // 1 s
    const double per_step = static_cast<double>(spikes) / static_cast<double>(steps);

    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t written = 0;
    {
        sg::SpikeMonitor m("spikes", dir, dt, 1, 0);
        m.set_place({"neurons", neurons, 0, neurons});
        sg::SpikeBlockBuffer buffer(1);
        std::vector<std::int32_t> row;
        double carry = 0;
        for (std::int64_t s = 0; s < steps; ++s) {
            carry += per_step;
            const auto n = static_cast<std::uint64_t>(carry);
            carry -= static_cast<double>(n);
            row.clear();
            // n distinct-enough neurons per step, spread by a hash of (step, k); sorted as a
            // spike monitor receives them.
            for (std::uint64_t k = 0; k < n; ++k)
                row.push_back(static_cast<std::int32_t>(
                    (static_cast<std::uint64_t>(s) * 2654435761u + k * 40503u) % neurons));
            std::sort(row.begin(), row.end());
            row.erase(std::unique(row.begin(), row.end()), row.end());
            buffer.begin_step(s);
            buffer.add_row(row.data(), row.size(), 0);
            written += row.size();
            if (buffer.steps() >= 64) {
                m.record_spikes(buffer.view());
                buffer.clear();
            }
        }
        if (buffer.steps() > 0) m.record_spikes(buffer.view());
        m.finish();
        const nlohmann::json run = {{"dt_ms", dt}, {"steps", steps}, {"start_ms", 0.0},
                                    {"t_end_ms", steps * dt}, {"batch", 1}};
        sg::write_manifest(dir, run, m.manifest_entries());
    }
    const double write_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::execl(binary.c_str(), binary.c_str(), "inspect", dir.c_str(), "--json",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::printf("spikes %llu, neurons %llu (written in %.2f s)\n",
                static_cast<unsigned long long>(written), static_cast<unsigned long long>(neurons),
                write_s);
    std::printf("spikegraph inspect: %.3f s wall, peak RSS %.1f MB%s\n", wall,
                static_cast<double>(usage.ru_maxrss) / 1024.0, ok ? "" : " (FAILED)");
    std::printf("targets: under 2 s for 2.3 M spikes; under 200 MB for 10^8 spikes\n");
    fs::remove_all(dir);
    return ok ? 0 : 1;
}
