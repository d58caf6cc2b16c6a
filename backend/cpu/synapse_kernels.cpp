// Spike delivery: `target += w` on the post neurons of every synapse whose pre neuron spiked.
// Event-driven: only the rows of neurons that spiked are touched. Delays go through ring buffers
// that are plan variables, so that store/restore and checkpoints carry spikes in flight.

#include "backend/cpu/synapse_kernels.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "backend/cpu/dispatch.hpp"
#include "builder/op_payloads.hpp"

namespace spikegraph::cpu {

namespace {

// Delivery prefetches (deliver_rows) when the synapses (indices and weights) outgrow a typical
// last-level cache as one core sees it (32 MiB: one AMD CCX, a large Intel L3): below that, the
// rows it would fetch are mostly in cache already and the prefetches cost an instruction per
// event for nothing. Measured on a 32 MiB-L3 EPYC: prefetching cuts CUBA-400k's loop (128 MB of
// indices) from 2.35 to 1.74 s, and slows COBA-4k (1.3 MB) by 10%. SPIKEGRAPH_PREFETCH_MIN_MB
// overrides it (0: always prefetch), for machines with other caches and for the tests.
std::size_t prefetch_min_bytes() {
    static const std::size_t bytes = [] {
        const char* mb = std::getenv("SPIKEGRAPH_PREFETCH_MIN_MB");
        char* end = nullptr;
        const unsigned long long v = mb ? std::strtoull(mb, &end, 10) : 0;
        if (mb && end != mb && *end == '\0') return static_cast<std::size_t>(v) << 20;
        return std::size_t(32) << 20;
    }();
    return bytes;
}

template <class T>
class DeliverKernel final : public Kernel {
public:
    DeliverKernel(const OpSpec& op, Workspace& ws)
        : p_(std::any_cast<const DeliverPayload&>(op.payload)), batch_(ws.batch()) {
        pre_n_ = p_.pre_end - p_.pre_begin;
        post_n_ = p_.post_end - p_.post_begin;
        spikes_ = ws.buffer(p_.pre_spikes).as<std::int32_t>();
        count_ = ws.buffer(p_.pre_count).as<std::int64_t>();
        target_ = ws.buffer(p_.target).as<T>();
        const Buffer& w = ws.buffer(p_.weight);
        weight_ = w.as<T>();
        uniform_weight_ = w.size() == 1;
        if (p_.storage == DeliverPayload::Storage::sparse) {
            indptr_ = ws.buffer(p_.indptr).as<std::int64_t>();
            indices_ = ws.buffer(p_.indices).as<std::int32_t>();
            const std::size_t bytes = ws.buffer(p_.indices).size() *
                                      (sizeof(std::int32_t) + (uniform_weight_ ? 0 : sizeof(T)));
            prefetch_ = bytes >= prefetch_min_bytes();
        }
        if (!p_.delay.empty()) {
            delay_ = ws.buffer(p_.delay).as<std::int32_t>();
            pending_ = ws.buffer(p_.ring).as<T>();
            slots_ = static_cast<std::size_t>(p_.max_delay_steps) + 1;
        } else if (p_.delay_steps > 0) {
            ring_ = ws.buffer(p_.ring).as<std::int32_t>();
            ring_count_ = ws.buffer(p_.ring_count).as<std::int64_t>();
            slots_ = static_cast<std::size_t>(p_.delay_steps) + 1;
        }
    }

    void run(const StepContext& ctx) override {
        const auto step = static_cast<std::size_t>(ctx.step);
        for (std::size_t b = 0; b < batch_; ++b) {
            // Rows (within the pre slice) that spiked this step: a contiguous part of the
            // sorted spike list.
            const std::int32_t* list = spikes_ + b * p_.pre_size;
            const std::int32_t* first = list;
            const std::int32_t* last = list + count_[b];
            if (p_.pre_begin > 0 || p_.pre_end < p_.pre_size) {
                first = std::lower_bound(list, last, static_cast<std::int32_t>(p_.pre_begin));
                last = std::lower_bound(first, last, static_cast<std::int32_t>(p_.pre_end));
            }
            T* target = target_ + b * p_.post_size + p_.post_begin;
            if (pending_) {
                deliver_per_synapse_delays(b, step, first, last, target);
            } else if (ring_) {
                // Push this step's spikes; deliver the ones pushed D steps ago.
                const std::size_t in = step % slots_, out = (step + 1) % slots_;
                std::int32_t* slot_in = ring_ + (in * batch_ + b) * pre_n_;
                std::int64_t n_in = 0;
                for (const std::int32_t* s = first; s != last; ++s)
                    slot_in[n_in++] = *s - static_cast<std::int32_t>(p_.pre_begin);
                ring_count_[in * batch_ + b] = n_in;
                const std::int32_t* slot_out = ring_ + (out * batch_ + b) * pre_n_;
                const std::int64_t n_out = ring_count_[out * batch_ + b];
                deliver_rows(slot_out, slot_out + n_out, 0, target);
            } else {
                deliver_rows(first, last, static_cast<std::int32_t>(p_.pre_begin), target);
            }
        }
    }

