// A checkpoint with good checksums but values no run can produce (found by fuzz_checkpoint) is
// refused as corrupted instead of crashing the delivery kernel or overflowing step - lastspike.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include <spikegraph/error.hpp>
#include "builder/op_payloads.hpp"
#include "builder/plan.hpp"
#include "simulator/snapshot_checks.hpp"

namespace spikegraph {
namespace {

StateSnapshot::Variable variable(std::string name, DType dtype, std::vector<std::size_t> shape,
                                 const void* data, std::size_t bytes) {
    StateSnapshot::Variable v;
    v.name = std::move(name);
    v.dtype = dtype;
    v.shape = std::move(shape);
    v.bytes.resize(bytes);
    std::memcpy(v.bytes.data(), data, bytes);
    return v;
}

// A plan with one neuron update (lastspike) and one delivery through a spike ring of 2 slots,
// batch 1, 4 presynaptic neurons.
Plan ring_plan() {
    Plan plan;
    OpSpec update;
    NeuronUpdatePayload u;
    u.lastspike_var = "g.lastspike";
    update.payload = u;
    plan.ops.push_back(update);
    OpSpec deliver;
    DeliverPayload d;
    d.ring = "c.spike_ring";
    d.ring_count = "c.spike_ring_count";
    deliver.payload = d;
    plan.ops.push_back(deliver);
    return plan;
}

StateSnapshot snapshot(std::int64_t step, std::int64_t lastspike, std::int64_t count,
                       std::int32_t entry) {
    StateSnapshot s;
    s.step = step;
    const std::int64_t last[2] = {lastspike, -1'000'000'000'000'000};
    s.variables.push_back(variable("g.lastspike", DType::i64, {1, 2}, last, sizeof last));
    const std::int64_t counts[2] = {count, 0};
    s.variables.push_back(variable("c.spike_ring_count", DType::i64, {2, 1}, counts, sizeof counts));
    const std::int32_t ring[8] = {entry, 0, 0, 0, 0, 0, 0, 0};
    s.variables.push_back(variable("c.spike_ring", DType::i32, {2, 1, 4}, ring, sizeof ring));
    return s;
}

std::string refusal(const StateSnapshot& s) {
    try {
        detail::check_snapshot_values(ring_plan(), s, [](const std::string& why) { throw IoError(why); });
    } catch (const IoError& e) {
        return e.what();
    }
    return "";
}

TEST(CheckpointValues, AStateARunCanProduceIsAccepted) {
    EXPECT_EQ(refusal(snapshot(100, 99, 1, 3)), "");
    EXPECT_EQ(refusal(snapshot(0, -1'000'000'000'000'000, 0, 0)), "");
}

TEST(CheckpointValues, AStepCounterPastTheLargestStepIsRefused) {
    EXPECT_NE(refusal(snapshot(INT64_MAX, 0, 0, 0)).find("step counter"), std::string::npos);
    EXPECT_NE(refusal(snapshot(-1, -5, 0, 0)).find("step counter"), std::string::npos);
}

TEST(CheckpointValues, ALastSpikeOutsideTheRunIsRefused) {
    EXPECT_NE(refusal(snapshot(100, INT64_MIN, 0, 0)).find("g.lastspike"), std::string::npos);
    EXPECT_NE(refusal(snapshot(100, 101, 0, 0)).find("g.lastspike"), std::string::npos);
}

TEST(CheckpointValues, ASpikeRingCountBeyondItsRowIsRefused) {
    EXPECT_NE(refusal(snapshot(100, 99, 5, 0)).find("c.spike_ring_count"), std::string::npos);
    EXPECT_NE(refusal(snapshot(100, 99, -1, 0)).find("c.spike_ring_count"), std::string::npos);
    EXPECT_NE(refusal(snapshot(100, 99, INT64_MAX, 0)).find("c.spike_ring_count"), std::string::npos);
}

TEST(CheckpointValues, ASpikeRingEntryThatIsNoNeuronIndexIsRefused) {
    EXPECT_NE(refusal(snapshot(100, 99, 1, 0x7f7f7f7f)).find("c.spike_ring"), std::string::npos);
    EXPECT_NE(refusal(snapshot(100, 99, 1, -1)).find("neuron index -1"), std::string::npos);
    // Entries past the count are not spikes and are not read.
    EXPECT_EQ(refusal(snapshot(100, 99, 0, -1)), "");
}

}  // namespace
}  // namespace spikegraph
