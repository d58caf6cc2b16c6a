#pragma once
// The built-in neuron models, written in the same equation text as user models.

#include <string>
#include <vector>

#include <spikegraph/neuron_model.hpp>

namespace spikegraph {

/// The library model `name` ("if", "lif", ...).
/// @throws ConfigError naming the known models (with "did you mean") when there is none.
const NeuronModel& library_model(const std::string& name);

bool has_library_model(const std::string& name);

/// Names of every library model, sorted.
std::vector<std::string> library_model_names();

}  // namespace spikegraph
