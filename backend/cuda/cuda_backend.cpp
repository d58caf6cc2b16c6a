#include "backend/cuda/cuda_backend.hpp"

#include <cstdlib>
#include <string>

#include <cuda_runtime_api.h>
#include <fmt/format.h>

namespace spikegraph::cuda {

namespace {

std::string visible_devices_note() {
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    return visible ? fmt::format(" (CUDA_VISIBLE_DEVICES={})", visible) : std::string();
}

// Why no device can be used ("" when at least one is visible); `devices` receives their number.
std::string probe_devices(int& devices) noexcept {
    devices = 0;
    try {
        // Without a driver (or with one older than the runtime) this fails rather than reporting
        // zero devices: "CUDA driver version is insufficient for CUDA runtime version".
        const cudaError_t status = cudaGetDeviceCount(&devices);
        if (status != cudaSuccess) {
            devices = 0;
            return fmt::format("no CUDA device is visible{}: cudaGetDeviceCount failed: {}; "
                               "check nvidia-smi and the driver",
                               visible_devices_note(), cudaGetErrorString(status));
        }
        if (devices <= 0)
            return fmt::format("no CUDA device is visible{}; check nvidia-smi and the driver",
                               visible_devices_note());
        return "";
    } catch (...) {
        devices = 0;
        return "no CUDA device is visible: the device query failed";
    }
}

}  // namespace

BackendEntry backend_entry() {
    BackendEntry entry;
    entry.name = k_backend_name;
    // No executor and no ops yet: the entry is known, and says why it cannot run.
    entry.availability = [] {
        int devices = 0;
        std::string why = probe_devices(devices);
        if (!why.empty()) return why;
        return fmt::format(
            "the CUDA backend is not implemented in this version ({} device(s) visible)", devices);
    };
    return entry;
}

}  // namespace spikegraph::cuda
