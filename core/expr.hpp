#pragma once
// The backend-neutral expression tree. The equation parser (frontend/) produces it, the solvers
// (builder/solvers/) rewrite it into per-step updates, and each backend lowers it: the CPU backend
// into a block-wise bytecode, the CUDA backend (later) into CUDA C++ for NVRTC. Nothing here
// assumes a CPU: no pointers into buffers, no evaluation order beyond the tree itself.
//
// Numbers are in spikegraph's internal unit system (ms, mV, pA, pF, nS, GOhm, kHz; see
// docs/units.md), so a dimensionally consistent expression needs no conversion factors.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace spikegraph {
struct TimedArray;  // core/timed_array.hpp
}

namespace spikegraph::expr {

/// 1-based position in the text an expression came from (0 where it has no source).
struct SourceLoc {
    int line = 0;
    int column = 0;
};

enum class Kind {
    constant,  // value
    symbol,    // name: a state variable, parameter, sub-expression, `t`, `dt`, `i`, `N`
    neg,       // -a
    add, sub, mul, div, pow,
    lt, le, gt, ge, eq, ne,  // comparisons: 1.0 when true, 0.0 when false
    logical_and, logical_or, logical_not,
    call,      // name(args...): a function of core/expr_eval.hpp (find_function), or a timed
               // array (Node::table)
};

struct Node;
using Ptr = std::shared_ptr<const Node>;

/// One immutable node. Trees are shared freely (solvers substitute sub-trees).
struct Node {
    Kind kind = Kind::constant;
    double value = 0.0;      // constant
    std::string name;        // symbol or call
    std::vector<Ptr> args;   // operands, in order
    SourceLoc loc;
    // A call of a timed array `name(t)` or `name(t, i)`: the array it reads (bound by the
    // dimension check, frontend/equations.cpp). Null for every other node.
    std::shared_ptr<const TimedArray> table;
};

Ptr constant(double value, SourceLoc loc = {});
Ptr symbol(std::string name, SourceLoc loc = {});
Ptr unary(Kind kind, Ptr a, SourceLoc loc = {});
Ptr binary(Kind kind, Ptr a, Ptr b, SourceLoc loc = {});
Ptr call(std::string name, std::vector<Ptr> args, SourceLoc loc = {});

/// Arithmetic helpers that fold constants (used by the solvers so that generated updates stay
/// small): add(c1, c2) is a constant, mul(x, 1) is x, mul(x, 0) is 0, and so on.
Ptr add(Ptr a, Ptr b);
Ptr sub(Ptr a, Ptr b);
Ptr mul(Ptr a, Ptr b);
Ptr div(Ptr a, Ptr b);
Ptr neg(Ptr a);

/// The same expression with constants folded bottom-up (0 + x -> x, 0 * x -> 0, -0 -> 0,
/// 0 / x -> 0, c1 op c2 -> c): what substitution leaves behind becomes small again.
Ptr simplify(const Ptr& e);

/// Replaces every symbol named in `names` by the matching tree in `with` (same length). Each
/// shared node is rewritten once, so the result shares as the input did.
Ptr substitute(const Ptr& e, const std::vector<std::string>& names, const std::vector<Ptr>& with);

/// True when `e` mentions symbol `name` anywhere.
bool depends_on(const Ptr& e, const std::string& name);

namespace detail {
/// depends_on for a tree whose nodes may be shared: nodes found not to depend on `name` are
/// added to `clear` and not visited again.
bool depends_on_shared(const Ptr& e, const std::string& name,
                       std::unordered_set<const Node*>& clear);
}  // namespace detail

/// Collects the distinct symbol names in `e`, in first-seen order.
void collect_symbols(const Ptr& e, std::vector<std::string>& out);

/// True when the tree calls rand() or randn().
bool uses_random(const Ptr& e);

/// Readable text, fully parenthesised where needed: for schedules, errors and docs.
std::string to_string(const Ptr& e);

/// The same text cut after about `max_chars` characters (ending in "..."): for messages, where a
/// tree that shares sub-trees (a solver's output, inlined sub-expressions) could print as text
/// exponentially longer than the tree itself.
std::string to_string(const Ptr& e, std::size_t max_chars);

/// The deepest tree any input may produce: every pass over a tree (unit check, solvers,
/// lowering, evaluation) recurses once per level, and this bound keeps that within a small
/// stack. A sum or product of n terms is n - 1 levels deep. The parser and the inlining of
/// sub-expressions refuse deeper trees.
constexpr std::size_t k_max_depth = 1000;

/// The deepest any text parser of spikegraph recurses (parentheses, calls, unary operators):
/// expressions, statements and quantities such as "((20 ms))".
constexpr int k_max_nesting = 256;

/// Levels of the tree (a constant or symbol is 1), computed without recursion, each shared node
/// once.
std::size_t depth(const Ptr& e);

/// Distinct nodes of the tree, each shared node counted once: the size of what a backend
/// compiles.
std::size_t node_count(const Ptr& e);

/// True when `a` and `b` are the same tree (same kinds, values, names and operands).
bool equal(const Ptr& a, const Ptr& b);

/// Symbolic derivative d e / d name (for linearity detection and exact solvers); returns nullptr
/// where a call has no derivative rule (min, max, where, rand, ...).
Ptr derivative(const Ptr& e, const std::string& name);

}  // namespace spikegraph::expr
