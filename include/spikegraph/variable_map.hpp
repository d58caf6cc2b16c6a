#pragma once
// Name-to-array maps: how the functional form hands state and parameters in and out, in
// internal units (docs/units.md) or, for with_parameters, as values with units.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace spikegraph {

/// Qualified variable name ("neurons.v") -> host copy, row-major in the variable's shape, in
/// the variable's internal unit (mV, ms, nS, kHz, ...: docs/units.md).
using VariableMap = std::map<std::string, std::vector<double>>;

/// The entry of a state map that holds the index of the next step (t = step * dt): state maps
/// carry time, so that evolving from one continues the input streams where it left off.
inline constexpr std::string_view k_step_entry = "step";

/// Values of one variable with their unit, for Simulation::with_parameters: either one
/// quantity for every element (`"20 Hz"`, `"-50 mV"`, `"0.5 * nS"`) or one number per element
/// with the unit they are in (`UnitValues({10, 20, 30}, "Hz")`).
struct UnitValues {
    std::vector<double> values;  // empty: `text` holds one quantity for every element
    std::string text;            // a quantity ("20 Hz") or, with `values`, a unit ("Hz")

    UnitValues(const char* quantity) : text(quantity) {}           // NOLINT: "20 Hz" reads well
    UnitValues(std::string quantity) : text(std::move(quantity)) {}  // NOLINT
    UnitValues(std::vector<double> numbers, std::string unit)
        : values(std::move(numbers)), text(std::move(unit)) {}
};

/// Qualified variable name -> values with units: `{{"inputs.rate", "20 Hz"}}`.
using UnitValueMap = std::map<std::string, UnitValues>;

}  // namespace spikegraph
