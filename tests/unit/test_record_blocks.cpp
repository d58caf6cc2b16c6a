// Monitors receive blocks of steps (backend/record_chunk.hpp), of whatever size the backend
// chooses: their files are byte for byte the same for blocks of one step, of 7 steps and the
// backend's default, through runs that end mid-block, interruptions, store/restore and a
// checkpoint resumed mid-block, batched or not, on one thread or two.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "monitors/npy_writer.hpp"
#include "monitors/spike_monitor.hpp"
#include "monitors/state_monitor.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/delayed_network.hpp"
#include "tests/support/record_blocks.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;  // file name -> bytes

Files read_files(const fs::path& dir) {
    Files files;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name == "stats.json") continue;  // timings
        std::ifstream in(e.path(), std::ios::binary);
        files[name] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return files;
}

// The delayed network (spikes in flight at every step) with a spike monitor of a slice and a
// state monitor of every neuron of a slice, besides its own two monitors.
Network network(int threads, int batch) {
    const std::string yaml = std::string(testing_support::k_delayed_network_yaml) + R"(  slice:
    type: spike
    group: neurons[100:300]
  wide:
    type: state
    group: neurons[390:400]
    variables: [v, gi]
)";
    return load_network_from_string(yaml, "blocks.yaml",
                                    {"simulation.threads=" + std::to_string(threads),
                                     "simulation.batch=" + std::to_string(batch)});
}

struct Outputs {
    Files run, resumed;
};

// A session that breaks the step sequence everywhere a block could be cut: runs of lengths
// that are no multiple of 7, store and restore mid-run, an interrupted run, a checkpoint
// resumed by a second simulation.
Outputs session(const fs::path& dir, std::int64_t block_steps, int threads, int batch) {
    SimulationOptions options;
    options.out_dir = dir / "run";
    options.record_block_steps = block_steps;
    Simulation sim(network(threads, batch), options);
    sim.run(10.3);
    sim.store("a");
    sim.run_continue(5.1);
    sim.restore("a");
    std::atomic<bool> stop{false};
    RunControl control;
    control.stop = &stop;
    int calls = 0;
    control.progress = [&](std::int64_t, std::int64_t) {
        if (++calls == 13) stop = true;
    };
    sim.run_continue(20.0, control);
    EXPECT_TRUE(sim.interrupted());
    sim.run_continue(3.0);
    const fs::path checkpoint = dir.parent_path() / "state.ckpt";  // one path for every session
    sim.checkpoint(checkpoint);
    sim.run_continue(2.2);
    sim.finish();

    SimulationOptions again = options;
    again.out_dir = dir / "resumed";
    Simulation resumed(network(threads, batch), again);
    resumed.resume(checkpoint);
    resumed.run_continue(4.7);
    resumed.finish();
    return {read_files(options.out_dir), read_files(again.out_dir)};
}

TEST(RecordBlocks, FilesAreTheSameForEveryBlockSize) {
    testing_support::TempDir tmp("spikegraph_blocks");
    for (const int batch : {1, 2}) {
        const Outputs reference = session(tmp / "reference", 1, 1, batch);
        ASSERT_GT(read_npy(tmp / "reference" / "run" / "spikes.t.npy").size(), 100u);
        ASSERT_EQ(reference.run.size(), batch == 1 ? 13u : 15u);  // with manifest.json
        for (const std::int64_t block_steps : {7, 0})
            for (const int threads : {1, 2}) {
                SCOPED_TRACE("batch " + std::to_string(batch) + ", blocks of " +
                             std::to_string(block_steps) + " steps, " + std::to_string(threads) +
                             " threads");
                const fs::path dir = tmp / ("b" + std::to_string(block_steps) + "t" +
                                            std::to_string(threads));
                const Outputs got = session(dir, block_steps, threads, batch);
                EXPECT_TRUE(got.run == reference.run);
                EXPECT_TRUE(got.resumed == reference.resumed);
                fs::remove_all(dir);
            }
        fs::remove_all(tmp / "reference");
    }
}

// The monitors themselves: one stream handed over in blocks of 1, 7 and 64 steps (records)
// writes the same bytes, batched or not.
TEST(RecordBlocks, MonitorsWriteTheSameBytesForAnyBlocks) {
    testing_support::TempDir tmp("spikegraph_blocks");
    for (const std::size_t batch : {1u, 3u}) {
        std::map<std::size_t, Files> out;
        for (const std::size_t block : {1u, 7u, 64u}) {
            const fs::path dir = tmp / (std::to_string(batch) + "_" + std::to_string(block));
            SpikeMonitor spikes("s", dir, 0.1, batch, 0, 50);
            StateMonitor state("m", dir, 0.1, batch, {"v", "w"}, {"mV", "nA"}, {4, 8, 9}, 300);
            testing_support::SpikeFeeder spike_feed(spikes, batch, block);
            testing_support::StateFeeder state_feed(state, 2, batch, 3, block);
            for (std::int64_t step = 0; step < 300; ++step) {
                std::vector<std::vector<std::int32_t>> rows(batch);
                for (std::size_t b = 0; b < batch; ++b)
                    for (std::int32_t k = 0; k < (step * 7 + static_cast<std::int64_t>(b)) % 11; ++k)
                        rows[b].push_back(k * 3 + static_cast<std::int32_t>(b));
                spike_feed.step(step, rows);
                if (step % 3 == 0)
                    state_feed.record(step, [&](std::size_t v, std::size_t b, std::size_t k) {
                        return static_cast<double>(step) + 0.25 * static_cast<double>(v * 100 + b * 10 + k);
                    });
            }
            spike_feed.flush();
            state_feed.flush();
            spikes.finish();
            state.finish();
            ASSERT_GT(spikes.total_spikes(), 1000u);
            out[block] = read_files(dir);
        }
        EXPECT_EQ(out[1].size(), batch == 1 ? 6u : 7u);
        EXPECT_TRUE(out[7] == out[1]) << "batch " << batch;
        EXPECT_TRUE(out[64] == out[1]) << "batch " << batch;
    }
}

}  // namespace
}  // namespace spikegraph
