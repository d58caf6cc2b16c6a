#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/record_blocks.hpp"
#include "tests/support/temp_dir.hpp"
#include <spikegraph/error.hpp>
#include "monitors/manifest.hpp"
#include "monitors/npy_writer.hpp"
#include "monitors/spike_monitor.hpp"
#include "monitors/state_monitor.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using testing_support::SpikeFeeder;
using testing_support::StateFeeder;

class MonitorTest : public ::testing::Test {
protected:

    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
        std::sort(names.begin(), names.end());
        return names;
    }

    testing_support::TempDir tmp_{"spikegraph_mon"};
    const fs::path dir_ = tmp_.path();
};

bool have_numpy() {
    return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

// Value that state monitor tests record for variable v, batch entry b, record r, column k:
// unique per position, so any mix-up of the layout shows.
double state_value(std::size_t v, std::size_t b, std::size_t r, std::size_t k) {
    return static_cast<double>(v * 1000000 + b * 10000 + r * 10 + k);
}

TEST_F(MonitorTest, SpikeMonitorRecordsTimesAndIndices) {
    SpikeMonitor m("spikes", dir_, 0.1, 1, 40);
    SpikeFeeder feed(m, 1, 4);
    feed.step(0, {{1, 5}});
    feed.step(1, {{}});
    feed.step(2, {{}});
    feed.step(3, {{0}});  // the fourth step: the block goes to the monitor
    m.finish();
    m.finish();

    EXPECT_EQ(listing(), (std::vector<std::string>{"spikes.i.npy", "spikes.t.npy"}));
    const NpyArray t = read_npy(dir_ / "spikes.t.npy");
    const NpyArray i = read_npy(dir_ / "spikes.i.npy");
    EXPECT_EQ(t.descr, "<f8");
    EXPECT_EQ(i.descr, "<i8");
    EXPECT_EQ(t.shape, std::vector<std::size_t>{3});
    EXPECT_EQ(t.as<double>(), (std::vector<double>{0.0, 0.0, 3 * 0.1}));
    // Indices are in the group: the slice's offset (40) is added to the blocks' indices.
    EXPECT_EQ(i.as<std::int64_t>(), (std::vector<std::int64_t>{41, 45, 40}));
    EXPECT_EQ(m.total_spikes(), 3u);
    EXPECT_EQ(m.count(0), 3u);
    feed.step(4, {{0}});
    EXPECT_THROW(feed.flush(), SimulationError);  // after finish()
}

TEST_F(MonitorTest, SpikeMonitorKeepsOrderAcrossManyChunks) {
    SpikeMonitor m("s", dir_, 0.5, 2, 0, 7);
    SpikeFeeder feed(m, 2, 3);
    std::vector<double> want_t;
    std::vector<std::int64_t> want_i, want_b;
    for (std::int64_t step = 0; step < 200; ++step) {
        std::vector<std::vector<std::int32_t>> rows(2);
        for (std::size_t b = 0; b < 2; ++b) {
            const std::size_t n =
                static_cast<std::size_t>((step * 7 + static_cast<std::int64_t>(b) * 3) % 23);
            for (std::size_t k = 0; k < n; ++k) {
                rows[b].push_back(static_cast<std::int32_t>(k * 2 + b));
                want_t.push_back(static_cast<double>(step) * 0.5);
                want_i.push_back(static_cast<std::int64_t>(k * 2 + b));
                want_b.push_back(static_cast<std::int64_t>(b));
            }
        }
        feed.step(step, rows);
    }
    feed.flush();
    SpikeFeeder wrong_batch(m, 3);
    EXPECT_THROW(wrong_batch.step(0, {{}, {}, {}}), SimulationError);
    m.finish();
    EXPECT_GT(want_t.size(), 100u * 7);
    EXPECT_EQ(read_npy(dir_ / "s.t.npy").as<double>(), want_t);
    EXPECT_EQ(read_npy(dir_ / "s.i.npy").as<std::int64_t>(), want_i);
    EXPECT_EQ(read_npy(dir_ / "s.b.npy").as<std::int64_t>(), want_b);
    EXPECT_EQ(m.count(0) + m.count(1), want_t.size());
    EXPECT_EQ(m.count(0), static_cast<std::uint64_t>(std::count(want_b.begin(), want_b.end(), 0)));
    EXPECT_EQ(m.count(2), 0u);
}

TEST_F(MonitorTest, SpikeMonitorColumnsFilledOnTheirOwnThreadsWriteWhatRecordSpikesWrites) {
    // The same spikes twice, in blocks of 4 steps: through record_spikes, and by columns (what
    // a parallel stage does: note_spikes, then every column on a thread of its own). Chunks of
    // 5 records, so each column flushes on its own thread many times.
    const fs::path whole_dir = dir_ / "whole", columns_dir = dir_ / "columns";
    SpikeMonitor whole("s", whole_dir, 0.25, 2, 0, 5);
    SpikeMonitor columns("s", columns_dir, 0.25, 2, 0, 5);
    ASSERT_EQ(columns.spike_columns(), 3u);
    SpikeBlockBuffer block(2);
    const auto hand_over = [&] {
        whole.record_spikes(block.view());
        columns.note_spikes(block.view());
        std::vector<std::thread> threads;
        for (std::size_t c = 0; c < 3; ++c)
            threads.emplace_back([&, c] { columns.record_spike_column(c, block.view()); });
        for (auto& t : threads) t.join();
        block.clear();
    };
    std::vector<std::int32_t> idx;
    for (std::int64_t step = 0; step < 120; ++step) {
        block.begin_step(step);
        for (std::size_t b = 0; b < 2; ++b) {
            const auto n = static_cast<std::size_t>((step * 5 + static_cast<std::int64_t>(b)) % 13);
            idx.clear();
            for (std::size_t k = 0; k < n; ++k) idx.push_back(static_cast<std::int32_t>(3 * k + b + 100));
            block.add_row(idx.data(), n, 100);
        }
        if (block.steps() == 4) hand_over();
    }
    SpikeBlockBuffer wrong_batch(1);
    wrong_batch.begin_step(0);
    wrong_batch.add_row(idx.data(), 1, 0);
    EXPECT_THROW(columns.note_spikes(wrong_batch.view()), SimulationError);
    whole.finish();
    columns.finish();
    ASSERT_GT(whole.total_spikes(), 500u);
    EXPECT_EQ(columns.total_spikes(), whole.total_spikes());
    EXPECT_EQ(columns.count(1), whole.count(1));
    for (const char* f : {"s.t.npy", "s.i.npy", "s.b.npy"}) {
        SCOPED_TRACE(f);
        const NpyArray a = read_npy(whole_dir / f), b = read_npy(columns_dir / f);
        EXPECT_EQ(a.shape, b.shape);
        EXPECT_EQ(a.bytes, b.bytes);
    }
    block.begin_step(200);
    block.add_row(idx.data(), 1, 0);
    block.add_row(idx.data(), 0, 0);
    EXPECT_THROW(columns.note_spikes(block.view()), SimulationError);  // after finish()
}

TEST_F(MonitorTest, SpikeMonitorDestroyedWithoutFinishLeavesNoFiles) {
    {
        SpikeMonitor m("s", dir_, 0.1, 3, 0, 4);
        SpikeFeeder feed(m, 3);
        feed.step(1, {{}, {}, {1, 2, 3, 4, 5, 6}});  // crosses a chunk boundary: data on disk
    }
    EXPECT_TRUE(listing().empty());
}

TEST_F(MonitorTest, SpikeMonitorManifestEntries) {
    SpikeMonitor m("spikes", dir_, 0.1, 2, 40);
    m.set_place({"exc", 100, 40, 50});
    SpikeFeeder(m, 2).step(5, {{}, {3}});
    m.finish();
    const nlohmann::json e = m.manifest_entries();
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0]["file"], "spikes.t.npy");
    EXPECT_EQ(e[0]["monitor"], "spikes");
    EXPECT_EQ(e[0]["kind"], "spike");
    EXPECT_EQ(e[0]["group"], "exc");
    EXPECT_EQ(e[0]["variable"], "t");
    EXPECT_EQ(e[0]["unit"], "ms");
    EXPECT_EQ(e[0]["dtype"], "float64");
    EXPECT_EQ(e[0]["shape"], nlohmann::json::array({1}));
    EXPECT_EQ(e[0]["axes"], nlohmann::json::array({"spike"}));
    EXPECT_EQ(e[1]["file"], "spikes.i.npy");
    EXPECT_EQ(e[1]["dtype"], "int64");
    // Manifest version 2: every file says where its neurons lie, and indices are in the group.
    for (const auto& f : e) {
        EXPECT_EQ(f["group"], "exc");
        EXPECT_EQ(f["group_size"], 100);
        EXPECT_EQ(f["slice_start"], 40);
        EXPECT_EQ(f["slice_stop"], 50);
        EXPECT_EQ(f["batch"], 2);
    }
    EXPECT_EQ(read_npy(dir_ / "spikes.i.npy").as<std::int64_t>(), std::vector<std::int64_t>{43});
    EXPECT_EQ(e[2]["file"], "spikes.b.npy");
    for (const auto& f : e) EXPECT_TRUE(fs::exists(dir_ / f["file"].get<std::string>()));
}

