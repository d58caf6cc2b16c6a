#include "backend/cpu/cpu_executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "builder/initializers.hpp"
#include "backend/cpu/stages.hpp"
#include "backend/cpu/workspace.hpp"
#include "backend/cpu/op_factory.hpp"

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

// The index of the first element of x[0, n) that is NaN or +-Inf, or n; the elements before it
// are copied to last[0, index). A value is not finite exactly when its exponent bits are all
// ones, and then adding the lowest exponent bit to them carries into the sign bit: each block is
// tested with one branch-free integer loop the compiler vectorises, then copied while it is in
// L1, and only a block that has one is searched element by element.
template <class T, class Bits>
std::size_t first_non_finite(const T* x, std::size_t n, double* last) {
    static_assert(sizeof(T) == sizeof(Bits));
    constexpr Bits exponent = sizeof(T) == 8 ? Bits(0x7ff0000000000000ULL) : Bits(0x7f800000U);
    constexpr Bits lowest = exponent & (~exponent + 1);
    constexpr Bits sign = Bits(1) << (8 * sizeof(Bits) - 1);
    constexpr std::size_t block = 1024;
    for (std::size_t b = 0; b < n; b += block) {
        const std::size_t e = std::min(n, b + block);
        Bits any = 0;
        for (std::size_t k = b; k < e; ++k) {
            Bits u;
            std::memcpy(&u, x + k, sizeof u);
            any |= (u & exponent) + lowest;
        }
        if ((any & sign) != 0)
            for (std::size_t k = b; k < e; ++k)
                if (!std::isfinite(x[k])) return k;
        for (std::size_t k = b; k < e; ++k) last[k] = static_cast<double>(x[k]);
    }
    return n;
}

// Kernels run as one (plan_stages): in plan order, those flagged `next` for the step after the
// current one (a stage across the step boundary).
struct Stage {
    struct Member {
        std::size_t kernel;
        bool next = false;
    };
    std::vector<Member> members;
    std::size_t parts;  // most parts of its kernels; 0 for a single kernel that does not split
};

