#pragma once
// The one exception hierarchy of spikegraph. Every user mistake surfaces as one of these, with a
// message that names the object, the value, the valid range and what to do. Where the thrower
// knows more than the message (the place in a config, the neuron and step of a bad value, the
// failed GPU call), the error also carries it as data, for programs that handle errors.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace spikegraph {

/// Root of every error spikegraph throws on purpose.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// Where a config value came from. Parts that are not known are empty (`file`, `key`) or 0
/// (`line`, `column`).
struct ConfigLocation {
    /// The config file as it was named to the loader, "--set" for a value given with
    /// `--set KEY=VALUE`, empty for a value given in C++.
    std::string file;
    /// 1-based line and column of the offending value's first character (of its key where the
    /// key itself is wrong, of the enclosing mapping where a field is missing); 0 without a file.
    int line = 0;
    int column = 0;
    /// The config key of the value: `groups.exc.parameters.tau_m`, `inputs.x.steps[0].at`.
    std::string key;
};

/// A config file or config value is wrong. The message starts with `file:line:column: key:`
/// when the location is known; the same location is available as data.
class ConfigError : public Error {
public:
    /// An error without a location (all accessors empty or 0).
    explicit ConfigError(const std::string& what) : Error(what) {}
    /// An error at `where`; `what` is the full message, location prefix included.
    ConfigError(const std::string& what, ConfigLocation where);

    const std::string& file() const noexcept;
    int line() const noexcept;
    int column() const noexcept;
    const std::string& key() const noexcept;
    /// All four at once (a default ConfigLocation when the error has none).
    const ConfigLocation& location() const noexcept;

private:
    // Shared so that copying the exception cannot throw.
    std::shared_ptr<const ConfigLocation> where_;
};

/// An equation, model or expression is wrong (syntax, units, unknown identifier).
class ModelError : public Error {
public:
    using Error::Error;
};

/// The declared network cannot be turned into a plan (cycle of `now` reads, size mismatch).
class BuildError : public Error {
public:
    using Error::Error;
};

/// A backend was asked for that this build or this machine cannot provide.
class BackendUnavailable : public Error {
public:
    using Error::Error;
};

/// What a SimulationError is about, as far as the thrower knows it; unknown parts are empty.
/// Give the known parts by name: `{.variable = "exc.v", .neuron = 17, .step = 4031}`.
struct SimulationContext {
    /// The variable concerned: `exc.v`, a buffer name, a state name.
    std::string variable{};
    /// Index of the neuron (or source, or synapse row) within its group.
    std::optional<std::int64_t> neuron{};
    /// The batch entry (0 .. batch-1).
    std::optional<std::int64_t> batch_entry{};
    /// The time step (0 is the first step).
    std::optional<std::int64_t> step{};
};

/// Something went wrong while the simulation ran or was driven (a bad value, a misuse of the
/// running simulation, I/O failure while recording). Carries the variable, neuron, batch entry
/// and step where the thrower has them.
class SimulationError : public Error {
public:
    /// An error without context (every accessor empty).
    explicit SimulationError(const std::string& what) : Error(what) {}
    SimulationError(const std::string& what, SimulationContext context);

    /// The variable concerned, or "".
    const std::string& variable() const noexcept;
    std::optional<std::int64_t> neuron() const noexcept;
    std::optional<std::int64_t> batch_entry() const noexcept;
    std::optional<std::int64_t> step() const noexcept;
    const SimulationContext& context() const noexcept;

private:
    std::shared_ptr<const SimulationContext> context_;
};

/// A GPU runtime or library call failed (CUDA, cuBLAS, NVRTC). The message reads
/// `cudaMalloc failed: out of memory (1073741824 bytes = 1 GiB) while allocating 'exc.v'`:
/// the call, the error string the library gave, the bytes where memory was involved and, when
/// given, what spikegraph was doing.
class GpuError : public Error {
public:
    /// `bytes`: the size of the allocation or copy, when the call moved or reserved memory.
    /// `doing`: what spikegraph was doing, as a phrase ("allocating 'exc.v'"); may be empty.
    GpuError(std::string call, std::string error_string,
             std::optional<std::size_t> bytes = std::nullopt, const std::string& doing = "");

    /// The failed call: `cudaMalloc`, `cublasSgemm`, `nvrtcCompileProgram`.
    const std::string& call() const noexcept;
    /// The library's own description of the error (`cudaGetErrorString`).
    const std::string& error_string() const noexcept;
    /// The bytes involved, for allocations and copies.
    std::optional<std::size_t> bytes() const noexcept;

private:
    struct Data {
        std::string call;
        std::string error_string;
        std::optional<std::size_t> bytes;
    };
    std::shared_ptr<const Data> data_;
};

/// A file could not be read or written (output, checkpoint, data file).
class IoError : public Error {
public:
    using Error::Error;
};

/// The work was stopped by a signal (SIGINT, SIGTERM, SIGHUP) before it could finish: during
/// the build, the native compilation, or anything else that polls for cancellation. The
/// command-line program exits with 128 + signal().
class Interrupted : public Error {
public:
    Interrupted(int signal, const std::string& what) : Error(what), signal_(signal) {}
    /// The signal number that asked for the stop.
    int signal() const { return signal_; }

private:
    int signal_;
};

}  // namespace spikegraph
