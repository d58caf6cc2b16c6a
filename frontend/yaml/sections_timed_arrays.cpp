// The `timed_arrays` section: named arrays of values sampled in time, from a file or inline.
//
//     timed_arrays:
//       I_stim: {file: stim.npy, dt: 1 ms, unit: nA}
//       r_stim: {values: [5, 20, 5], dt: 100 ms, unit: Hz}

#include "frontend/yaml/loader.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/text.hpp"
#include "core/units.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::detail::yaml_loader {

std::string Loader::data_path(const YAML::Node& n, const std::string& path) const {
    const std::string text = scalar(n, path);
    if (text.empty()) fail(n, path, "expected a file name, e.g. stim.npy");
    const std::filesystem::path p(text);
    if (p.is_absolute() || file().empty() || file() == "--set") return text;
    return (std::filesystem::path(file()).parent_path() / p).string();
}

void Loader::read_timed_arrays(const YAML::Node& arrays) {
    for (const auto& [key, node] : entries(arrays, "timed_arrays")) {
        const std::string name = key.Scalar();
        const std::string path = child("timed_arrays", name);
        if (!detail::is_identifier(name))
            fail(key, path, fmt::format("'{}' is not a valid name; use letters, digits and '_' "
                                        "(e.g. I_stim)", detail::quote_input(name)));
        for (const auto& a : net_.timed_arrays)
            if (a.name == name)
                fail(key, path, fmt::format("the timed array '{}' is defined twice", name));
        expect_mapping(key, node, path, "{file: stim.npy, dt: 1 ms, unit: nA}");
        check_keys(node, path, {"file", "values", "dt", "unit"});
        const bool has_file = static_cast<bool>(node["file"]);
        const bool has_values = static_cast<bool>(node["values"]);
        if (has_file == has_values)
            fail(node, path, "give either 'file' (a .npy or .csv file, e.g. file: stim.npy) or "
                             "'values' (a list, e.g. values: [0, 1, 0]), not both or neither");
        const auto dt_node = required(node, path, "dt", "the time between two values, e.g. dt: 1 ms");
        time_ms(dt_node, child(path, "dt"), true, "1 ms");
        std::string unit = "1";
        if (const auto u = node["unit"]) {
            unit = scalar(u, child(path, "unit"));
            try {
                (void)parse_quantity(unit == "1" ? "1" : "1 " + unit);
            } catch (const ConfigError&) {
                fail(u, child(path, "unit"),
                     fmt::format("unknown unit \"{}\"; give the unit of the values, e.g. nA, mV, "
                                 "Hz or 1 (no unit)", detail::quote_input(unit)));
            }
        }
        TimedArraySpec& a = has_file
                                ? net_.add_timed_array(name, data_path(node["file"], child(path, "file")),
                                                       value(dt_node, child(path, "dt")), unit)
                                : net_.add_timed_array(name, std::vector<double>{},
                                                       value(dt_node, child(path, "dt")), unit);
        if (has_values) {
            const std::string vpath = child(path, "values");
            const auto list = items(node["values"], vpath);
            if (list.empty()) fail(node["values"], vpath, "the list of values is empty");
            for (std::size_t k = 0; k < list.size(); ++k) {
                const std::string at = element(vpath, k);
                const std::string text = scalar(list[k], at);
                try {
                    const Quantity q = parse_quantity(text);
                    if (!q.dim.dimensionless()) throw ConfigError("");
                    a.values.push_back(q.value);
                } catch (const ConfigError&) {
                    fail(list[k], at, fmt::format("expected a plain number (the unit is given "
                                                  "once, by 'unit'), got \"{}\"",
                                                  detail::quote_input(text)));
                }
            }
        }
        a.origin = origin(node, path);
    }
}

}  // namespace spikegraph::detail::yaml_loader
