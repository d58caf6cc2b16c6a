// Registration of the CPU tensor ops (contracts in tensor_ops.hpp): elementwise kernels
// (tensor_elementwise.hpp), matrix products and shape ops (tensor_kernels.hpp).

#include "backend/cpu/tensor_ops.hpp"

#include "backend/cpu/tensor_elementwise.hpp"
#include "backend/cpu/tensor_kernels.hpp"

namespace spikegraph {
namespace {

using namespace cpu::tensor;

// Wraps a bind function that is generic over the real type: `bind(binder, T{})` with T float
// or double per the workspace's precision.
template <class Bind>
CpuOpFactory by_precision(Bind bind) {
    return [bind](const OpSpec& op, cpu::Workspace& ws) -> std::unique_ptr<cpu::Kernel> {
        const Binder b(op, ws);
        if (ws.precision() == Precision::f32) return bind(b, float{});
        return bind(b, double{});
    };
}

template <class F>
CpuOpFactory binary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_binary<decltype(t)>(b, f); });
}

template <class F>
CpuOpFactory unary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_unary<decltype(t)>(b, f); });
}

}  // namespace

void register_tensor_ops(OpRegistry& registry) {
    registry.add_cpu("add", binary(Add{}));
    registry.add_cpu("minus", binary(Sub{}));
    registry.add_cpu("mul", binary(Mul{}));
    registry.add_cpu("div", binary(Div{}));
    registry.add_cpu("var_mult", binary(Mul{}));
    registry.add_cpu("exp", unary(Exp{}));
    registry.add_cpu("relu", unary(Relu{}));
    registry.add_cpu("sigmoid", unary(Sigmoid{}));
    registry.add_cpu("var_linear", by_precision([](const Binder& b, auto t) {
                         return bind_var_linear<decltype(t)>(b);
                     }));
    registry.add_cpu("threshold", by_precision([](const Binder& b, auto t) {
                         return bind_threshold<decltype(t)>(b);
                     }));
    registry.add_cpu("reset", by_precision([](const Binder& b, auto t) {
                         return bind_reset<decltype(t)>(b);
                     }));
    registry.add_cpu("mat_mult_weight", by_precision([](const Binder& b, auto t) {
                         return bind_dense_product<decltype(t)>(b, false);
                     }));
    registry.add_cpu("mat_linear", by_precision([](const Binder& b, auto t) {
                         return bind_dense_product<decltype(t)>(b, true);
                     }));
    registry.add_cpu("sparse_mat_mult_weight", by_precision([](const Binder& b, auto t) {
                         return bind_sparse_product<decltype(t)>(b);
                     }));
    registry.add_cpu("reduce_sum", by_precision([](const Binder& b, auto t) {
                         return bind_reduce_sum<decltype(t)>(b);
                     }));
    registry.add_cpu("cat", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_cat(Binder(op, ws));
    });
    registry.add_cpu("stack", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_stack(Binder(op, ws));
    });
    registry.add_cpu("index_select", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_index_select(Binder(op, ws));
    });
}

}  // namespace spikegraph