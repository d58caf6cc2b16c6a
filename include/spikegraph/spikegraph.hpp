#pragma once
// The spikegraph C++ API: declare a network (or load one from YAML), run it as a Simulation on
// a backend, record, store / restore, checkpoint, evolve. Everything a program needs is
// reachable from this header; the headers beside it may also be included one by one.
// docs/api.md describes the API.

#include <spikegraph/config.hpp>

#include <spikegraph/error.hpp>
#include <spikegraph/dtype.hpp>
#include <spikegraph/log.hpp>
#include <spikegraph/text_origin.hpp>
#include <spikegraph/value_spec.hpp>
#include <spikegraph/group_ref.hpp>
#include <spikegraph/neuron_model.hpp>
#include <spikegraph/neuron_group.hpp>
#include <spikegraph/connection.hpp>
#include <spikegraph/inputs.hpp>
#include <spikegraph/monitor_spec.hpp>
#include <spikegraph/custom_op.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/backends.hpp>
#include <spikegraph/variable_map.hpp>
#include <spikegraph/evolve.hpp>
#include <spikegraph/simulation.hpp>
