// The CPU backend hands its monitors blocks of ExecutorOptions::record_block_steps steps, the
// rest when the step sequence breaks (set_step, initial_step) and on flush_records, and the
// blocks hold exactly the spikes of one step at a time.

#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "backend/backend_registry.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/delayed_network.hpp"

namespace spikegraph {
namespace {

// Keeps what the executor hands it: the blocks' step ranges and every spike and record step.
class Spy final : public RecordSink {
public:
    void record_spikes(const SpikeBlock& block) override {
        blocks.emplace_back(block.first_step, block.steps);
        for (std::size_t r = 0; r < block.rows(); ++r)
            for (std::size_t k = block.offsets[r]; k < block.offsets[r + 1]; ++k)
                spikes.emplace_back(block.step_of(r), r % block.batch, block.index[k]);
    }
    void record_state(const StateBlock& block) override {
        records.emplace_back(block.steps.begin(), block.steps.end());
        EXPECT_EQ(block.variables, 2u);
        EXPECT_EQ(block.width, 3u);
    }

    std::vector<std::pair<std::int64_t, std::size_t>> blocks;
    std::vector<std::tuple<std::int64_t, std::size_t, std::int32_t>> spikes;
    std::vector<std::vector<std::int64_t>> records;
};

// Runs the delayed network's plan with the given block size through a script that cuts blocks
// short in every way.
void script(const Plan& plan, std::int64_t block_steps, Spy& spikes, Spy& trace) {
    ExecutorOptions options;
    options.record_block_steps = block_steps;
    options.sinks = {{"spikes.record", &spikes}, {"trace.record", &trace}};
    auto exec = make_executor("cpu", plan, options);
    exec->initial_step();
    exec->run_steps(10);
    exec->run_steps(11);
    exec->run_steps(3);
    exec->flush_records();
    exec->flush_records();  // nothing left: no call
    exec->run_steps(2);
    exec->set_step(5);
    exec->run_steps(7);
    exec->run_steps(300);
    exec->initial_step();
    exec->run_steps(1);
    exec->flush_records();
}

TEST(CpuRecordBlocks, MonitorsGetBlocksOfTheAskedSize) {
    Simulation sim(testing_support::delayed_network());
    Spy spikes, trace;
    script(sim.plan(), 7, spikes, trace);
    using Block = std::pair<std::int64_t, std::size_t>;
    std::vector<Block> want = {{0, 7}, {7, 7}, {14, 7}, {21, 3}, {24, 2}, {5, 7}};
    for (std::int64_t first = 12; first + 7 <= 312; first += 7) want.push_back({first, 7});
    want.push_back({306, 6});  // the end of the 300 steps, cut by initial_step
    want.push_back({0, 1});
    EXPECT_EQ(spikes.blocks, want);
    // The state monitor records every 5 steps; blocks without a record are not handed over.
    const std::vector<std::vector<std::int64_t>> first_records = {{0, 5}, {10}, {15, 20}, {25}, {5, 10}};
    ASSERT_GE(trace.records.size(), first_records.size());
    EXPECT_EQ(std::vector<std::vector<std::int64_t>>(trace.records.begin(), trace.records.begin() + 5),
              first_records);
    EXPECT_EQ(trace.records.back(), std::vector<std::int64_t>{0});

    // The same spikes and records as one block per step.
    Spy one_spikes, one_trace;
    script(sim.plan(), 1, one_spikes, one_trace);
    ASSERT_GT(one_spikes.spikes.size(), 100u);
    EXPECT_EQ(spikes.spikes, one_spikes.spikes);
    for (const auto& [first, steps] : one_spikes.blocks) EXPECT_EQ(steps, 1u) << first;
    std::vector<std::int64_t> all, one_all;
    for (const auto& r : trace.records) all.insert(all.end(), r.begin(), r.end());
    for (const auto& r : one_trace.records) {
        EXPECT_EQ(r.size(), 1u);
        one_all.insert(one_all.end(), r.begin(), r.end());
    }
    EXPECT_EQ(all, one_all);
}

// However large the asked blocks, memory stays bounded: a block ends early at 65 536 spikes,
// and a state block at 1 MiB of rows (io_kernels.cpp).
TEST(CpuRecordBlocks, BlocksEndEarlyToBoundMemory) {
    Simulation sim(testing_support::delayed_network(
        {"inputs.drive.size=1000", "inputs.drive.rate=5000 Hz",
         "monitors.busy={type: spike, group: drive}",
         "monitors.all={type: state, group: neurons, variables: [v]}"}));
    struct Sizes final : RecordSink {
        void record_spikes(const SpikeBlock& b) override { spikes.emplace_back(b.steps, b.spikes()); }
        void record_state(const StateBlock& b) override { records.push_back(b.steps.size()); }
        std::vector<std::pair<std::size_t, std::size_t>> spikes;  // (steps, spikes)
        std::vector<std::size_t> records;
    } sizes;
    ExecutorOptions options;
    options.record_block_steps = std::int64_t{1} << 40;
    options.sinks = {{"busy.record", &sizes}, {"all.record", &sizes}};
    auto exec = make_executor("cpu", sim.plan(), options);
    exec->initial_step();
    exec->run_steps(400);
    exec->flush_records();
    ASSERT_GE(sizes.spikes.size(), 3u);
    std::size_t steps = 0;
    for (std::size_t k = 0; k < sizes.spikes.size(); ++k) {
        steps += sizes.spikes[k].first;
        if (k + 1 == sizes.spikes.size()) break;
        // Ended by the step that reached the bound: ~500 spikes a step.
        EXPECT_GE(sizes.spikes[k].second, 65536u);
        EXPECT_LT(sizes.spikes[k].second, 65536u + 1000u);
    }
    EXPECT_EQ(steps, 400u);
    // 400 values of 8 bytes a row: 327 rows fit in 1 MiB.
    EXPECT_EQ(sizes.records, (std::vector<std::size_t>{327, 73}));
}

}  // namespace
}  // namespace spikegraph
