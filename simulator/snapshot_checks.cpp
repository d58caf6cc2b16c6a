#include "simulator/snapshot_checks.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "builder/op_payloads.hpp"
#include "core/time_steps.hpp"

namespace spikegraph::detail {

namespace {

// The builder's "never spiked" mark is -1e15 steps; any earlier value is not a step a run wrote.
constexpr std::int64_t k_earliest_lastspike = -1'000'000'000'000'000;

const StateSnapshot::Variable* find(const StateSnapshot& s, const std::string& name) {
    for (const auto& v : s.variables)
        if (v.name == name) return &v;
    return nullptr;
}

template <class T>
std::vector<T> values_of(const StateSnapshot::Variable& v) {
    std::vector<T> out(v.bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), v.bytes.data(), out.size() * sizeof(T));
    return out;
}

void check_lastspike(const StateSnapshot& s, const std::string& name,
                     const std::function<void(const std::string&)>& refuse) {
    const auto* v = find(s, name);
    if (!v || v->dtype != DType::i64) return;
    const auto values = values_of<std::int64_t>(*v);
    for (std::size_t k = 0; k < values.size(); ++k)
        if (values[k] < k_earliest_lastspike || values[k] > s.step)
            refuse(fmt::format("'{}'[{}] is step {}, outside [{}, {}] (the step counter)", name, k,
                               values[k], k_earliest_lastspike, s.step));
}

// ring: i32 [slots, batch, pre], ring_count: i64 [slots, batch].
void check_spike_ring(const StateSnapshot& s, const DeliverPayload& d,
                      const std::function<void(const std::string&)>& refuse) {
    const auto* ring = find(s, d.ring);
    const auto* count = find(s, d.ring_count);
    if (!ring || !count || ring->dtype != DType::i32 || count->dtype != DType::i64 ||
        ring->shape.size() != 3)
        return;
    const std::size_t rows = ring->shape[0] * ring->shape[1], row = ring->shape[2];
    const auto counts = values_of<std::int64_t>(*count);
    const auto entries = values_of<std::int32_t>(*ring);
    if (counts.size() != rows || entries.size() != rows * row) return;  // sizes checked earlier
    for (std::size_t r = 0; r < rows; ++r) {
        if (counts[r] < 0 || static_cast<std::uint64_t>(counts[r]) > row)
            refuse(fmt::format("'{}'[{}] counts {} spikes, outside [0, {}]", d.ring_count, r,
                               counts[r], row));
        for (std::int64_t k = 0; k < counts[r]; ++k) {
            const std::int32_t pre = entries[r * row + static_cast<std::size_t>(k)];
            if (pre < 0 || static_cast<std::size_t>(pre) >= row)
                refuse(fmt::format("'{}' holds the neuron index {}, outside [0, {})", d.ring, pre,
                                   row));
        }
    }
}

}  // namespace

void check_snapshot_values(const Plan& plan, const StateSnapshot& snapshot,
                           const std::function<void(const std::string&)>& refuse) {
    if (snapshot.step < 0 || snapshot.step > k_max_steps)
        refuse(fmt::format("its step counter {} is outside [0, 2^62]", snapshot.step));
    for (const auto& op : plan.ops) {
        if (const auto* u = std::get_if<NeuronUpdatePayload>(&op.payload); u && !u->lastspike_var.empty())
            check_lastspike(snapshot, u->lastspike_var, refuse);
        if (const auto* d = std::get_if<DeliverPayload>(&op.payload); d && !d->ring_count.empty())
            check_spike_ring(snapshot, *d, refuse);
    }
}

}  // namespace spikegraph::detail
