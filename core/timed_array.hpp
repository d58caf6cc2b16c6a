#pragma once
// A timed array: values sampled every `dt_ms`, read in expressions as `name(t)` (one value for
// every neuron) or `name(t, i)` (one column per neuron), with Brian2's TimedArray semantics:
// piecewise constant, the value at time t is row int((t / epsilon + 0.5) / K) with
// epsilon = dt_array / K, where K (a power of two >= 8 dt_array / dt) absorbs the rounding of
// t; before the first row the first row, past the last row the last row. A column index out of
// range gives NaN, as in Brian.
//
// The data are loaded once (memory-mapped when large) and shared by every expression that
// reads the array: a lowered program holds a pointer to this object, never a copy of its data.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace spikegraph {

struct TimedArray {
    std::string name;
    std::size_t rows = 0;     // time samples
    std::size_t columns = 0;  // 0: a 1-D array (`name(t)`); else `name(t, i)`, i < columns
    double dt_ms = 1.0;       // sampling step of the array [ms]
    double upsampling = 1.0;  // Brian's K for the simulation's dt
    double epsilon_ms = 1.0;  // dt_ms / upsampling [ms]
    double scale = 1.0;       // file value -> internal units
    Dimension unit;           // of the values
    const double* values = nullptr;  // rows x max(columns, 1), C order, in the file's unit
    std::shared_ptr<const void> storage;
    double min_value = 0.0, max_value = 0.0;  // over all values, in internal units

    /// The value at time `t_ms` (and column `i` of a 2-D array), in internal units.
    double at(double t_ms, double i) const;
};

/// Brian's upsampling factor K = max(2^ceil(log2(8 dt_array / dt)), 1) (brian2/input/
/// timedarray.py, _find_K).
double timed_array_upsampling(double sim_dt_ms, double array_dt_ms);

/// Whether the array is constant over each simulation step (dt_array an integer multiple of
/// dt), so that the exact solver may hold its value for a step (Brian's is_locally_constant).
bool timed_array_locally_constant(const TimedArray& a, double sim_dt_ms);

/// The lookup shared by the interpreter, the prologue and (as text, timed_array_source()) the
/// generated C code: the same operations in the same order, so every path reads the same value.
inline double timed_array_value(const double* v, std::int64_t rows, std::int64_t columns,
                                double epsilon, double upsampling, double scale, double t,
                                double i) {
    const double q = (t / epsilon + 0.5) / upsampling;
    std::int64_t row = 0;
    if (q >= static_cast<double>(rows)) row = rows - 1;
    else if (q >= 1.0) row = static_cast<std::int64_t>(q);
    if (columns == 0) return v[row] * scale;
    if (!(i >= 0.0) || i >= static_cast<double>(columns)) return NAN;
    return v[row * columns + static_cast<std::int64_t>(i)] * scale;
}

/// The C++ text of `sg_timed_array`, the same function as timed_array_value, for generated code
/// (after the Philox source, which defines SPIKEGRAPH_HOST_DEVICE).
const char* timed_array_source();

/// While alive, the arrays in `arrays` are callable by name in expressions parsed and checked
/// on this thread (expr::function_arity knows them; the dimension check binds the call to the
/// array). Scopes nest; the innermost wins. The builder holds one while it builds a plan.
class TimedArrayScope {
public:
    explicit TimedArrayScope(std::vector<std::shared_ptr<const TimedArray>> arrays);
    ~TimedArrayScope();
    TimedArrayScope(const TimedArrayScope&) = delete;
    TimedArrayScope& operator=(const TimedArrayScope&) = delete;

private:
    std::vector<std::shared_ptr<const TimedArray>> arrays_;
    const TimedArrayScope* outer_;
    friend std::shared_ptr<const TimedArray> find_timed_array(std::string_view name);
    friend std::vector<std::string> timed_array_names();
};

/// The array called `name` in the innermost TimedArrayScope of this thread, or nullptr.
std::shared_ptr<const TimedArray> find_timed_array(std::string_view name);

/// The names of the arrays in the innermost scope (for "did you mean").
std::vector<std::string> timed_array_names();

}  // namespace spikegraph
