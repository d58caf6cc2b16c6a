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
cpu::OpFactory by_precision(Bind bind) {
    return [bind](const OpSpec& op, cpu::Workspace& ws) -> std::unique_ptr<cpu::Kernel> {
        const Binder b(op, ws);
        if (ws.precision() == Precision::f32) return bind(b, float{});
        return bind(b, double{});
    };
}

template <class F>
cpu::OpFactory binary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_binary<decltype(t)>(b, f); });
}

template <class F>
cpu::OpFactory unary(F f) {
    return by_precision([f](const Binder& b, auto t) { return bind_unary<decltype(t)>(b, f); });
}

}  // namespace

void register_tensor_ops(OpRegistry& registry) {
    const auto add = [&](const char* kind, cpu::OpFactory factory) {
        registry.add<cpu::OpFactory>(kind, cpu::k_backend_name, std::move(factory));
    };
    add("add", binary(Add{}));
    add("minus", binary(Sub{}));
    add("mul", binary(Mul{}));
    add("div", binary(Div{}));
    add("var_mult", binary(Mul{}));
    add("exp", unary(Exp{}));
    add("relu", unary(Relu{}));
    add("sigmoid", unary(Sigmoid{}));
    add("var_linear", by_precision([](const Binder& b, auto t) {
                         return bind_var_linear<decltype(t)>(b);
                     }));
    add("threshold", by_precision([](const Binder& b, auto t) {
                         return bind_threshold<decltype(t)>(b);
                     }));
    add("reset", by_precision([](const Binder& b, auto t) {
                         return bind_reset<decltype(t)>(b);
                     }));
    add("mat_mult_weight", by_precision([](const Binder& b, auto t) {
                         return bind_dense_product<decltype(t)>(b, false);
                     }));
    add("mat_linear", by_precision([](const Binder& b, auto t) {
                         return bind_dense_product<decltype(t)>(b, true);
                     }));
    add("sparse_mat_mult_weight", by_precision([](const Binder& b, auto t) {
                         return bind_sparse_product<decltype(t)>(b);
                     }));
    add("reduce_sum", by_precision([](const Binder& b, auto t) {
                         return bind_reduce_sum<decltype(t)>(b);
                     }));
    add("cat", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_cat(Binder(op, ws));
    });
    add("stack", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_stack(Binder(op, ws));
    });
    add("index_select", [](const OpSpec& op, cpu::Workspace& ws) {
        return bind_index_select(Binder(op, ws));
    });
}

}  // namespace spikegraph