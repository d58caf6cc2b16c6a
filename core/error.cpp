#include <spikegraph/error.hpp>

#include <array>
#include <cstdio>
#include <utility>

namespace spikegraph {

namespace {

const ConfigLocation k_no_location{};
const SimulationContext k_no_context{};

// "1073741824 bytes = 1 GiB": the exact count for whoever compares it with a limit, and a size a
// reader takes in at a glance.
std::string bytes_text(std::size_t bytes) {
    std::string out = std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    static constexpr std::array<const char*, 5> units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double size = static_cast<double>(bytes);
    std::size_t unit = 0;
    if (size < 1024) return out;
    size /= 1024;
    while (size >= 1024 && unit + 1 < units.size()) size /= 1024, ++unit;
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3g", size);
    return out + " = " + buf.data() + " " + units[unit];
}

std::string gpu_message(const std::string& call, const std::string& error_string,
                        std::optional<std::size_t> bytes, const std::string& doing) {
    std::string out = call + " failed: " + error_string;
    if (bytes) out += " (" + bytes_text(*bytes) + ")";
    if (!doing.empty()) out += " while " + doing;
    return out;
}

}  // namespace

ConfigError::ConfigError(const std::string& what, ConfigLocation where)
    : Error(what), where_(std::make_shared<const ConfigLocation>(std::move(where))) {}

const ConfigLocation& ConfigError::location() const noexcept {
    return where_ ? *where_ : k_no_location;
}
const std::string& ConfigError::file() const noexcept { return location().file; }
int ConfigError::line() const noexcept { return location().line; }
int ConfigError::column() const noexcept { return location().column; }
const std::string& ConfigError::key() const noexcept { return location().key; }

SimulationError::SimulationError(const std::string& what, SimulationContext context)
    : Error(what), context_(std::make_shared<const SimulationContext>(std::move(context))) {}

const SimulationContext& SimulationError::context() const noexcept {
    return context_ ? *context_ : k_no_context;
}
const std::string& SimulationError::variable() const noexcept { return context().variable; }
std::optional<std::int64_t> SimulationError::neuron() const noexcept { return context().neuron; }
std::optional<std::int64_t> SimulationError::batch_entry() const noexcept {
    return context().batch_entry;
}
std::optional<std::int64_t> SimulationError::step() const noexcept { return context().step; }

GpuError::GpuError(std::string call, std::string error_string, std::optional<std::size_t> bytes,
                   const std::string& doing)
    : Error(gpu_message(call, error_string, bytes, doing)),
      data_(std::make_shared<const Data>(Data{std::move(call), std::move(error_string), bytes})) {}

const std::string& GpuError::call() const noexcept { return data_->call; }
const std::string& GpuError::error_string() const noexcept { return data_->error_string; }
std::optional<std::size_t> GpuError::bytes() const noexcept { return data_->bytes; }

}  // namespace spikegraph
