#pragma once
// A small recurrent network that keeps spikes in flight across any step: a Poisson drive with
// a 1.5 ms delay, excitatory recurrence with a uniform 2 ms delay (a ring of spike lists) and
// inhibitory recurrence with per-synapse delays of 1-3 ms (a ring of pending increments), LIF
// neurons with a 5 ms refractory period, a spike monitor and a state monitor every 0.5 ms.
// About 28 Hz; 0.1 ms steps.

#include <string>
#include <vector>

#include <spikegraph/yaml_loader.hpp>

namespace spikegraph::testing_support {

inline const char* const k_delayed_network_yaml = R"(simulation:
  dt: 0.1 ms
  duration: 100 ms
  seed: 7
  threads: 1
models:
  cuba_lif:
    equations: |
      dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
      dge/dt = -ge / taue : volt
      dgi/dt = -gi / taui : volt
      El : volt (shared)
      taum : second (shared)
      taue : second (shared)
      taui : second (shared)
    threshold: v > -50 mV
    reset: v = -60 mV
    refractory: 5 ms
    method: exact
    parameters:
      El: -49 mV
      taum: 20 ms
      taue: 5 ms
      taui: 10 ms
groups:
  neurons:
    size: 400
    model: cuba_lif
    init:
      v: uniform(-60 mV, -50 mV)
inputs:
  drive:
    type: poisson
    size: 200
    rate: 20 Hz
connections:
  input:
    pre: drive
    post: neurons
    target: ge
    weight: 1.5 mV
    delay: 1.5 ms
    connectivity: {rule: fixed_probability, p: 0.1}
  excitatory:
    pre: neurons[0:320]
    post: neurons
    target: ge
    weight: 1.0 mV
    delay: 2 ms
    connectivity: {rule: fixed_probability, p: 0.05}
  inhibitory:
    pre: neurons[320:400]
    post: neurons
    target: gi
    weight: -3 mV
    delay: 1 ms + 2 ms * rand()
    connectivity: {rule: fixed_probability, p: 0.05}
monitors:
  spikes:
    type: spike
    group: neurons
  trace:
    type: state
    group: neurons
    variables: [v, ge]
    indices: [0, 1, 2]
    every: 0.5 ms
)";

inline Network delayed_network(const std::vector<std::string>& overrides = {}) {
    return load_network_from_string(k_delayed_network_yaml, "delayed.yaml", overrides);
}

}  // namespace spikegraph::testing_support
