#include "builder/values.hpp"

#include <cmath>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "builder/op_payloads.hpp"
#include "core/expr_eval.hpp"
#include "core/finite_check.hpp"
#include "frontend/config_location.hpp"
#include "core/time_steps.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {

TextOrigin origin_of(const ValueSpec& v, const TextOrigin& fallback) {
    if (!v.origin.file.empty() || !v.origin.key.empty()) return v.origin;
    return fallback;
}

void config_error(const TextOrigin& origin, const std::string& message) {
    throw config_error_at(origin, message);
}

void check_population_size(std::size_t size, const TextOrigin& origin) {
    if (size == 0) config_error(origin, "size must be at least 1");
    if (size > k_max_population_size)
        config_error(origin, fmt::format("size {} is more than the largest group, {} (2^31 - 1: "
                                         "neuron indices are 32-bit); split it into several groups",
                                         size, k_max_population_size));
}

ParsedValue parse_value(const ValueSpec& v, const TextOrigin& fallback, const SymbolDims& symbols,
                        const std::map<std::string, double>& constants) {
    const TextOrigin origin = origin_of(v, fallback);
    if (v.text.empty()) config_error(origin, "the value is empty");
    ParsedValue out;
    try {
        const expr::Ptr e = parse_expression(v.text, origin);
        auto checked = check_expression(e, symbols, origin);
        out.expr = checked.expr;
        out.dim = checked.dim;
    } catch (const ModelError& err) {
        throw ConfigError(err.what(), config_location(origin));
    }
    if (!constants.empty()) {
        std::vector<std::string> names;
        std::vector<expr::Ptr> values;
        for (const auto& [k, c] : constants) names.push_back(k), values.push_back(expr::constant(c));
        out.expr = expr::substitute(out.expr, names, values);
    }
    if (const auto bad = expr::find_non_finite(out.expr))
        config_error(origin, fmt::format("\"{}\" is not a finite number: {}; give a finite value",
                                         v.text, expr::describe(*bad)));
    if (!expr::uses_random(out.expr)) {
        out.constant = expr::try_evaluate(out.expr, [](const std::string&) -> std::optional<double> {
            return std::nullopt;
        });
    }
    return out;
}

void expect_dimension(const ParsedValue& value, Dimension expected, const ValueSpec& v,
                      const TextOrigin& origin, const std::string& what) {
    if (value.dim == expected) return;
    const TextOrigin at = origin_of(v, origin);
    // The location already names the key when it has one; saying it twice adds nothing.
    const std::string prefix = at.key == what ? "" : what + ": ";
    config_error(at,
                 fmt::format("{}expected {} (e.g. \"{}\"), got \"{}\" ({})", prefix,
                             expected.dimensionless() ? "a dimensionless number"
                                                      : "a value in " + expected.to_string(),
                             expected.example(), v.text,
                             value.dim.dimensionless() ? "dimensionless" : value.dim.to_string()));
}

std::int64_t to_steps(double ms, double dt_ms, const TextOrigin& at, std::int64_t max_steps,
                      const char* what) {
    if (const std::string problem = steps_problem(ms, dt_ms, max_steps, what); !problem.empty())
        config_error(at, problem);
    return ms_to_steps(ms, dt_ms, max_steps, what);
}

}  // namespace spikegraph::detail
