#pragma once
// The values of a connection's synapse variables at one moment (the end of a run, or when
// Simulation::write_synapses asks): `NAME.VAR.npy` per variable, and `NAME.pre.npy` /
// `NAME.post.npy` with each synapse's pre and post neuron (indices in their groups), one
// manifest entry per file (kind "synapse_state"). See docs/outputs.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "builder/builder.hpp"

namespace spikegraph {

/// Reads a plan variable's current values, row-major in its shape, in internal units.
using VariableReader = std::function<std::vector<double>(const std::string& var)>;

/// The neurons of `synapses` (synapse indices, CSR order) of `group` as indices in the pre
/// (`pre == true`) or post group: slice begin + index in the slice, from the connection's
/// index variable in `plan` (constant data). Every synapse when `synapses` is empty.
/// @throws BuildError when the plan holds no such index data or a synapse is out of range.
std::vector<std::int64_t> synapse_neurons(const Plan& plan, const SynapseGroupInfo& group,
                                          bool pre, const std::vector<std::int64_t>& synapses = {});

/// The connection named `name` among `build`'s synapse groups. @throws BuildError
const SynapseGroupInfo& find_synapse_group(const BuildResult& build, const std::string& name);

class SynapseStateWriter {
public:
    /// Writes `state` (its variables of `group`) for a run of `batch` entries.
    /// @throws BuildError when a variable of `state` is not one of `group`'s; ConfigError when
    /// the name cannot be part of a file name.
    SynapseStateWriter(SynapseStateInfo state, const SynapseGroupInfo& group, std::size_t batch);

    /// One entry per file (pre, post, each variable), for manifest.json; `t_ms`: when the
    /// values are taken.
    nlohmann::json manifest_entries(double t_ms) const;

    /// Writes every file into `dir` (which must exist), each atomically: the variables read
    /// through `read` now, the pre and post neurons from `plan`.
    /// @throws IoError when a file cannot be written
    void write(const std::filesystem::path& dir, const Plan& plan,
               const VariableReader& read) const;

    const std::string& name() const { return state_.name; }

private:
    std::vector<std::size_t> shape_of(const SynapseGroupInfo::Variable& v) const;

    SynapseStateInfo state_;
    SynapseGroupInfo group_;
    std::vector<SynapseGroupInfo::Variable> variables_;  // those of state_, in its order
    std::size_t batch_ = 1;
};

/// A writer per synapse state of `build`; when it declares none and `every_connection`, one
/// per synapse group with every variable, named after its connection.
std::vector<SynapseStateWriter> synapse_state_writers(const BuildResult& build,
                                                      bool every_connection);

}  // namespace spikegraph
