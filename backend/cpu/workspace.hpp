#pragma once
// What a CPU kernel factory sees while binding an op: the plan, the buffers by name, the
// options. Kernels keep raw pointers into the buffers; the workspace outlives them.

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/cpu/buffer.hpp"
#include "backend/executor.hpp"
#include "builder/plan.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::cpu {

class Workspace {
public:
    Workspace(const Plan& plan, const ExecutorOptions& options);

    const Plan& plan() const { return plan_; }
    std::size_t batch() const { return plan_.batch; }
    Precision precision() const { return plan_.precision; }
    int threads() const { return options_.threads; }
    std::int64_t record_block_steps() const { return options_.record_block_steps; }

    /// The buffer of a variable; throws BuildError naming the op when it does not exist.
    Buffer& buffer(const std::string& var);
    const VariableSpec& spec(const std::string& var) const;
    bool has(const std::string& var) const { return index_.count(var) != 0; }

    /// The sink wired to a monitor op, or nullptr when none was given.
    RecordSink* sink(const std::string& op_name) const;

    std::vector<Buffer>& buffers() { return buffers_; }

    /// While an op is bound, its read redirects apply to buffer() (nullptr: none).
    void set_redirects(const std::map<std::string, std::string>* redirects) {
        redirects_ = redirects;
    }

private:
    const Plan& plan_;
    ExecutorOptions options_;
    std::vector<Buffer> buffers_;
    std::unordered_map<std::string, std::size_t> index_;
    const std::map<std::string, std::string>* redirects_ = nullptr;
};

}  // namespace spikegraph::cpu
