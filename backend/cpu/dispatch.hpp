#pragma once
// Picks the float or double instantiation of a kernel from the plan's precision.

#include <memory>

#include "backend/cpu/kernel.hpp"
#include "backend/cpu/op_factory.hpp"
#include "backend/cpu/workspace.hpp"

namespace spikegraph::cpu {

template <template <class> class K>
std::unique_ptr<Kernel> make_real(const OpSpec& op, Workspace& ws) {
    if (ws.precision() == Precision::f32) return std::make_unique<K<float>>(op, ws);
    return std::make_unique<K<double>>(op, ws);
}

}  // namespace spikegraph::cpu
