#include "backend/cpu/workspace.hpp"

#include <fmt/format.h>

namespace spikegraph::cpu {

Workspace::Workspace(const Plan& plan, const ExecutorOptions& options)
    : plan_(plan), options_(options) {
    buffers_.reserve(plan.variables.size());
    for (std::size_t k = 0; k < plan.variables.size(); ++k) {
        const auto& v = plan.variables[k];
        buffers_.emplace_back(v.dtype, v.size());
        index_.emplace(v.name, k);
    }
}

Buffer& Workspace::buffer(const std::string& name) {
    std::string var = name;
    if (redirects_)
        if (auto r = redirects_->find(name); r != redirects_->end()) var = r->second;
    auto it = index_.find(var);
    if (it == index_.end())
        throw BuildError(fmt::format("no variable '{}' in the plan (an op refers to it)", var));
    return buffers_[it->second];
}

const VariableSpec& Workspace::spec(const std::string& var) const {
    auto it = index_.find(var);
    if (it == index_.end())
        throw BuildError(fmt::format("no variable '{}' in the plan (an op refers to it)", var));
    return plan_.variables[it->second];
}

RecordSink* Workspace::sink(const std::string& op_name) const {
    auto it = options_.sinks.find(op_name);
    return it == options_.sinks.end() ? nullptr : it->second;
}

}  // namespace spikegraph::cpu
