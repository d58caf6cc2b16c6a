// Population rate monitors and manifest version 2 (issue 16, items 3 and 5): the rate equals the
// spikes of the monitored neurons recounted from a spike monitor of the same slice, bins lie on
// the absolute time grid, batched runs write (batch, bins), sliced monitors write indices in the
// group and say where their neurons lie, and a bin that is not a whole number of steps is a
// located error.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitors/npy_writer.hpp"
#include "monitors/rate_monitor.hpp"
#include "tests/support/record_blocks.hpp"
#include "tests/support/temp_dir.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::SpikeFeeder;
using testing_support::TempDir;

json read_json(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

const json& entry(const json& manifest, const std::string& file) {
    for (const auto& f : manifest["files"])
        if (f["file"] == file) return f;
    ADD_FAILURE() << "no manifest entry for " << file;
    static const json none;
    return none;
}

// 100 Poisson sources at 40 Hz; a spike monitor and rate monitors of the slice src[10:60].
std::string config(const std::string& bin, int batch = 1) {
    return "simulation: {dt: 0.1 ms, duration: 200 ms, seed: 3, batch: " +
           std::to_string(batch) +
           "}\n"
           "groups:\n  g: {size: 1, model: lif}\n"
           "inputs:\n  src: {type: poisson, size: 100, rate: 40 Hz}\n"
           "monitors:\n"
           "  spikes: {type: spike, group: 'src[10:60]'}\n"
           "  per_step: {type: rate, group: 'src[10:60]'}\n"
           "  binned: {type: rate, group: 'src[10:60]', bin: " + bin + "}\n";
}

fs::path run(const std::string& yaml, const fs::path& out) {
    Network net = load_network_from_string(yaml, "rate.yaml");
    SimulationOptions opts;
    opts.out_dir = out;
    Simulation sim(net, opts);
    sim.run(net.settings.duration_ms);
    sim.finish();
    return out;
}

// Spikes per bin of `bin_steps` steps, recounted from the spike monitor's files (batch entry b).
std::vector<double> recount(const fs::path& out, std::size_t bins, int bin_steps, double dt,
                            std::int64_t b = -1) {
    const auto t = read_npy(out / "spikes.t.npy").as<double>();
    std::vector<std::int64_t> batch;
    if (b >= 0) batch = read_npy(out / "spikes.b.npy").as<std::int64_t>();
    std::vector<double> counts(bins, 0.0);
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (b >= 0 && batch[k] != b) continue;
        const auto step = static_cast<std::int64_t>(std::llround(t[k] / dt));
        counts.at(static_cast<std::size_t>(step / bin_steps)) += 1.0;
    }
    return counts;
}

TEST(RateMonitor, EqualsTheSpikesRecountedFromASpikeMonitor) {
    TempDir dir;
    const fs::path out = run(config("2 ms"), dir / "out");
    // Per step: 2000 bins of 0.1 ms, rate = count / (50 neurons * 1e-4 s).
    const auto rate = read_npy(out / "per_step.rate.npy");
    ASSERT_EQ(rate.shape, std::vector<std::size_t>{2000});
    const auto counts = recount(out, 2000, 1, 0.1);
    const auto r = rate.as<double>();
    double total = 0;
    for (std::size_t k = 0; k < r.size(); ++k) {
        // Exact up to the one division (relative 1e-12 is far above its rounding).
        EXPECT_NEAR(r[k], counts[k] / (50 * 1e-4), 1e-12 * (1 + r[k])) << "bin " << k;
        total += counts[k];
    }
    EXPECT_GT(total, 100.0);  // 50 sources x 40 Hz x 0.2 s = 400 expected: not an empty test
    // 2 ms bins (20 steps): 100 bins starting at 0, 2, 4... ms.
    const auto binned = read_npy(out / "binned.rate.npy").as<double>();
    const auto t = read_npy(out / "binned.t.npy").as<double>();
    ASSERT_EQ(binned.size(), 100u);
    ASSERT_EQ(t.size(), 100u);
    const auto counts20 = recount(out, 100, 20, 0.1);
    for (std::size_t k = 0; k < binned.size(); ++k) {
        EXPECT_NEAR(t[k], 2.0 * static_cast<double>(k), 1e-9);
        EXPECT_NEAR(binned[k], counts20[k] / (50 * 2e-3), 1e-12 * (1 + binned[k])) << "bin " << k;
    }
}

