// Spike delivery: `target += w` on the post neurons of every synapse whose pre neuron spiked.
// Event-driven: only the rows of neurons that spiked are touched. Delays go through ring buffers
// that are plan variables, so that store/restore and checkpoints carry spikes in flight.

#include "backend/cpu/synapse_kernels.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "backend/cpu/dispatch.hpp"
#include "backend/cpu/partition.hpp"
#include "builder/op_payloads.hpp"

namespace spikegraph::cpu {

namespace {

// A whole number from the environment variable `name`, or `fallback` when it is unset or not
// one. Read when a kernel is bound.
std::size_t env_count(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    char* end = nullptr;
    const unsigned long long n = v ? std::strtoull(v, &end, 10) : 0;
    return v && end != v && *end == '\0' ? static_cast<std::size_t>(n) : fallback;
}

// Delivery prefetches (deliver_part) once the network's variables (synapses above all) outgrow
// the caches private to a core (4 MiB: a few times a 1-2 MiB L2): below that, the rows it would
// fetch are mostly in cache already and the prefetches cost instructions per event for nothing.
// The whole workspace counts, not the connection alone: a small connection beside a large one
// is evicted by it all the same (the measurements behind the threshold: bench/RESULTS.md, "Moved
// from code comments").
// SPIKEGRAPH_PREFETCH_MIN_MB overrides it (0: always prefetch), for other machines and the tests.
std::size_t prefetch_min_bytes() { return env_count("SPIKEGRAPH_PREFETCH_MIN_MB", 4) << 20; }

// A step's delivery is split over the threads when it has at least this many events (estimated
// from the spike count and the mean row length). One event costs 1-3 ns and a parallel_for on
// idle-spinning workers about 0.3 us, so 1024 events (1-3 us) keep that overhead small.
// SPIKEGRAPH_PARALLEL_MIN_EVENTS overrides it (0: always split), for the tests.
std::size_t parallel_min_events() { return env_count("SPIKEGRAPH_PARALLEL_MIN_EVENTS", 1024); }

// Counters of one part of a parallel delivery, a cache line each.
struct alignas(64) PartCounter {
    std::uint64_t events = 0;
};

template <class T>
class DeliverKernel final : public Kernel {
public:
    DeliverKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<DeliverPayload>(op)), batch_(ws.batch()) {
        pre_n_ = p_.pre_end - p_.pre_begin;
        post_n_ = p_.post_end - p_.post_begin;
        rows_.resize(batch_);
        spikes_ = ws.buffer(p_.pre_spikes).as<std::int32_t>();
        count_ = ws.buffer(p_.pre_count).as<std::int64_t>();
        target_ = ws.buffer(p_.target).as<T>();
        const Buffer& w = ws.buffer(p_.weight);
        weight_ = w.as<T>();
        uniform_weight_ = w.size() == 1;
        if (p_.storage == DeliverPayload::Storage::sparse) {
            indptr_ = ws.buffer(p_.indptr).as<std::int64_t>();
            indices_ = ws.buffer(p_.indices).as<std::int32_t>();
            std::size_t bytes = 0;
            for (const Buffer& b : ws.buffers()) bytes += b.bytes();
            prefetch_ = bytes >= prefetch_min_bytes();
        }
        // Parallel delivery: part p owns the targets [bound(p), bound(p + 1)) and delivers, row
        // by row in spike order, the synapses onto them. Every target thus receives its
        // additions in the serial order, whatever the number of parts: bitwise the same result.
        // Sparse rows are sorted by target (connectivity.cpp), so a part's synapses of a row are
        // one contiguous run, found once (splits_) rather than at every spike.
        // The parts are those of the post group's update (partition.hpp), so that each target
        // is written by the thread that updates it.
        const std::size_t parts = neuron_parts(p_.post_size, 1, ws.threads());
        if (parts > 1 && p_.delay.empty() && p_.storage != DeliverPayload::Storage::one_to_one) {
            parts_ = parts;
            part_events_.resize(parts_);
            parallel_min_events_ = parallel_min_events();
            if (p_.storage == DeliverPayload::Storage::sparse) {
                indices_n_ = ws.buffer(p_.indices).size();
                splits_.assign(pre_n_ * (parts_ - 1), 0);
            }
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

    void run(const StepContext& ctx) override { run_partitioned(*this, ctx, parts_); }

    PartitionKey partition() const override {
        return parts_ > 1 ? PartitionKey{p_.post_size, parts_} : PartitionKey{};
    }

    std::vector<const void*> part_local() const override { return {target_}; }

    // Finds each batch entry's rows of this step (pushing the new spikes into the delay ring
    // first) and decides whether they are split over the threads.
    Split begin_step(const StepContext& ctx, bool staged) override {
        const auto step = static_cast<std::size_t>(ctx.step);
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch_; ++b) {
            // Rows (within the pre slice) that spiked this step: a contiguous part of the
            // sorted spike list.
            const auto [first, last] = spikes_in_slice(spikes_ + b * p_.pre_size, count_[b],
                                                       p_.pre_begin, p_.pre_end, p_.pre_size);
            if (ring_) {
                // Push this step's spikes; deliver the ones pushed D steps ago.
                const std::size_t in = step % slots_, out = (step + 1) % slots_;
                std::int32_t* slot_in = ring_ + (in * batch_ + b) * pre_n_;
                std::int64_t n_in = 0;
                for (const std::int32_t* s = first; s != last; ++s)
                    slot_in[n_in++] = *s - static_cast<std::int32_t>(p_.pre_begin);
                ring_count_[in * batch_ + b] = n_in;
                const std::int32_t* slot_out = ring_ + (out * batch_ + b) * pre_n_;
                rows_[b] = {slot_out, slot_out + ring_count_[out * batch_ + b], 0};
            } else {
                rows_[b] = {first, last, pending_ ? 0 : static_cast<std::int32_t>(p_.pre_begin)};
            }
            rows += static_cast<std::size_t>(rows_[b].last - rows_[b].first);
        }
        // Per-synapse delays deliver what falls due even in a step without spikes.
        if (pending_) return Split::whole;
        if (rows == 0) return Split::none;
        return split(rows, staged) ? Split::parts : Split::whole;
    }

    void run_part(const StepContext&, std::size_t p) override {
        for (std::size_t b = 0; b < batch_; ++b)
            deliver_part(rows_[b].first, rows_[b].last, rows_[b].offset, target(b), p, parts_,
                         part_events_[p].events);
    }

    void run_whole(const StepContext& ctx) override {
        for (std::size_t b = 0; b < batch_; ++b) {
            if (pending_)
                deliver_per_synapse_delays(b, static_cast<std::size_t>(ctx.step), rows_[b].first,
                                           rows_[b].last, target(b));
            else
                deliver_part(rows_[b].first, rows_[b].last, rows_[b].offset, target(b), 0, 1,
                             events_);
        }
    }

    std::uint64_t synaptic_events() const override {
        std::uint64_t n = events_;
        for (const PartCounter& c : part_events_) n += c.events;
        return n;
    }

    void variables_written() override { splits_valid_ = false; }

private:
    // The first target of part p, within the post slice.
    std::size_t bound(std::size_t p) const {
        const std::size_t first = part_first_neuron(p_.post_size, p, parts_);
        return std::clamp(first, p_.post_begin, p_.post_end) - p_.post_begin;
    }

    // Where each row's synapses onto part p begin, for p = 1 .. parts_ - 1, as offsets from the
    // row's start. Rebuilt when a variable was written from outside, as the indices may have
    // been; a row whose indices are not sorted rules splitting out.
    void build_splits() {
        splits_valid_ = true;
        sorted_rows_ = true;
        const std::size_t ps = parts_ - 1;
        for (std::size_t r = 0; r < pre_n_ && sorted_rows_; ++r) {
            const std::int32_t* a = indices_ + indptr_[r];
            const std::int32_t* b = indices_ + indptr_[r + 1];
            sorted_rows_ = std::is_sorted(a, b);
            for (std::size_t p = 1; p <= ps; ++p)
                splits_[r * ps + p - 1] = static_cast<std::uint32_t>(
                    std::lower_bound(a, b, static_cast<std::int32_t>(bound(p))) - a);
        }
    }

    // Whether this step's `rows` rows are worth splitting over the threads: always in a stage,
    // which is split anyway; on their own, from parallel_min_events_ events.
    bool split(std::size_t rows, bool staged) {
        if (parts_ < 2) return false;
        const std::size_t per_row = p_.storage == DeliverPayload::Storage::dense
                                        ? post_n_
                                        : indices_n_ / std::max<std::size_t>(1, pre_n_);
        if (!staged && rows * per_row < parallel_min_events_) return false;
        if (p_.storage != DeliverPayload::Storage::sparse) return true;
        if (!splits_valid_) build_splits();
        return sorted_rows_;
    }

    T* target(std::size_t b) const { return target_ + b * p_.post_size + p_.post_begin; }

    // The synapses of `row` onto the targets of part p (of `parts`).
    struct Span {
        std::int64_t j0, j1;
    };
    Span span(std::int32_t row, std::size_t p, std::size_t parts) const {
        const std::int64_t start = indptr_[row];
        if (parts == 1) return {start, indptr_[row + 1]};
        const std::uint32_t* s = splits_.data() + static_cast<std::size_t>(row) * (parts - 1);
        return {p == 0 ? start : start + s[p - 1], p + 1 == parts ? indptr_[row + 1] : start + s[p]};
    }

    // Part p (of `parts`) of the rows `*r - offset` for r in [first, last). Sparse rows of a
    // large matrix live in memory, not in cache, and each event is a read-modify-write of a
    // target that is rarely in L1, so the loop is bound by latency. It therefore asks for the
    // memory ahead of time: the indices (and weights) of the row k_rows_ahead rows on, and the
    // targets of the next row, whose indices that earlier request has brought in (about half
    // the time per event on large networks: bench/RESULTS.md).
    void deliver_part(const std::int32_t* first, const std::int32_t* last, std::int32_t offset,
                      T* target, std::size_t p, std::size_t parts, std::uint64_t& events) {
        const std::ptrdiff_t n = last - first;
        if (p_.storage == DeliverPayload::Storage::dense) {
            const std::size_t c0 = parts == 1 ? 0 : bound(p);
            const std::size_t c1 = parts == 1 ? post_n_ : bound(p + 1);
            for (std::ptrdiff_t k = 0; k < n; ++k) {
                const T* w = weight_ + static_cast<std::size_t>(first[k] - offset) * post_n_;
                for (std::size_t j = c0; j < c1; ++j) target[j] += w[j];
            }
            events += static_cast<std::uint64_t>(n) * (c1 - c0);
            return;
        }
        if (p_.storage == DeliverPayload::Storage::one_to_one) {
            for (std::ptrdiff_t k = 0; k < n; ++k) {
                const std::int32_t row = first[k] - offset;
                target[row] += uniform_weight_ ? weight_[0] : weight_[row];
            }
            events += static_cast<std::uint64_t>(n);
            return;
        }
        constexpr std::ptrdiff_t k_rows_ahead = 4;
        constexpr std::int64_t k_line_ints = 64 / sizeof(std::int32_t);
        for (std::ptrdiff_t k = 0; k < n; ++k) {
            if (prefetch_) {
                if (k + 2 * k_rows_ahead < n) {
                    const std::int32_t row = first[k + 2 * k_rows_ahead] - offset;
                    __builtin_prefetch(indptr_ + row);
                    if (parts > 1) __builtin_prefetch(splits_.data() + row * (parts - 1));
                }
                if (k + k_rows_ahead < n) {
                    const Span s = span(first[k + k_rows_ahead] - offset, p, parts);
                    for (std::int64_t j = s.j0; j < s.j1; j += k_line_ints)
                        __builtin_prefetch(indices_ + j, 0, 0);
                    if (!uniform_weight_)
                        for (std::int64_t j = s.j0; j < s.j1; j += 64 / sizeof(T))
                            __builtin_prefetch(weight_ + j);
                }
                if (k + 1 < n) {
                    const Span s = span(first[k + 1] - offset, p, parts);
                    for (std::int64_t j = s.j0; j < s.j1; ++j)
                        __builtin_prefetch(target + indices_[j], 1);
                }
            }
            const Span s = span(first[k] - offset, p, parts);
            if (uniform_weight_) {
                const T w = weight_[0];
                for (std::int64_t j = s.j0; j < s.j1; ++j) target[indices_[j]] += w;
            } else {
                for (std::int64_t j = s.j0; j < s.j1; ++j) target[indices_[j]] += weight_[j];
            }
            events += static_cast<std::uint64_t>(s.j1 - s.j0);
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
    std::size_t parts_ = 1, indices_n_ = 0, parallel_min_events_ = 0;
    std::vector<std::uint32_t> splits_;   // pre_n_ x (parts_ - 1), see build_splits
    bool splits_valid_ = false, sorted_rows_ = false;
    std::vector<PartCounter> part_events_;
    struct Rows {  // this step's rows of one batch entry: *r - offset for r in [first, last)
        const std::int32_t* first = nullptr;
        const std::int32_t* last = nullptr;
        std::int32_t offset = 0;
    };
    std::vector<Rows> rows_;  // per batch entry, from begin_step
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
    registry.add<OpFactory>("synapse_deliver", k_backend_name, make_real<DeliverKernel>);
}

}  // namespace spikegraph::cpu