TEST_F(MonitorTest, MonitorsRejectUnusableConfiguration) {
    EXPECT_THROW(SpikeMonitor("", dir_, 0.1, 1, 0), ConfigError);
    EXPECT_THROW(SpikeMonitor("../x", dir_, 0.1, 1, 0), ConfigError);
    EXPECT_THROW(SpikeMonitor("s", dir_, 0.1, 0, 0), ConfigError);
    EXPECT_THROW(SpikeMonitor("s", dir_, 0.1, 1, 0, 0), ConfigError);
    EXPECT_THROW(StateMonitor("m", dir_, 0.1, 1, {"v", "w"}, {"mV"}, {0}), ConfigError);
    EXPECT_THROW(StateMonitor("m", dir_, 0.1, 1, {"t"}, {"ms"}, {0}), ConfigError);
    EXPECT_THROW(StateMonitor("m", dir_, 0.1, 1, {"v", "v"}, {"mV", "mV"}, {0}), ConfigError);
}

TEST_F(MonitorTest, StateMonitorUnbatchedLayoutAcrossChunks) {
    const std::vector<std::int64_t> indices{2, 7, 9};
    // 100 bytes for 2 variables of 24-byte rows: 2 rows per chunk, so many flushes.
    StateMonitor m("st", dir_, 0.25, 1, {"v", "w"}, {"mV", "nA"}, indices, 100);
    const std::size_t records = 37;
    StateFeeder feed(m, 2, 1, 3, 5);  // blocks of 5 records, the last of 2
    for (std::size_t r = 0; r < records; ++r)
        feed.record(static_cast<std::int64_t>(r * 4), [&](std::size_t v, std::size_t b,
                                                          std::size_t k) {
            return state_value(v, b, r, k);
        });
    feed.flush();
    // Blocks of the wrong width, variable count or batch size.
    for (const auto& [vars, batch, width] : {std::array<std::size_t, 3>{2, 1, 2},
                                             std::array<std::size_t, 3>{3, 1, 3},
                                             std::array<std::size_t, 3>{2, 2, 3}}) {
        StateFeeder wrong(m, vars, batch, width);
        EXPECT_THROW(wrong.record(0, [](auto...) { return 0.0; }), SimulationError);
    }
    EXPECT_EQ(m.records(), records);
    m.finish();

    EXPECT_EQ(listing(),
              (std::vector<std::string>{"st.index.npy", "st.t.npy", "st.v.npy", "st.w.npy"}));
    const NpyArray t = read_npy(dir_ / "st.t.npy");
    ASSERT_EQ(t.shape, std::vector<std::size_t>{records});
    const std::vector<double> tv = t.as<double>();
    for (std::size_t r = 0; r < records; ++r) {
        EXPECT_DOUBLE_EQ(tv[r], static_cast<double>(r * 4) * 0.25);
    }
    EXPECT_EQ(read_npy(dir_ / "st.index.npy").as<std::int64_t>(), indices);
    for (std::size_t v = 0; v < 2; ++v) {
        const NpyArray a = read_npy(dir_ / (v == 0 ? "st.v.npy" : "st.w.npy"));
        EXPECT_EQ(a.shape, (std::vector<std::size_t>{records, 3}));
        const std::vector<double> x = a.as<double>();
        for (std::size_t r = 0; r < records; ++r) {
            for (std::size_t k = 0; k < 3; ++k) ASSERT_EQ(x[r * 3 + k], state_value(v, 0, r, k));
        }
    }
}

