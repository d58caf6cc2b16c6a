#include "backend/cpu/cpu_executor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "backend/cpu/initializers.hpp"
#include "backend/cpu/stages.hpp"
#include "backend/cpu/workspace.hpp"
#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// SPIKEGRAPH_FUSE=0 runs every kernel on its own (for comparisons and the tests).
bool fusion_enabled() {
    const char* v = std::getenv("SPIKEGRAPH_FUSE");
    return !(v && std::string(v) == "0");
}

template <class Dst, class Src>
void convert(Dst* dst, const Src* src, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) dst[k] = static_cast<Dst>(src[k]);
}

// Kernels [first, last) of the step, run as one (plan_stages).
struct Stage {
    std::size_t first, last;
    std::size_t parts;  // most parts of its kernels; 0 for a single kernel that does not split
};

class CpuExecutor final : public Executor {
public:
    CpuExecutor(const Plan& plan, const ExecutorOptions& options)
        : plan_(plan), ws_(plan_, options), arena_(std::max(1, options.threads)),
          profile_(options.profile) {
        auto bind = [&](const OpSpec& op) {
            const CpuOpFactory* factory = op_registry().find_cpu(op.kind);
            if (!factory)
                throw BuildError(fmt::format(
                    "op '{}' is of kind '{}', which the cpu backend does not know; known kinds: "
                    "{} (register it with register_op)",
                    op.name, op.kind, fmt::join(op_registry().cpu_kinds(), ", ")));
            ws_.set_redirects(&op.read_redirects);
            auto kernel = (*factory)(op, ws_);
            ws_.set_redirects(nullptr);
            return kernel;
        };
        arena_.execute([&] {
            for (const auto& op : plan_.initial_ops) initial_kernels_.push_back(bind(op));
            for (const auto& op : plan_.ops) kernels_.push_back(bind(op));
        });
        for (const auto& s : plan_.snapshots)
            snapshots_.emplace_back(&ws_.buffer(s.var), &ws_.buffer(s.snapshot));
        ctx_.dt_ms = plan_.dt_ms;
        ctx_.seed = plan_.seed;
        plan_stages();
        if (profile_) op_seconds_.assign(kernels_.size(), 0.0);
    }

    void initial_step() override {
        for (std::size_t k = 0; k < plan_.variables.size(); ++k)
            initialize(ws_.buffers()[k], plan_.variables[k], plan_.seed);
        ctx_.step = 0;
        ctx_.t_ms = 0.0;
        events_offset_ = 0 - kernel_events();
        arena_.execute([&] {
            for (auto& k : initial_kernels_) k->run(ctx_);
        });
        variables_written();
    }

    void step() override {
        arena_.execute([&] { one_step(); });
    }

    void run_steps(std::int64_t n) override {
        arena_.execute([&] {
            for (std::int64_t k = 0; k < n; ++k) one_step();
        });
    }

    std::int64_t run_steps_until(std::int64_t n, const std::atomic<bool>& stop) override {
        std::int64_t k = 0;
        arena_.execute([&] {
            for (; k < n && !stop.load(std::memory_order_relaxed); ++k) one_step();
        });
        return k;
    }

    std::int64_t current_step() const override { return ctx_.step; }

    void set_step(std::int64_t step) override {
        if (step < 0)
            throw SimulationError(fmt::format("cannot set the step counter to {}; it must be >= 0", step));
        ctx_.step = step;
        ctx_.t_ms = static_cast<double>(step) * plan_.dt_ms;
    }

    std::vector<double> read(const std::string& var) const override {
        auto& ws = const_cast<Workspace&>(ws_);
        const Buffer& b = ws.buffer(var);
        std::vector<double> out(b.size());
        switch (b.type()) {
            case DType::f32: convert(out.data(), b.as<float>(), b.size()); break;
            case DType::f64: convert(out.data(), b.as<double>(), b.size()); break;
            case DType::i32: convert(out.data(), b.as<std::int32_t>(), b.size()); break;
            case DType::i64: convert(out.data(), b.as<std::int64_t>(), b.size()); break;
            case DType::u8: convert(out.data(), b.as<std::uint8_t>(), b.size()); break;
        }
        return out;
    }

