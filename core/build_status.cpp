#include "core/build_status.hpp"

#include <sched.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace spikegraph {

namespace {

std::mutex& phase_mutex() {
    static std::mutex m;
    return m;
}

std::string& phase_text() {
    static std::string phase;
    return phase;
}

}  // namespace

void set_build_phase(std::string phase) {
    const std::lock_guard<std::mutex> lock(phase_mutex());
    phase_text() = std::move(phase);
}

std::string build_phase() {
    const std::lock_guard<std::mutex> lock(phase_mutex());
    return phase_text();
}

int available_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace spikegraph
