// The `parameters` section: named values with units that every expression of the config may use
// (frontend/parameters.hpp), and counts (sizes, degrees) given by them.

#include "frontend/yaml/loader.hpp"

#include <cmath>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"
#include "core/text.hpp"
#include "frontend/config_location.hpp"
#include "frontend/equations.hpp"

namespace spikegraph::detail::yaml_loader {

void Loader::read_parameters(const YAML::Node& parameters) {
    for (const auto& [key, node] : entries(parameters, "parameters")) {
        const std::string name = key.Scalar();
        const std::string path = child("parameters", name);
        if (!node.IsScalar())
            fail(node.IsNull() ? key : node, path,
                 fmt::format("expected a value with its unit (e.g. {}: 0.1 mV) or an expression "
                             "of other parameters (e.g. {}: -g * J), got {}",
                             name, name, describe(node)));
        net_.parameters[name] = value(node, path);
    }
}

std::uint64_t Loader::count(const YAML::Node& n, const std::string& path, std::uint64_t min,
                            const std::string& example, std::uint64_t max) const {
    std::uint64_t v = 0;
    const std::string text = scalar(n, path);
    // A plain integer, or (with parameters) an expression of them: `size: N_E`.
    if (parse_uint(text, v) || net_.parameters.empty()) return integer(n, path, min, example, max);
    const TextOrigin at = origin(n, path, true);
    Checked c;
    try {
        c = check_expression(parse_expression(text, at), {}, at);
    } catch (const ModelError& e) {
        throw ConfigError(e.what(), config_location(at));
    }
    const auto value = expr::try_evaluate(c.expr, {});
    if (!c.dim.dimensionless() || !value || !(*value >= static_cast<double>(min)) ||
        !(*value <= static_cast<double>(max)) || std::floor(*value) != *value)
        fail(n, path, fmt::format("expected {} integer (e.g. {}), got \"{}\"{}",
                                  min > 0 ? "a positive" : "a non-negative", example,
                                  detail::quote_input(text),
                                  value ? fmt::format(" = {}{}", *value,
                                                      c.dim.dimensionless()
                                                          ? ""
                                                          : " " + c.dim.to_string())
                                        : ""));
    return static_cast<std::uint64_t>(*value);
}

GroupRef Loader::group_ref(const std::string& text, const TextOrigin& at) const {
    if (net_.parameters.empty()) return GroupRef::parse(text, at);
    return GroupRef::parse(text, at, [&](std::string_view bound, std::size_t& index) {
        Checked c;
        try {
            c = check_expression(parse_expression(std::string(bound), at), {}, at);
        } catch (const ModelError&) {
            return false;
        }
        const auto value = expr::try_evaluate(c.expr, {});
        if (!c.dim.dimensionless() || !value || !(*value >= 0) || !(*value <= 0x1p53) ||
            std::floor(*value) != *value)
            return false;
        index = static_cast<std::size_t>(*value);
        return true;
    });
}

}  // namespace spikegraph::detail::yaml_loader