TEST_F(MonitorTest, StateMonitorBatchedLayoutIsBatchRecordNeuron) {
    const std::size_t batch = 3, n = 4, records = 50;
    StateMonitor m("st", dir_, 0.1, batch, {"v", "g"}, {"mV", "nS"}, {0, 1, 2, 3}, 256);
    StateFeeder feed(m, 2, batch, n, 7);
    for (std::size_t r = 0; r < records; ++r)
        feed.record(static_cast<std::int64_t>(r), [&](std::size_t v, std::size_t b,
                                                      std::size_t k) {
            return state_value(v, b, r, k);
        });
    feed.flush();
    m.finish();
    EXPECT_EQ(listing(),
              (std::vector<std::string>{"st.g.npy", "st.index.npy", "st.t.npy", "st.v.npy"}));
    for (std::size_t v = 0; v < 2; ++v) {
        const NpyArray a = read_npy(dir_ / (v == 0 ? "st.v.npy" : "st.g.npy"));
        ASSERT_EQ(a.shape, (std::vector<std::size_t>{batch, records, n}));
        const std::vector<double> x = a.as<double>();
        for (std::size_t b = 0; b < batch; ++b) {
            for (std::size_t r = 0; r < records; ++r) {
                for (std::size_t k = 0; k < n; ++k) {
                    ASSERT_EQ(x[(b * records + r) * n + k], state_value(v, b, r, k));
                }
            }
        }
    }
    const nlohmann::json e = m.manifest_entries();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e[2]["file"], "st.v.npy");
    EXPECT_EQ(e[2]["unit"], "mV");
    EXPECT_EQ(e[2]["shape"], nlohmann::json::array({batch, records, n}));
    EXPECT_EQ(e[2]["axes"], nlohmann::json::array({"batch", "record", "neuron"}));
    EXPECT_EQ(e[0]["shape"], nlohmann::json::array({records}));
}