    void write(const std::string& var, const std::vector<double>& values) override {
        Buffer& b = ws_.buffer(var);
        if (values.size() != b.size())
            throw SimulationError(fmt::format("cannot write {} values into '{}', which holds {}",
                                              values.size(), var, b.size()));
        switch (b.type()) {
            case DType::f32: convert(b.as<float>(), values.data(), b.size()); break;
            case DType::f64: convert(b.as<double>(), values.data(), b.size()); break;
            case DType::i32: convert(b.as<std::int32_t>(), values.data(), b.size()); break;
            case DType::i64: convert(b.as<std::int64_t>(), values.data(), b.size()); break;
            case DType::u8: convert(b.as<std::uint8_t>(), values.data(), b.size()); break;
        }
        variables_written();
    }

    std::vector<std::byte> read_bytes(const std::string& var) const override {
        const Buffer& b = const_cast<Workspace&>(ws_).buffer(var);
        const auto* p = static_cast<const std::byte*>(b.raw());
        return std::vector<std::byte>(p, p + b.bytes());
    }

    void write_bytes(const std::string& var, const std::byte* data, std::size_t size) override {
        Buffer& b = ws_.buffer(var);
        if (size != b.bytes())
            throw SimulationError(fmt::format(
                "cannot write {} bytes into '{}', which holds {} bytes ({} values of {})", size,
                var, b.bytes(), b.size(), dtype_name(b.type())));
        if (size > 0) std::memcpy(b.raw(), data, size);
        variables_written();
    }

    std::uint64_t synaptic_events() const override { return kernel_events() + events_offset_; }

    std::vector<OpTime> op_times() const override {
        std::vector<OpTime> out;
        for (std::size_t k = 0; k < op_seconds_.size(); ++k)
            out.push_back({plan_.ops[k].name, plan_.ops[k].kind, op_seconds_[k], stage_of_[k]});
        return out;
    }

    void set_synaptic_events(std::uint64_t events) override {
        // The delivery kernels keep their own counters; an offset makes the sum read `events`.
        events_offset_ = events - kernel_events();
    }

private:
    void variables_written() {
        for (auto& k : kernels_) k->variables_written();
    }

    std::uint64_t kernel_events() const {
        std::uint64_t n = 0;
        for (const auto& k : kernels_) n += k->synaptic_events();
        return n;
    }

    // Stages. Consecutive partitioned kernels (Kernel::partition) run as one stage, with one
    // fork and join per step for all of them, when no two of them could race
    // (may_share_stage). Part p of the stage runs part p of each kernel in plan order, so every
    // neuron sees its kernels in the serial order: the results are those of running them one
    // by one.
    void plan_stages() {
        const bool fuse = fusion_enabled();
        std::vector<StageMember> members(kernels_.size());
        for (std::size_t k = 0; k < kernels_.size(); ++k) {
            const OpSpec& op = plan_.ops[k];
            StageMember& m = members[k];
            m.key = kernels_[k]->partition();
            for (const auto& in : op.inputs) {
                const auto r = op.read_redirects.find(in.var);
                m.reads.insert(ws_.buffer(r == op.read_redirects.end() ? in.var : r->second).raw());
            }
            for (const auto& out : op.outputs) m.writes.insert(ws_.buffer(out.var).raw());
            for (const void* b : kernels_[k]->part_local()) m.local.insert(b);
        }
        stage_of_.assign(kernels_.size(), -1);
        parts_of_.assign(kernels_.size(), 0);
        for (std::size_t k = 0; k < kernels_.size(); ++k) {
            parts_of_[k] = members[k].key.parts;
            Stage* open = stages_.empty() ? nullptr : &stages_.back();
            bool joins = fuse && parts_of_[k] > 1 && open && open->parts > 1;
            for (std::size_t a = joins ? open->first : k; joins && a < k; ++a)
                joins = may_share_stage(members[a], members[k]);
            if (joins) {
                open->last = k + 1;
                open->parts = std::max(open->parts, parts_of_[k]);
            } else {
                stages_.push_back({k, k + 1, parts_of_[k] > 1 ? parts_of_[k] : 0});
            }
        }
        int id = 0;
        for (const Stage& st : stages_) {
            if (st.last - st.first < 2) continue;
            for (std::size_t k = st.first; k < st.last; ++k) stage_of_[k] = id;
            ++id;
        }
        active_.resize(kernels_.size());
        const std::size_t most = *std::max_element(parts_of_.begin(), parts_of_.end());
        if (profile_) part_seconds_.assign(kernels_.size() * std::max<std::size_t>(1, most), 0.0);
    }

