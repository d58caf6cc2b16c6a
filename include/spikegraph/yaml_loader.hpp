#pragma once
// Reads a network config (YAML) into a Network. Everything that can be checked without building
// is checked here, with the file, line, column and key of the offending value: the schema
// (unknown keys get "did you mean"), required fields, the units of the fields whose dimension is
// fixed (dt, duration, delays, rates, record intervals, spike times), sizes, indices, slices and
// references between sections. Values whose meaning depends on a model (parameters, initial
// values, weights) stay text (ValueSpec) with their origin, for the builder to check.

#include <filesystem>
#include <string>
#include <vector>

#include <spikegraph/network.hpp>

namespace spikegraph {

/// Loads a network config. `overrides` are "KEY=VALUE" strings from `--set` (e.g.
/// "groups.neurons.size=100", "simulation.dt=0.05 ms") applied to the YAML tree before reading it.
/// VALUE is read as YAML ("[1, 2]" is a list); every map on the way to the last key must exist
/// (schema sections such as `simulation` or `parameters` are created when missing); the last key
/// may be new. Values set this way get the origin `{file: "--set", key: KEY}`.
/// @throws ConfigError with file:line:column, the key, what was expected; a missing file gives
///         `cannot open config 'x.yaml': No such file or directory`.
Network load_network(const std::filesystem::path& file,
                     const std::vector<std::string>& overrides = {});

/// As load_network, for YAML text; `file_name` is used in messages and origins.
/// @throws ConfigError as load_network.
Network load_network_from_string(const std::string& yaml, const std::string& file_name,
                                 const std::vector<std::string>& overrides = {});

}  // namespace spikegraph
