#pragma once
// The one exception hierarchy of spikegraph. Every user mistake surfaces as one of these, with a
// message that names the object, the value, the valid range and what to do.

#include <stdexcept>
#include <string>

namespace spikegraph {

/// Root of every error spikegraph throws on purpose.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// A config file or config value is wrong. The message starts with `file:line:column: key:`
/// when the location is known.
class ConfigError : public Error {
public:
    using Error::Error;
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

/// Something went wrong while the simulation ran (NaN, I/O failure while recording).
class SimulationError : public Error {
public:
    using Error::Error;
};

/// A file could not be read or written (output, checkpoint, data file).
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace spikegraph