class CpuExecutor final : public Executor {
public:
    CpuExecutor(const Plan& plan, const ExecutorOptions& options)
        : plan_(plan), ws_(plan_, options), arena_(std::max(1, options.threads)),
          profile_(options.profile) {
        auto bind = [&](const OpSpec& op) {
            const auto factory = op_registry().find<OpFactory>(op.kind, k_backend_name);
            if (!factory)
                throw BuildError(fmt::format(
                    "op '{}' is of kind '{}', which the cpu backend does not know; known kinds: "
                    "{} (register it with register_op)",
                    op.name, op.kind, fmt::join(op_registry().kinds(k_backend_name), ", ")));
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
        flush_records();  // the steps before the restart reach the sinks first, in order
        for (std::size_t k = 0; k < plan_.variables.size(); ++k) {
            cpu::Buffer& b = ws_.buffers()[k];
            initialize(HostArray{b.raw(), b.type(), b.size()}, plan_.variables[k], plan_.seed);
        }
        ctx_.step = 0;
        ctx_.t_ms = 0.0;
        events_offset_ = 0 - kernel_events();
        arena_.execute([&] {
            for (auto& k : initial_kernels_) k->run(ctx_);
        });
        variables_written();
    }

    void step() override {
        arena_.execute([&] { run_loop(1, nullptr); });
    }

    void run_steps(std::int64_t n) override {
        arena_.execute([&] { run_loop(n, nullptr); });
    }

    std::int64_t run_steps_until(std::int64_t n, const std::atomic<bool>& stop) override {
        std::int64_t k = 0;
        arena_.execute([&] { k = run_loop(n, &stop); });
        return k;
    }

    std::int64_t current_step() const override { return ctx_.step; }

    void set_step(std::int64_t step) override {
        if (step < 0)
            throw SimulationError(
                fmt::format("cannot set the step counter to {}; it must be >= 0", step),
                {.step = step});
        if (step != ctx_.step) flush_records();  // a record block is consecutive steps
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
                                              values.size(), var, b.size()), {.variable = var});
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
                var, b.bytes(), b.size(), dtype_name(b.type())), {.variable = var});
        if (size > 0) std::memcpy(b.raw(), data, size);
        variables_written();
    }

    std::uint64_t synaptic_events() const override { return kernel_events() + events_offset_; }

    void flush_records() override {
        for (auto& k : kernels_) k->flush_records();
    }

    std::optional<NonFiniteValue> find_non_finite(const std::vector<std::string>& vars) override {
        last_finite_.resize(vars.size());
        for (std::size_t v = 0; v < vars.size(); ++v) {
            const Buffer& b = ws_.buffer(vars[v]);
            std::vector<double>& last = last_finite_[v];
            // Until a first check has filled it, an element has no last finite value (NaN).
            if (last.size() != b.size()) last.assign(b.size(), std::nan(""));
            std::size_t at = b.size();
            if (b.type() == DType::f64)
                at = first_non_finite<double, std::uint64_t>(b.as<double>(), b.size(), last.data());
            else if (b.type() == DType::f32)
                at = first_non_finite<float, std::uint32_t>(b.as<float>(), b.size(), last.data());
            if (at < b.size()) {
                const double value = b.type() == DType::f64 ? b.as<double>()[at] : b.as<float>()[at];
                return NonFiniteValue{vars[v], at, value, last[at]};
            }
        }
        return std::nullopt;
    }

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
    //
    // When the step's last stage could also take its first one (the update, after the
    // deliveries and the reset), each step but the last of a run ends with wrap_: the last
    // stage of this step and the first of the next, in one fork and join (run_loop).
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
            for (const void* b : kernels_[k]->late_writes()) m.late.insert(b);
        }
        auto may_join = [&](const Stage& st, std::size_t k) {
            if (!fuse || members[k].key.parts < 2 || st.parts < 2) return false;
            for (const Stage::Member& a : st.members)
                if (!may_share_stage(members[a.kernel], members[k])) return false;
            return true;
        };
        stage_of_.assign(kernels_.size(), -1);
        parts_of_.assign(kernels_.size(), 0);
        for (std::size_t k = 0; k < kernels_.size(); ++k) {
            parts_of_[k] = members[k].key.parts;
            if (!stages_.empty() && may_join(stages_.back(), k)) {
                stages_.back().members.push_back({k});
                stages_.back().parts = std::max(stages_.back().parts, parts_of_[k]);
            } else {
                stages_.push_back({{{k}}, parts_of_[k] > 1 ? parts_of_[k] : 0});
            }
        }
        // Across the step boundary every member of the first stage comes after every member of
        // the last; snapshots (copies taken at the step's start) rule it out.
        wrap_.reset();
        if (stages_.size() >= 2 && snapshots_.empty()) {
            Stage wrap = stages_.back();
            bool ok = true;
            for (const Stage::Member& h : stages_.front().members) {
                for (const Stage::Member& t : stages_.back().members)
                    ok = ok && fuse && parts_of_[h.kernel] > 1 && wrap.parts > 1 &&
                         may_share_stage(members[t.kernel], members[h.kernel]);
                wrap.members.push_back({h.kernel, true});
                wrap.parts = std::max(wrap.parts, parts_of_[h.kernel]);
            }
            if (ok) wrap_ = std::move(wrap);
        }
        int id = 0;
        for (const Stage& st : stages_) {
            if (st.members.size() < 2 && !(wrap_ && &st == &stages_.back())) continue;
            for (const Stage::Member& m : st.members) stage_of_[m.kernel] = id;
            ++id;
        }
        if (wrap_)
            for (const Stage::Member& m : stages_.front().members)
                stage_of_[m.kernel] = stage_of_[stages_.back().members.front().kernel];
        active_.resize(2 * kernels_.size());
        ended_.resize(active_.size());
        std::size_t most = 1;
        for (std::size_t parts : parts_of_) most = std::max(most, parts);
        if (profile_) part_seconds_.assign(kernels_.size() * most, 0.0);
    }

    // Up to n steps, fewer when `stop` reads true before one. With wrap_, the first stage of
    // the first step runs on its own, and that of every later step with the last stage of the
    // step before; the last step ends with its last stage alone, so that a run always stops at
    // a step's end.
    std::int64_t run_loop(std::int64_t n, const std::atomic<bool>* stop) {
        auto stopped = [&] { return stop && stop->load(std::memory_order_relaxed); };
        std::int64_t k = 0;
        if (!wrap_) {
            for (; k < n && !stopped(); ++k) {
                for (auto& [src, dst] : snapshots_) std::memcpy(dst->raw(), src->raw(), src->bytes());
                for (const Stage& st : stages_) run_stage(st);
                advance();
            }
            return k;
        }
        if (n <= 0 || stopped()) return 0;
        run_stage(stages_.front());
        for (bool more = true; more;) {
            for (std::size_t s = 1; s + 1 < stages_.size(); ++s) run_stage(stages_[s]);
            more = k + 1 < n && !stopped();
            run_stage(more ? *wrap_ : stages_.back());
            advance();
            ++k;
        }
        return k;
    }

    void advance() {
        ++ctx_.step;
        // t from the step index, never by accumulation: no drift over long runs.
        ctx_.t_ms = static_cast<double>(ctx_.step) * plan_.dt_ms;
    }

    // A stage: each kernel's serial start in plan order, then the parts of those that split,
    // together, then the serial ends. A kernel that runs whole this step first lets the parts
    // before it finish.
    void run_stage(const Stage& st) {
        if (st.members.size() == 1 && !st.members.front().next) {
            const std::size_t k = st.members.front().kernel;
            const auto before = profile_ ? Clock::now() : Clock::time_point{};
            kernels_[k]->run(ctx_);
            if (profile_) op_seconds_[k] += seconds(before, Clock::now());
            return;
        }
        next_ = ctx_;
        ++next_.step;
        next_.t_ms = static_cast<double>(next_.step) * plan_.dt_ms;
        std::size_t n = 0, ran = 0;
        for (const Stage::Member& m : st.members) {
            const std::size_t k = m.kernel;
            const auto before = profile_ ? Clock::now() : Clock::time_point{};
            const Split mode = kernels_[k]->begin_step(context(m), true);
            if (profile_) op_seconds_[k] += seconds(before, Clock::now());
            if (mode == Split::none) continue;
            ended_[ran++] = m;
            if (mode == Split::parts) {
                active_[n++] = m;
            } else {
                run_parts(st, n);
                n = 0;
                const auto start = profile_ ? Clock::now() : Clock::time_point{};
                kernels_[k]->run_whole(context(m));
                if (profile_) op_seconds_[k] += seconds(start, Clock::now());
            }
        }
        run_parts(st, n);
        for (std::size_t a = 0; a < ran; ++a) {
            const std::size_t k = ended_[a].kernel;
            const auto before = profile_ ? Clock::now() : Clock::time_point{};
            kernels_[k]->end_step(context(ended_[a]));
            if (profile_) op_seconds_[k] += seconds(before, Clock::now());
        }
    }

    const StepContext& context(const Stage::Member& m) const { return m.next ? next_ : ctx_; }

    // Runs the parts of active_[0, n). Profiling shares the wall time out between the
    // kernels in proportion to the time their parts took, summed over the threads.
    void run_parts(const Stage& st, std::size_t n) {
        if (n == 0) return;
        const auto before = profile_ ? Clock::now() : Clock::time_point{};
        const std::size_t nk = kernels_.size();
        tbb::parallel_for(
            std::size_t(0), st.parts,
            [&](std::size_t p) {
                for (std::size_t a = 0; a < n; ++a) {
                    const std::size_t k = active_[a].kernel;
                    if (p >= parts_of_[k]) continue;
                    if (!profile_) {
                        kernels_[k]->run_part(context(active_[a]), p);
                        continue;
                    }
                    const auto start = Clock::now();
                    kernels_[k]->run_part(context(active_[a]), p);
                    part_seconds_[p * nk + k] += seconds(start, Clock::now());
                }
            },
            tbb::static_partitioner());
        if (!profile_) return;
        const double wall = seconds(before, Clock::now());
        double sum = 0;
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t p = 0; p < parts_of_[active_[a].kernel]; ++p)
                sum += part_seconds_[p * nk + active_[a].kernel];
        for (std::size_t a = 0; a < n; ++a) {
            const std::size_t k = active_[a].kernel;
            double own = 0;
            for (std::size_t p = 0; p < parts_of_[k]; ++p)
                own += std::exchange(part_seconds_[p * nk + k], 0.0);
            op_seconds_[k] += sum > 0 ? wall * own / sum : wall / static_cast<double>(n);
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
    std::optional<Stage> wrap_;           // the last stage and the next step's first
    StepContext next_;                    // the next step's, for a stage's `next` members
    std::vector<int> stage_of_;           // per kernel: its fused stage's number, or -1
    std::vector<std::size_t> parts_of_;   // per kernel: partition().parts
    std::vector<Stage::Member> active_;   // run_stage's kernels to run in parts
    std::vector<Stage::Member> ended_;    // run_stage's kernels to end
    std::vector<double> part_seconds_;    // parts x kernels, when profiling
};

}  // namespace

std::unique_ptr<Executor> make_cpu_executor(const Plan& plan, const ExecutorOptions& options) {
    return std::make_unique<CpuExecutor>(plan, options);
}

}  // namespace spikegraph::cpu
