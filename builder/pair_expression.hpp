#pragma once
// An expression of a candidate synapse (i, j) and of its pre and post neurons' values, compiled
// once into a flat program: a rule that must look at every pair (Connectivity::condition, an
// expression for p) then costs a few nanoseconds per pair instead of a tree walk with symbol
// look-ups by name. Evaluated with the meaning of core's evaluator (expr::apply_operator,
// expr::apply_function), in double precision.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/expr.hpp"

namespace spikegraph::detail {

class PairExpression {
public:
    /// Where a symbol's value comes from: the pre index i, the post index j, or a per-neuron
    /// array of the pre or post group (one value: shared; else indexed by i or j).
    struct Source {
        enum class Kind { i, j, pre, post } kind = Kind::i;
        std::shared_ptr<const std::vector<double>> values;
    };

    /// `e` has only symbols that `source` knows (it throws for others), numbers, operators and
    /// deterministic calls. i = pre_begin + row and j = post_begin + col.
    PairExpression(const expr::Ptr& e, const std::function<Source(const std::string&)>& source,
                   std::size_t pre_begin, std::size_t post_begin);

    /// The value for the pair (row, col) of the slices; `stack` is scratch space of the caller
    /// (one per thread).
    double operator()(std::size_t row, std::size_t col, std::vector<double>& stack) const;

private:
    struct Step {
        enum class Op : std::uint8_t { constant, load_i, load_j, load_pre, load_post, unary,
                                       binary, square, call } op = Op::constant;
        expr::Kind kind = expr::Kind::constant;
        double value = 0.0;
        std::size_t slot = 0;   // load_pre / load_post: index into arrays_
        std::size_t args = 0;   // call
        std::string name;       // call
    };
    void compile(const expr::Ptr& e, const std::function<Source(const std::string&)>& source);

    std::vector<Step> program_;
    std::vector<std::shared_ptr<const std::vector<double>>> arrays_;
    std::size_t pre_begin_, post_begin_;
};

}  // namespace spikegraph::detail