TEST(RateMonitor, ManifestVersion2SaysWhereTheNeuronsLie) {
    TempDir dir;
    const fs::path out = run(config("1 ms"), dir / "out");
    const json manifest = read_json(out / "manifest.json");
    EXPECT_EQ(manifest["version"], 2);
    for (const char* file : {"spikes.t.npy", "spikes.i.npy", "binned.t.npy", "binned.rate.npy"}) {
        const json& e = entry(manifest, file);
        EXPECT_EQ(e["group"], "src") << file;
        EXPECT_EQ(e["group_size"], 100) << file;
        EXPECT_EQ(e["slice_start"], 10) << file;
        EXPECT_EQ(e["slice_stop"], 60) << file;
        EXPECT_EQ(e["batch"], 1) << file;
    }
    const json& rate = entry(manifest, "binned.rate.npy");
    EXPECT_EQ(rate["kind"], "rate");
    EXPECT_EQ(rate["unit"], "Hz");
    EXPECT_DOUBLE_EQ(rate["bin_ms"].get<double>(), 1.0);
    EXPECT_EQ(rate["neurons"], 50);
    EXPECT_EQ(rate["shape"], json::array({200}));
    // Indices are in the group: every one lies in the slice [10, 60), and the slice's ends are
    // reached (a relative index would never reach 50 or above).
    const auto i = read_npy(out / "spikes.i.npy").as<std::int64_t>();
    ASSERT_FALSE(i.empty());
    std::int64_t lo = 1000, hi = -1;
    for (auto k : i) {
        lo = std::min(lo, k);
        hi = std::max(hi, k);
    }
    EXPECT_GE(lo, 10);
    EXPECT_LT(hi, 60);
    EXPECT_GE(hi, 50);
}

TEST(RateMonitor, BatchedRunsWriteOneRowPerBatchEntry) {
    TempDir dir;
    const fs::path out = run(config("5 ms", 3), dir / "out");
    const auto rate = read_npy(out / "binned.rate.npy");
    ASSERT_EQ(rate.shape, (std::vector<std::size_t>{3, 40}));
    const auto r = rate.as<double>();
    bool rows_differ = false;
    for (std::int64_t b = 0; b < 3; ++b) {
        const auto counts = recount(out, 40, 50, 0.1, b);
        for (std::size_t k = 0; k < 40; ++k) {
            const double got = r[static_cast<std::size_t>(b) * 40 + k];
            EXPECT_NEAR(got, counts[k] / (50 * 5e-3), 1e-12 * (1 + got)) << b << "," << k;
            if (got != r[k]) rows_differ = true;
        }
    }
    EXPECT_TRUE(rows_differ);  // independent batch entries draw different spikes
    EXPECT_EQ(entry(read_json(out / "manifest.json"), "binned.rate.npy")["axes"],
              json::array({"batch", "bin"}));
}