TEST_F(MonitorTest, StateMonitorDestroyedWithoutFinishLeavesNoFiles) {
    for (std::size_t batch : {1u, 2u}) {
        {
            StateMonitor m("st", dir_, 0.1, batch, {"v"}, {"mV"}, {0, 1}, 16);
            StateFeeder feed(m, 1, batch, 2);
            for (int r = 0; r < 5; ++r)
                feed.record(r, [](std::size_t, std::size_t, std::size_t k) { return k + 1.0; });
        }
        EXPECT_TRUE(listing().empty()) << "batch " << batch;
    }
}

TEST_F(MonitorTest, StateMonitorWithNoRecords) {
    StateMonitor m("st", dir_, 0.1, 2, {"v"}, {"mV"}, {5, 6});
    m.finish();
    EXPECT_EQ(read_npy(dir_ / "st.v.npy").shape, (std::vector<std::size_t>{2, 0, 2}));
    EXPECT_EQ(read_npy(dir_ / "st.t.npy").shape, std::vector<std::size_t>{0});
}

TEST_F(MonitorTest, ManifestRoundTrip) {
    SpikeMonitor s("spikes", dir_, 0.1, 1, 0);
    StateMonitor st("state", dir_, 0.1, 1, {"v"}, {"mV"}, {0});
    s.set_place({"exc", 1, 0, 1});
    st.set_place({"exc", 1, 0, 1});
    s.finish();
    st.finish();
    nlohmann::json files = s.manifest_entries();
    for (const auto& e : st.manifest_entries()) files.push_back(e);
    const nlohmann::json run = {{"dt_ms", 0.1}, {"steps", 0}, {"backend", "cpu"}};
    write_manifest(dir_, run, files);

    std::ifstream in(dir_ / "manifest.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_NE(text.find("\n  \"files\""), std::string::npos);  // 2-space indent
    const nlohmann::json m = nlohmann::json::parse(text);
    EXPECT_EQ(m["format"], "spikegraph-output");
    EXPECT_EQ(m["version"], 2);
    EXPECT_EQ(m["run"], run);
    EXPECT_EQ(m["files"], files);
    for (const auto& f : m["files"]) EXPECT_TRUE(fs::exists(dir_ / f["file"].get<std::string>()));
    EXPECT_EQ(listing().size(), 2u + 3u + 1u);  // spike t,i; state t,index,v; manifest
}

TEST_F(MonitorTest, NumpyLoadsBatchedStateOutput) {
    if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
    StateMonitor m("st", dir_, 0.5, 2, {"v"}, {"mV"}, {3, 4, 5}, 64);
    StateFeeder feed(m, 1, 2, 3, 3);
    for (std::size_t r = 0; r < 20; ++r)
        feed.record(static_cast<std::int64_t>(r),
                    [&](std::size_t v, std::size_t b, std::size_t k) { return state_value(v, b, r, k); });
    feed.flush();
    m.finish();
    const std::string cmd =
        "/usr/bin/python3 -c 'import numpy, sys, os; d = sys.argv[1]; "
        "v = numpy.load(os.path.join(d, \"st.v.npy\")); "
        "t = numpy.load(os.path.join(d, \"st.t.npy\")); "
        "i = numpy.load(os.path.join(d, \"st.index.npy\")); "
        "b, r, k = numpy.meshgrid(numpy.arange(2), numpy.arange(20), numpy.arange(3), "
        "indexing=\"ij\"); "
        "ok = v.shape == (2, 20, 3) and (v == b * 10000 + r * 10 + k).all() and "
        "(t == 0.5 * numpy.arange(20)).all() and i.dtype == numpy.int64 and "
        "list(i) == [3, 4, 5]; sys.exit(0 if ok else 1)' '" +
        dir_.string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace spikegraph