    void one_step() {
        for (auto& [src, dst] : snapshots_) std::memcpy(dst->raw(), src->raw(), src->bytes());
        for (const Stage& st : stages_) {
            if (st.last - st.first == 1) {
                if (!profile_) {
                    kernels_[st.first]->run(ctx_);
                } else {
                    const auto before = Clock::now();
                    kernels_[st.first]->run(ctx_);
                    op_seconds_[st.first] += seconds(before, Clock::now());
                }
            } else {
                run_stage(st);
            }
        }
        ++ctx_.step;
        // t from the step index, never by accumulation: no drift over long runs.
        ctx_.t_ms = static_cast<double>(ctx_.step) * plan_.dt_ms;
    }

    // A stage: each kernel's serial start in plan order, then the parts of those that split,
    // together. A kernel that runs whole this step first lets the parts before it finish.
    void run_stage(const Stage& st) {
        std::size_t n = 0;
        for (std::size_t k = st.first; k < st.last; ++k) {
            const auto before = profile_ ? Clock::now() : Clock::time_point{};
            const Split mode = kernels_[k]->begin_step(ctx_, true);
            if (profile_) op_seconds_[k] += seconds(before, Clock::now());
            if (mode == Split::parts) {
                active_[n++] = k;
            } else if (mode == Split::whole) {
                run_parts(st, n);
                n = 0;
                const auto start = profile_ ? Clock::now() : Clock::time_point{};
                kernels_[k]->run_whole(ctx_);
                if (profile_) op_seconds_[k] += seconds(start, Clock::now());
            }
        }
        run_parts(st, n);
    }

    // Runs the parts of active_[0, n). Profiling shares the wall time out between the
    // kernels in proportion to the time their parts took, summed over the threads.
    void run_parts(const Stage& st, std::size_t n) {
        if (n == 0) return;
        const auto before = profile_ ? Clock::now() : Clock::time_point{};
        tbb::parallel_for(
            std::size_t(0), st.parts,
            [&](std::size_t p) {
                for (std::size_t a = 0; a < n; ++a) {
                    const std::size_t k = active_[a];
                    if (p >= parts_of_[k]) continue;
                    if (!profile_) {
                        kernels_[k]->run_part(ctx_, p);
                        continue;
                    }
                    const auto start = Clock::now();
                    kernels_[k]->run_part(ctx_, p);
                    part_seconds_[p * kernels_.size() + k] += seconds(start, Clock::now());
                }
            },
            tbb::static_partitioner());
        if (!profile_) return;
        const double wall = seconds(before, Clock::now());
        double sum = 0;
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t p = 0; p < parts_of_[active_[a]]; ++p)
                sum += part_seconds_[p * kernels_.size() + active_[a]];
        for (std::size_t a = 0; a < n; ++a) {
            double own = 0;
            for (std::size_t p = 0; p < parts_of_[active_[a]]; ++p)
                own += std::exchange(part_seconds_[p * kernels_.size() + active_[a]], 0.0);
            op_seconds_[active_[a]] += sum > 0 ? wall * own / sum : wall / static_cast<double>(n);
        }
    }

    Plan plan_;
    Workspace ws_;
    tbb::task_arena arena_;
    std::vector<std::unique_ptr<Kernel>> initial_kernels_, kernels_;
    std::vector<std::pair<Buffer*, Buffer*>> snapshots_;
    StepContext ctx_;
    std::uint64_t events_offset_ = 0;  // modulo 2^64, so it may "wrap" below the kernels' sum
    bool profile_ = false;
    std::vector<double> op_seconds_;   // per kernel, when profiling
    std::vector<Stage> stages_;           // the step, in plan order
    std::vector<int> stage_of_;           // per kernel: its fused stage's number, or -1
    std::vector<std::size_t> parts_of_;   // per kernel: partition().parts
    std::vector<std::size_t> active_;     // run_stage's kernels to run in parts
    std::vector<double> part_seconds_;    // parts x kernels, when profiling
};

}  // namespace

std::unique_ptr<Executor> make_cpu_executor(const Plan& plan, const ExecutorOptions& options) {
    return std::make_unique<CpuExecutor>(plan, options);
}

}  // namespace spikegraph::cpu