TEST(RateMonitor, BinsLieOnTheAbsoluteGridAndACutBinIsDividedByItsTime) {
    TempDir dir;
    RateMonitor m("r", dir.path(), 0.5, 1, 4, 10);  // 5 ms bins of 10 steps, 4 neurons
    SpikeFeeder feed(m, 1, 3);
    // A run resumed at step 15 (7.5 ms) for 10 steps: bin 1 covers steps 15..19, bin 2 20..24.
    for (std::int64_t s = 15; s < 25; ++s)
        feed.step(s, {s == 16 ? std::vector<std::int32_t>{0, 3} : std::vector<std::int32_t>{}});
    feed.flush();
    m.finish();
    EXPECT_EQ(read_npy(dir / "r.t.npy").as<double>(), (std::vector<double>{5.0, 10.0}));
    // Bin 1: 2 spikes / (4 neurons x 2.5 ms) = 200 Hz; bin 2: none.
    const auto rate = read_npy(dir / "r.rate.npy").as<double>();
    ASSERT_EQ(rate.size(), 2u);
    EXPECT_NEAR(rate[0], 200.0, 1e-9);
    EXPECT_EQ(rate[1], 0.0);
}

TEST(RateMonitor, RefusesUnusableSettings) {
    TempDir dir;
    EXPECT_THROW(RateMonitor("r", dir.path(), 0.1, 1, 0, 1), ConfigError);
    EXPECT_THROW(RateMonitor("r", dir.path(), 0.1, 1, 5, 0), ConfigError);
    EXPECT_THROW(RateMonitor("../r", dir.path(), 0.1, 1, 5, 1), ConfigError);
    RateMonitor m("r", dir.path(), 0.1, 2, 5, 1);
    SpikeFeeder one(m, 1);
    EXPECT_THROW(one.step(0, {{}}), SimulationError);  // a block of the wrong batch size
}

std::string load_error(const std::string& yaml) {
    try {
        Network net = load_network_from_string(yaml, "rate.yaml");
        Simulation sim(net, {});
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(RateMonitor, ABinThatIsNotAWholeNumberOfStepsIsALocatedError) {
    const std::string base =
        "simulation: {dt: 0.1 ms, duration: 10 ms}\n"
        "groups:\n  g: {size: 1, model: lif}\n"
        "inputs:\n  src: {type: poisson, size: 10, rate: 40 Hz}\n"
        "monitors:\n";
    std::string e = load_error(base + "  r: {type: rate, group: src, bin: 0.25 ms}\n");
    EXPECT_NE(e.find("rate.yaml:7:"), std::string::npos) << e;
    EXPECT_NE(e.find("monitors.r.bin"), std::string::npos) << e;
    EXPECT_NE(e.find("multiple of dt"), std::string::npos) << e;
    // Through a parameter, the builder checks it.
    e = load_error("parameters: {b: 0.25 ms}\n" + base +
                   "  r: {type: rate, group: src, bin: b}\n");
    EXPECT_NE(e.find("monitors.r.bin"), std::string::npos) << e;
    EXPECT_NE(e.find("whole number of steps"), std::string::npos) << e;
    e = load_error(base + "  r: {type: rate, group: src, bin: 3 mV}\n");
    EXPECT_NE(e.find("monitors.r.bin"), std::string::npos) << e;
    e = load_error(base + "  r: {type: spike, group: src, bin: 1 ms}\n");
    EXPECT_NE(e.find("bin"), std::string::npos) << e;
    e = load_error(base + "  r: {type: rate, group: 'src[3:3]'}\n");
    EXPECT_NE(e.find("the slice is empty"), std::string::npos) << e;
    e = load_error(base + "  r: {type: rates, group: src}\n");
    EXPECT_NE(e.find("rate"), std::string::npos) << e;
}

TEST(RateMonitor, CxxApiMatchesYaml) {
    TempDir dir;
    Network net = load_network_from_string(config("1 ms"), "rate.yaml");
    net.monitor_rate("api", GroupRef::parse("src[10:60]"), ValueSpec("1 ms"));
    SimulationOptions opts;
    opts.out_dir = dir / "out";
    Simulation sim(net, opts);
    sim.run(net.settings.duration_ms);
    sim.finish();
    EXPECT_EQ(read_npy(dir / "out" / "api.rate.npy").as<double>(),
              read_npy(dir / "out" / "binned.rate.npy").as<double>());
}

}  // namespace
}  // namespace spikegraph
