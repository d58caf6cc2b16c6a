#pragma once
// The spikegraph C++ API: declare a network (or load one from YAML), run it as a Simulation on
// a backend, record, store / restore, checkpoint, evolve. Everything a program needs is
// reachable from this header; the headers beside it may also be included one by one.
// docs/api.md describes the API.

#include <spikegraph/config.hpp>

#include "core/error.hpp"
#include "core/dtype.hpp"
#include "core/log_level.hpp"
#include "frontend/text_origin.hpp"
#include "frontend/value_spec.hpp"
#include "frontend/group_ref.hpp"
#include "frontend/neuron_model.hpp"
#include "frontend/neuron_group.hpp"
#include "frontend/connection.hpp"
#include "frontend/inputs.hpp"
#include "frontend/monitor_spec.hpp"
#include "frontend/custom_op.hpp"
#include "frontend/network.hpp"
#include "frontend/model_library.hpp"
#include "frontend/yaml_loader.hpp"
#include "backend/backends.hpp"
#include "simulator/variable_map.hpp"
#include "simulator/evolve_result.hpp"
#include "simulator/simulation.hpp"
