#pragma once
// The tensor kernels that are not elementwise, bound per op (tensor_ops.hpp states their
// contracts): matrix products (tensor_products.cpp) and shape ops (tensor_shape_ops.cpp).

#include <memory>

#include "backend/cpu/kernel.hpp"
#include "backend/cpu/tensor_binder.hpp"

namespace spikegraph::cpu::tensor {

/// mat_mult_weight, or mat_linear `with_bias`.
template <class T>
std::unique_ptr<cpu::Kernel> bind_dense_product(const Binder& b, bool with_bias);

/// sparse_mat_mult_weight.
template <class T>
std::unique_ptr<cpu::Kernel> bind_sparse_product(const Binder& b);

template <class T>
std::unique_ptr<cpu::Kernel> bind_reduce_sum(const Binder& b);

std::unique_ptr<cpu::Kernel> bind_cat(const Binder& b);
std::unique_ptr<cpu::Kernel> bind_stack(const Binder& b);
std::unique_ptr<cpu::Kernel> bind_index_select(const Binder& b);

}  // namespace spikegraph::cpu::tensor
