#pragma once
// A neuron model as text: equations, threshold, reset, refractory period and default parameter
// values. Built-in models (frontend/model_library) and user models take exactly this path.

#include <map>
#include <string>

#include <spikegraph/value_spec.hpp>

namespace spikegraph {

struct NeuronModel {
    std::string name;
    std::string equations;      // Brian-style: "dv/dt = (El - v) / taum : volt (unless refractory)"
    std::string threshold;      // condition, "v > -50 mV"; empty: never spikes
    std::string reset;          // statements, "v = -60 mV; u += d"
    ValueSpec refractory;       // a time, "5 ms"; empty: none
    std::map<std::string, ValueSpec> parameters;  // defaults, overridable per group
    // Initial values of state variables (the library's models start at rest, e.g. v = E_L), as
    // expressions of the shared parameters; a group's own `init` overrides them; unnamed
    // variables start at 0.
    std::map<std::string, ValueSpec> init;
    // Default solver. "auto": exact where the equations are linear with shared coefficients,
    // else euler (Brian2's default order for deterministic equations).
    std::string method = "auto";
    std::string description;                      // one line for docs and `--print-schedule`
    TextOrigin equations_origin, threshold_origin, reset_origin, method_origin;
};

}  // namespace spikegraph
