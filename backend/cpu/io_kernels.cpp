// Inputs (spike sources, currents) and monitors. All are functions of the step index, never of
// hidden counters, so that restoring a state resumes them exactly.

#include "backend/cpu/io_kernels.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backend/cpu/dispatch.hpp"
#include "backend/cpu/partition.hpp"
#include "builder/op_payloads.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu {

namespace {

class SpikeTimesKernel final : public Kernel {
public:
    SpikeTimesKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<SpikeTimesPayload>(op)), batch_(ws.batch()) {
        spikes_ = ws.buffer(p_.spikes_var).as<std::int32_t>();
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        total_ = ws.buffer(p_.total_var).as<std::int64_t>();
    }

    void run(const StepContext& ctx) override {
        const auto lo = std::lower_bound(p_.steps.begin(), p_.steps.end(), ctx.step);
        const auto hi = std::upper_bound(lo, p_.steps.end(), ctx.step);
        const auto first = static_cast<std::size_t>(lo - p_.steps.begin());
        const auto m = static_cast<std::size_t>(hi - lo);
        for (std::size_t b = 0; b < batch_; ++b) {
            std::int32_t* list = spikes_ + b * p_.size;
            // Sorted by (step, index) at build time, duplicates removed: a sorted spike list.
            std::copy(p_.indices.begin() + first, p_.indices.begin() + first + m, list);
            count_[b] = static_cast<std::int64_t>(m);
            total_[b] += static_cast<std::int64_t>(m);
        }
    }

private:
    SpikeTimesPayload p_;
    std::size_t batch_;
    std::int32_t* spikes_ = nullptr;
    std::int64_t* count_ = nullptr;
    std::int64_t* total_ = nullptr;
};

template <class T>
class CurrentKernel final : public Kernel {
public:
    CurrentKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<CurrentPayload>(op)), batch_(ws.batch()) {
        target_ = ws.buffer(p_.target).as<T>();
    }

    void run(const StepContext& ctx) override {
        auto it = std::upper_bound(p_.change_steps.begin(), p_.change_steps.end(), ctx.step);
        const T value = it == p_.change_steps.begin()
                            ? T(0)
                            : static_cast<T>(p_.values[static_cast<std::size_t>(
                                  it - p_.change_steps.begin() - 1)]);
        const std::size_t rows = p_.batched ? batch_ : 1;
        for (std::size_t b = 0; b < rows; ++b)
            std::fill(target_ + b * p_.size + p_.begin, target_ + b * p_.size + p_.end, value);
    }

private:
    CurrentPayload p_;
    std::size_t batch_;
    T* target_ = nullptr;
};

// Records are handed to the sinks in blocks of this many steps, unless the executor's options
// say otherwise (ExecutorOptions::record_block_steps), and earlier when a block holds
// k_block_spikes spikes or k_block_bytes of state rows: memory stays bounded.
constexpr std::int64_t k_block_steps = 64;
constexpr std::size_t k_block_spikes = std::size_t{1} << 16;
constexpr std::size_t k_block_bytes = std::size_t{1} << 20;

std::size_t block_steps(const Workspace& ws) {
    const std::int64_t n = ws.record_block_steps();
    return static_cast<std::size_t>(n > 0 ? n : k_block_steps);
}

// Gathers each step's spikes of the monitored slice into a block (record_chunk.hpp) and hands
// the block to the sink when it is full, and on flush_records. A sink that takes spikes by
// columns (RecordSink::spike_columns) has a full block's columns filled in parts, part p filling
// columns p, p + parts, ...: in a parallel stage beside the deliveries, the monitor's writing
// (the t and i files) is then shared by two threads instead of running alone after the stage.
// Its files are the same for any number of threads and any block size.
class SpikeMonitorKernel final : public Kernel {
public:
    SpikeMonitorKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<SpikeMonitorPayload>(op)), batch_(ws.batch()),
          steps_(block_steps(ws)), sink_(ws.sink(op.name)), block_(batch_) {
        const Buffer& s = ws.buffer(p_.spikes_var);
        spikes_ = s.as<std::int32_t>();
        size_ = s.size() / batch_;
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        columns_ = sink_ ? sink_->spike_columns() : 0;
        const auto threads = static_cast<std::size_t>(std::max(1, ws.threads()));
        if (columns_ > 1 && threads > 1) parts_ = std::min(threads, columns_);
    }

    void run(const StepContext& ctx) override { run_partitioned(*this, ctx, parts_); }

    // Not a neuron partition (size 0): the parts are the sink's columns, and the kernel touches
    // no variable, so it may join any stage whose kernels do not write the spikes.
    PartitionKey partition() const override {
        return parts_ > 1 ? PartitionKey{0, parts_} : PartitionKey{};
    }

    Split begin_step(const StepContext& ctx, bool staged) override {
        if (!sink_) return Split::none;
        block_.begin_step(ctx.step);
        for (std::size_t b = 0; b < batch_; ++b) {
            const std::int32_t* first = spikes_ + b * size_;
            const std::int32_t* last = first + count_[b];
            if (p_.begin > 0 || p_.end < size_) {
                first = std::lower_bound(first, last, static_cast<std::int32_t>(p_.begin));
                last = std::lower_bound(first, last, static_cast<std::int32_t>(p_.end));
            }
            block_.add_row(first, static_cast<std::size_t>(last - first),
                           static_cast<std::int32_t>(p_.begin));
        }
        if (block_.steps() < steps_ && block_.spikes() < k_block_spikes) return Split::none;
        view_ = block_.view();
        noted_ = columns_ > 0 && view_.spikes() > 0;
        if (!noted_) return Split::whole;
        sink_->note_spikes(view_);
        return staged && parts_ > 1 ? Split::parts : Split::whole;
    }

    void run_part(const StepContext&, std::size_t p) override {
        for (std::size_t c = p; c < columns_; c += parts_) sink_->record_spike_column(c, view_);
    }

    void run_whole(const StepContext&) override {
        if (!noted_) {
            sink_->record_spikes(view_);
            return;
        }
        for (std::size_t c = 0; c < columns_; ++c) sink_->record_spike_column(c, view_);
    }

    void end_step(const StepContext&) override { block_.clear(); }

    void flush_records() override {
        if (!sink_ || block_.steps() == 0) return;
        sink_->record_spikes(block_.view());
        block_.clear();
    }

