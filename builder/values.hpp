#pragma once
// Parsing and checking user values (ValueSpec) at build time: dimension, constness, location.

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/expr.hpp"
#include "core/time_steps.hpp"
#include "core/units.hpp"
#include "frontend/equations.hpp"
#include <spikegraph/value_spec.hpp>

namespace spikegraph::detail {

struct ParsedValue {
    expr::Ptr expr;                  // unit names resolved to internal-unit numbers
    Dimension dim;
    std::optional<double> constant;  // when it is one number for every element
};

/// Parses and dimension-checks `v`. `origin` is used when `v` carries none. Symbols in
/// `constants` (shared parameter values) are substituted; `symbols` gives further dimensions
/// (e.g. `i`, `j`). @throws ConfigError (located) on a syntax or dimension error.
ParsedValue parse_value(const ValueSpec& v, const TextOrigin& origin, const SymbolDims& symbols,
                        const std::map<std::string, double>& constants = {});

/// Throws a located ConfigError unless `value` has dimension `expected`.
void expect_dimension(const ParsedValue& value, Dimension expected, const ValueSpec& v,
                      const TextOrigin& origin, const std::string& what);

/// `v.origin` when it has a location, else `fallback`.
TextOrigin origin_of(const ValueSpec& v, const TextOrigin& fallback);

/// A config error at `origin`: "file:line:col: key: message".
[[noreturn]] void config_error(const TextOrigin& origin, const std::string& message);

/// A group's or input's size: at least 1 and at most k_max_population_size; else a config error
/// at `origin`.
void check_population_size(std::size_t size, const TextOrigin& origin);

/// ms_to_steps (core/time_steps.hpp), with a time that cannot be counted in at most
/// `max_steps` steps reported as a config error at `at` naming the limit.
std::int64_t to_steps(double ms, double dt_ms, const TextOrigin& at,
                      std::int64_t max_steps = k_max_steps, const char* what = "time");

}  // namespace spikegraph::detail
