#include "core/timed_array.hpp"

#include <algorithm>

namespace spikegraph {

namespace {
thread_local const TimedArrayScope* t_scope = nullptr;
}  // namespace

double TimedArray::at(double t_ms, double i) const {
    return timed_array_value(values, static_cast<std::int64_t>(rows),
                             static_cast<std::int64_t>(columns), epsilon_ms, upsampling, scale,
                             t_ms, i);
}

double timed_array_upsampling(double sim_dt_ms, double array_dt_ms) {
    return std::max(std::exp2(std::ceil(std::log2(8.0 / sim_dt_ms * array_dt_ms))), 1.0);
}

bool timed_array_locally_constant(const TimedArray& a, double sim_dt_ms) {
    if (sim_dt_ms > a.dt_ms) return false;
    const double ratio = a.dt_ms / sim_dt_ms;
    return std::floor(ratio) == ratio;
}

const char* timed_array_source() {
    // Keep in step with timed_array_value (core/timed_array.hpp). SPIKEGRAPH_HOST_DEVICE comes
    // from the Philox source that precedes it in every prelude.
    return "SPIKEGRAPH_HOST_DEVICE inline double sg_timed_array(const double* v, long long rows, long long columns,\n"
           "    double epsilon, double upsampling, double scale, double t, double i) {\n"
           "    const double q = (t / epsilon + 0.5) / upsampling;\n"
           "    long long row = 0;\n"
           "    if (q >= (double)rows) row = rows - 1;\n"
           "    else if (q >= 1.0) row = (long long)q;\n"
           "    if (columns == 0) return v[row] * scale;\n"
           "    if (!(i >= 0.0) || i >= (double)columns) return NAN;\n"
           "    return v[row * columns + (long long)i] * scale;\n"
           "}\n";
}

TimedArrayScope::TimedArrayScope(std::vector<std::shared_ptr<const TimedArray>> arrays)
    : arrays_(std::move(arrays)), outer_(t_scope) {
    t_scope = this;
}

TimedArrayScope::~TimedArrayScope() { t_scope = outer_; }

std::shared_ptr<const TimedArray> find_timed_array(std::string_view name) {
    if (!t_scope) return nullptr;
    for (const auto& a : t_scope->arrays_)
        if (a->name == name) return a;
    return nullptr;
}

std::vector<std::string> timed_array_names() {
    std::vector<std::string> out;
    if (t_scope)
        for (const auto& a : t_scope->arrays_) out.push_back(a->name);
    return out;
}

}  // namespace spikegraph
