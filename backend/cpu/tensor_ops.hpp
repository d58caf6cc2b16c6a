#pragma once
// SPAIC's basic tensor operations as CPU kernels: elementwise arithmetic with broadcasting,
// activations, threshold and reset, dense and CSR matrix products, cat, stack, reduce_sum and
// index_select. Each factory checks arity, shapes and dtypes when the op is bound and throws
// BuildError naming the op, the variable, the shape found and the shape expected.
//
// Real-valued variables must have the simulation's precision (float32 or float64). Kernels
// split large work (more than 32768 elements or multiply-adds) into fixed-size blocks run with
// oneTBB; every output element is computed by one block in a fixed order, so results are
// identical for any thread count.
//
// Op kinds and their contract (out = outputs[0]):
//   add, minus, mul, div, var_mult   out = a op b. Each input is either out's shape, a vector
//                                    of out's last-axis length (broadcast over the leading
//                                    axes) or a single value.
//   exp, relu, sigmoid               out = f(a), a has out's shape.
//   var_linear                       inputs x, a, b: out = a * x + b (a, b broadcast as above).
//   threshold                        inputs x, thr: out = 1 where x > thr else 0; out is uint8
//                                    or real.
//   reset                            inputs x, spike (uint8 or real, x's shape), params
//                                    {"value": v}: out = v where spike != 0 else x.
//   mat_mult_weight                  x [..., pre], W [pre, post] -> out [..., post] = x W.
//   mat_linear                       x, W, bias [post] -> x W + bias.
//   sparse_mat_mult_weight           x [..., pre], CSR indptr (int64 [pre + 1]), indices
//                                    (int32 [nnz]), weights (real [nnz]) -> out [..., post].
//                                    Event-driven: only rows with x != 0 are visited.
//   cat                              inputs a, b, ... joined along params "axis" (default -1).
//   stack                            inputs of one shape, a new axis at params "axis"
//                                    (default 0).
//   reduce_sum                       sum along params "axis" (default -1); out has that axis
//                                    removed or kept with length 1.
//   index_select                     input x, params "indices" (list) and "axis" (default -1).
// Axes may be negative (counted from the end, as in numpy). cat, stack and index_select copy
// any dtype; every input must then have out's dtype.
//
// The three matrix products honour WriteMode::accumulate on their output (out += x W, for
// synaptic input such as `ge += w`); with assign or modify they overwrite it. They count
// synaptic events: one per (nonzero x, post column) pair, or per stored synapse for CSR. The
// other ops overwrite their output and reject accumulate.

namespace spikegraph {

class OpRegistry;

/// Registers every tensor op above with the CPU backend of `registry`.
void register_tensor_ops(OpRegistry& registry);

}  // namespace spikegraph
