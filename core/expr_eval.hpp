#pragma once
// The one evaluator of expression trees, one value at a time, in double precision. Used at build
// time (constant coefficients, refractory periods, exact solvers, exponents of units), for
// values given once per object (per-synapse values) and for initial values (`-60 + 10*rand()`);
// the per-step paths compile trees into backend code instead, with the same meaning of every
// operator and function.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expr.hpp"
#include "core/random.hpp"

namespace spikegraph::expr {

/// A function of the expression language: Brian2's default set (exp log log10 expm1 log1p
/// exprel sqrt abs sign sin cos tan arcsin arccos arctan sinh cosh tanh floor ceil int clip
/// timestep rand randn) plus pow min max where and the initializer draws uniform normal.
struct FunctionInfo {
    std::string_view name;
    int arity = 0;
    double (*unary)(double) = nullptr;           // the deterministic one-argument functions
    double (*binary)(double, double) = nullptr;  // the deterministic two-argument functions
    std::string_view c_name;  // how emitted C++ calls `unary`/`binary` (the same function)
};

/// The function called `name`, or nullptr.
const FunctionInfo* find_function(std::string_view name);

/// Number of arguments of a known function (find_function) or of a timed array of the
/// thread's TimedArrayScope (1 or 2, core/timed_array.hpp), or -1.
int function_arity(std::string_view name);

/// Number of operands of a node of kind `k` that is not a call (a call's are its arity).
std::size_t operand_count(Kind k);

/// The names of every known function, in a fixed order (for "known: ..." and did-you-mean).
const std::vector<std::string>& function_names();

/// Returns the value of a symbol, or nullopt when it has no single value.
using SymbolLookup = std::function<std::optional<double>(const std::string&)>;

/// The value of `e`, or nullopt when it mentions a symbol without a value, calls rand()/randn()
/// (or another random function), calls an unknown function or is malformed.
std::optional<double> try_evaluate(const Ptr& e, const SymbolLookup& lookup);

/// Applies a deterministic call by name to evaluated arguments (exp, log, ..., where, clip);
/// nullopt for the random functions and unknown names or argument counts.
std::optional<double> apply_function(const std::string& name, const double* args, std::size_t n);

/// Applies an operator node's kind (neg, add, ..., logical_or) to evaluated operands (`b` is
/// unused by the unary ones); nullopt for a kind that is not an operator.
std::optional<double> apply_operator(Kind kind, double a, double b);

/// The Philox counter that the random calls of one evaluation draw from. Each call to rand(),
/// randn(), uniform(lo, hi) or normal(mu, sigma) takes draw(seed, stream, object, index, next)
/// and increments `next`; calls are numbered depth-first, left to right, and every argument is
/// evaluated (also both branches of where()), so the numbering depends only on the tree.
struct DrawCounter {
    std::uint64_t seed = 1;
    std::uint32_t stream = rng_stream::init;
    std::uint32_t object = 0;   // object_hash of the variable's name
    std::uint64_t index = 0;    // element index
    std::uint64_t next = 0;     // k of the next draw
};

/// Returns the value of a symbol; may throw for a name it does not know.
using SymbolValue = std::function<double(const std::string& name)>;

/// Evaluates `e` where every symbol has a value and random calls draw from `draws`.
/// Comparisons and logical operators give 1 or 0 (nonzero is true).
/// @throws ModelError for a null tree, an unknown function or a wrong number of arguments;
///         whatever `symbol` throws for an unknown symbol.
double evaluate(const Ptr& e, const SymbolValue& symbol, DrawCounter& draws);

}  // namespace spikegraph::expr