private:
    SpikeMonitorPayload p_;
    std::size_t batch_, steps_, size_ = 0, columns_ = 0, parts_ = 0;
    RecordSink* sink_;
    const std::int32_t* spikes_ = nullptr;
    const std::int64_t* count_ = nullptr;
    SpikeBlockBuffer block_;
    SpikeBlock view_;     // the full block being handed over this step
    bool noted_ = false;  // view_ went through note_spikes: its columns follow
};

// Gathers the record steps' values into a block of rows and hands it to the sink every
// block_steps steps (earlier when the rows would pass k_block_bytes), and on flush_records.
template <class T>
class StateMonitorKernel final : public Kernel {
public:
    StateMonitorKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<StateMonitorPayload>(op)), batch_(ws.batch()),
          steps_(block_steps(ws)), sink_(ws.sink(op.name)),
          block_(p_.vars.size(), batch_, p_.indices.size(), rows_per_block(ws)) {
        for (const auto& v : p_.vars) {
            const Buffer& buf = ws.buffer(v);
            const VariableSpec& spec = ws.spec(v);
            vars_.push_back(buf.as<T>());
            const std::size_t per_row = spec.batched ? buf.size() / batch_ : buf.size();
            stride_.push_back(spec.batched ? per_row : 0);
            scalar_.push_back(per_row == 1);
        }
    }

    void run(const StepContext& ctx) override {
        if (!sink_) return;
        if (ctx.step % p_.every_steps == 0) {
            if (block_.full()) hand_over();  // k_block_bytes reached before the block's end
            block_.begin_record(ctx.step);
            for (std::size_t b = 0; b < batch_; ++b)
                for (std::size_t v = 0; v < vars_.size(); ++v) {
                    const T* src = vars_[v] + b * stride_[v];
                    double* row = block_.row(v, b);
                    for (std::size_t k = 0; k < p_.indices.size(); ++k)
                        row[k] = static_cast<double>(
                            scalar_[v] ? src[0] : src[static_cast<std::size_t>(p_.indices[k])]);
                }
        }
        if (++gathered_ >= steps_) flush_records();
    }

    void flush_records() override {
        hand_over();
        gathered_ = 0;
    }

private:
    void hand_over() {
        if (sink_ && block_.records() > 0) sink_->record_state(block_.view());
        block_.clear();
    }

    // Rows for block_steps steps, at most k_block_bytes of them in all (at least one).
    std::size_t rows_per_block(const Workspace& ws) const {
        if (!sink_) return 1;
        const std::size_t row_bytes =
            std::max<std::size_t>(1, p_.vars.size() * batch_ * p_.indices.size() * sizeof(double));
        const auto every = static_cast<std::size_t>(p_.every_steps);
        return std::clamp<std::size_t>(k_block_bytes / row_bytes, 1,
                                       (block_steps(ws) + every - 1) / every);
    }

    StateMonitorPayload p_;
    std::size_t batch_, steps_;
    RecordSink* sink_;
    StateBlockBuffer block_;
    std::size_t gathered_ = 0;  // steps since the block began
    std::vector<const T*> vars_;
    std::vector<std::size_t> stride_;
    std::vector<bool> scalar_;
};

}  // namespace

void register_io_ops(OpRegistry& registry) {
    register_poisson_ops(registry);
    registry.add<OpFactory>("spike_times_input", k_backend_name, [](const OpSpec& op, Workspace& ws) {
        return std::unique_ptr<Kernel>(std::make_unique<SpikeTimesKernel>(op, ws));
    });
    registry.add<OpFactory>("current_input", k_backend_name, make_real<CurrentKernel>);
    registry.add<OpFactory>("spike_monitor", k_backend_name, [](const OpSpec& op, Workspace& ws) {
        return std::unique_ptr<Kernel>(std::make_unique<SpikeMonitorKernel>(op, ws));
    });
    registry.add<OpFactory>("state_monitor", k_backend_name, make_real<StateMonitorKernel>);
}

}  // namespace spikegraph::cpu
