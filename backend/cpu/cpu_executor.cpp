#include "backend/cpu/cpu_executor.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/task_arena.h>

#include "backend/cpu/initializers.hpp"
#include "backend/cpu/workspace.hpp"
#include "backend/op_registry.hpp"

namespace spikegraph::cpu {

namespace {

template <class Dst, class Src>
void convert(Dst* dst, const Src* src, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) dst[k] = static_cast<Dst>(src[k]);
}

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
            out.push_back({plan_.ops[k].name, plan_.ops[k].kind, op_seconds_[k]});
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

    void one_step() {
        for (auto& [src, dst] : snapshots_) std::memcpy(dst->raw(), src->raw(), src->bytes());
        if (profile_) {
            using Clock = std::chrono::steady_clock;
            auto before = Clock::now();
            for (std::size_t k = 0; k < kernels_.size(); ++k) {
                kernels_[k]->run(ctx_);
                const auto after = Clock::now();
                op_seconds_[k] += std::chrono::duration<double>(after - before).count();
                before = after;
            }
        } else {
            for (auto& k : kernels_) k->run(ctx_);
        }
        ++ctx_.step;
        // t from the step index, never by accumulation: no drift over long runs.
        ctx_.t_ms = static_cast<double>(ctx_.step) * plan_.dt_ms;
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
};

}  // namespace

std::unique_ptr<Executor> make_cpu_executor(const Plan& plan, const ExecutorOptions& options) {
    return std::make_unique<CpuExecutor>(plan, options);
}

}  // namespace spikegraph::cpu
