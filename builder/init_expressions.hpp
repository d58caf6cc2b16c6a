#pragma once
// Initial values that read other variables of their group (Brian: `u = b * v` with a per-neuron
// `b`, `v = E_L + I_0 * R` through a sub-expression): parsed and ordered by build_group, then
// evaluated on the host in dependency order once the seed is known, so that each reads the
// values the others will actually start with (their random draws included).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "builder/group_builder.hpp"
#include "builder/values.hpp"
#include "frontend/equations.hpp"
#include <spikegraph/value_spec.hpp>

namespace spikegraph::detail {

struct InitValue {
    ParsedValue value;               // sub-expressions inlined, shared parameters substituted
    std::vector<std::string> reads;  // per-neuron parameters and state variables it reads
};

/// Parses the init value `v` of a group: it may use the group's parameters, sub-expressions and
/// state variables (`eq` checked, `dims` every name the group defines), t (= 0), dt, i, N and the
/// network's parameters. `shared` are the shared parameters' values, `n` the group size.
/// @throws ConfigError (located) on a syntax or dimension error or an unknown name.
InitValue parse_init(const ValueSpec& v, const TextOrigin& origin, const Equations& eq,
                     const SymbolDims& dims, const std::map<std::string, double>& shared,
                     std::size_t n, double dt_ms);

/// Sorts `g.dependent_inits` so that each comes after those it reads.
/// @throws ConfigError located at an init value on a cycle, naming every variable on it.
void order_dependent_inits(BuiltGroup& g);

/// Evaluates the dependent init values of `g` in order and stores them as data initializers
/// (every batch entry; random calls draw as the expression initializer draws).
/// @throws BuildError as the initializers would.
void evaluate_dependent_inits(BuiltGroup& g, std::uint64_t seed);

}  // namespace spikegraph::detail