    std::uint64_t synaptic_events() const override { return events_; }

private:
    // Rows `*r - offset` for r in [first, last). Sparse rows of a large matrix live in memory,
    // not in cache, and each event is a read-modify-write of a target that is rarely in L1, so
    // the loop is bound by latency. It therefore asks for the memory ahead of time: the
    // indices (and weights) of the row k_rows_ahead rows on, and the targets of the next row,
    // whose indices that earlier request has brought in. (On this machine's CUBA-400k that
    // halves the time per event; bench/RESULTS.md.)
    void deliver_rows(const std::int32_t* first, const std::int32_t* last, std::int32_t offset,
                      T* target) {
        if (p_.storage != DeliverPayload::Storage::sparse || !prefetch_) {
            for (const std::int32_t* r = first; r != last; ++r) deliver_row(*r - offset, target);
            return;
        }
        constexpr std::ptrdiff_t k_rows_ahead = 4;
        constexpr std::int64_t k_line_ints = 64 / sizeof(std::int32_t);
        const std::ptrdiff_t n = last - first;
        for (std::ptrdiff_t k = 0; k < n; ++k) {
            if (k + 2 * k_rows_ahead < n) __builtin_prefetch(indptr_ + first[k + 2 * k_rows_ahead] - offset);
            if (k + k_rows_ahead < n) {
                const std::int32_t row = first[k + k_rows_ahead] - offset;
                const std::int64_t j0 = indptr_[row], j1 = indptr_[row + 1];
                for (std::int64_t j = j0; j < j1; j += k_line_ints) __builtin_prefetch(indices_ + j);
                if (!uniform_weight_)
                    for (std::int64_t j = j0; j < j1; j += 64 / sizeof(T))
                        __builtin_prefetch(weight_ + j);
            }
            if (k + 1 < n) {
                const std::int32_t row = first[k + 1] - offset;
                for (std::int64_t j = indptr_[row]; j < indptr_[row + 1]; ++j)
                    __builtin_prefetch(target + indices_[j], 1);
            }
            deliver_row(first[k] - offset, target);
        }
    }

    void deliver_row(std::int32_t row, T* target) {
        switch (p_.storage) {
            case DeliverPayload::Storage::sparse: {
                const std::int64_t j0 = indptr_[row], j1 = indptr_[row + 1];
                if (uniform_weight_) {
                    const T w = weight_[0];
                    for (std::int64_t j = j0; j < j1; ++j) target[indices_[j]] += w;
                } else {
                    for (std::int64_t j = j0; j < j1; ++j) target[indices_[j]] += weight_[j];
                }
                events_ += static_cast<std::uint64_t>(j1 - j0);
                break;
            }
            case DeliverPayload::Storage::dense: {
                const T* w = weight_ + static_cast<std::size_t>(row) * post_n_;
                for (std::size_t j = 0; j < post_n_; ++j) target[j] += w[j];
                events_ += post_n_;
                break;
            }
            case DeliverPayload::Storage::one_to_one:
                target[row] += uniform_weight_ ? weight_[0] : weight_[row];
                events_ += 1;
                break;
        }
    }

    // Per-synapse delays: each event lands in the slot of the step it is due, per post neuron;
    // every step the due slot is added to the target and cleared.
    void deliver_per_synapse_delays(std::size_t b, std::size_t step, const std::int32_t* first,
                                    const std::int32_t* last, T* target) {
        auto slot = [&](std::size_t s) { return pending_ + (s % slots_ * batch_ + b) * post_n_; };
        for (const std::int32_t* s = first; s != last; ++s) {
            const std::int32_t row = *s - static_cast<std::int32_t>(p_.pre_begin);
            if (p_.storage == DeliverPayload::Storage::sparse) {
                for (std::int64_t j = indptr_[row]; j < indptr_[row + 1]; ++j) {
                    T* due = slot(step + static_cast<std::size_t>(delay_[j]));
                    due[indices_[j]] += uniform_weight_ ? weight_[0] : weight_[j];
                }
                events_ += static_cast<std::uint64_t>(indptr_[row + 1] - indptr_[row]);
            } else if (p_.storage == DeliverPayload::Storage::one_to_one) {
                T* due = slot(step + static_cast<std::size_t>(delay_[row]));
                due[row] += uniform_weight_ ? weight_[0] : weight_[row];
                events_ += 1;
            } else {
                const std::size_t base = static_cast<std::size_t>(row) * post_n_;
                for (std::size_t j = 0; j < post_n_; ++j)
                    slot(step + static_cast<std::size_t>(delay_[base + j]))[j] += weight_[base + j];
                events_ += post_n_;
            }
        }
        T* now = slot(step);
        for (std::size_t j = 0; j < post_n_; ++j) {
            target[j] += now[j];
            now[j] = T(0);
        }
    }

    DeliverPayload p_;
    std::size_t batch_, pre_n_ = 0, post_n_ = 0, slots_ = 0;
    const std::int32_t* spikes_ = nullptr;
    const std::int64_t* count_ = nullptr;
    T* target_ = nullptr;
    const T* weight_ = nullptr;
    bool uniform_weight_ = false;
    bool prefetch_ = false;
    const std::int64_t* indptr_ = nullptr;
    const std::int32_t* indices_ = nullptr;
    const std::int32_t* delay_ = nullptr;
    T* pending_ = nullptr;
    std::int32_t* ring_ = nullptr;
    std::int64_t* ring_count_ = nullptr;
    std::uint64_t events_ = 0;
};

}  // namespace

void register_synapse_ops(OpRegistry& registry) {
    registry.add_cpu("synapse_deliver", make_real<DeliverKernel>);
}

}  // namespace spikegraph::cpu
