// `spikegraph inspect` (issue 16, items 1 and 2): the statistics on known spike trains (a
// regular train has CV 0, a Poisson train CV and Fano factor near 1), equal to an independent
// numpy computation on a run's files (tests/reference/inspect_stats.py), the --plot figures,
// and a clear error naming the file for each bad directory or option.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "monitors/spike_statistics.hpp"
#include "tests/support/cli_test.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {
namespace {

using namespace cli_test;
using nlohmann::json;

std::vector<std::int64_t> range(std::int64_t n) {
    std::vector<std::int64_t> out;
    for (std::int64_t k = 0; k < n; ++k) out.push_back(k);
    return out;
}

// Spikes (t, i) of several neurons merged into time order, as a spike monitor writes them.
struct Trains {
    std::vector<std::pair<double, double>> spikes;
    SpikeStatisticsRow stats(const SpikeStatisticsOptions& o) {
        std::sort(spikes.begin(), spikes.end());
        std::vector<double> t, i;
        for (auto [a, b] : spikes) {
            t.push_back(a);
            i.push_back(b);
        }
        SpikeStatistics s(o);
        // In two calls, as the command streams its files in chunks.
        const std::size_t half = t.size() / 2;
        s.add(t.data(), i.data(), nullptr, half);
        s.add(t.data() + half, i.data() + half, nullptr, t.size() - half);
        return s.finish().at(0);
    }
};

TEST(SpikeStatistics, ARegularTrainHasCvZeroAndFanoZero) {
    Trains tr;
    // 10 neurons at 100 Hz, in phase, over 1 s (spikes at 0, 10, ... 990 ms); one silent neuron.
    for (int n = 0; n < 10; ++n)
        for (int k = 0; k < 100; ++k) tr.spikes.emplace_back(k * 10.0, n);
    SpikeStatisticsOptions o;
    o.from_ms = 0;
    o.to_ms = 1000;
    o.bin_ms = 10;
    o.neurons = range(11);
    const SpikeStatisticsRow r = tr.stats(o);
    EXPECT_EQ(r.spikes, 1000u);
    EXPECT_NEAR(r.mean_rate_hz, 1000.0 / 11, 1e-9);
    EXPECT_NEAR(r.median_rate_hz, 100.0, 1e-9);
    EXPECT_NEAR(r.fraction_active, 10.0 / 11, 1e-12);
    EXPECT_EQ(r.cv_neurons, 10u);
    EXPECT_NEAR(r.cv_isi, 0.0, 1e-9);
    EXPECT_EQ(r.fano_neurons, 10u);
    EXPECT_NEAR(r.fano, 0.0, 1e-9);  // one spike in every 10 ms bin
    // 5 ms bins: counts alternate 1, 0 in phase for all: the population is fully synchronous.
    o.bin_ms = 5;
    const SpikeStatisticsRow r5 = tr.stats(o);
    EXPECT_NEAR(r5.fano, 0.5, 1e-9);  // counts 1,0,1,0...: mean 1/2, variance 1/4
    // chi^2 = Var(mean count) / mean Var(count) = (10/11)^2 (1/4) / ((10/11) (1/4)).
    EXPECT_NEAR(r5.chi, std::sqrt(10.0 / 11), 1e-9);
}

TEST(SpikeStatistics, PoissonTrainsHaveCvAndFanoNearOneAndLowSynchrony) {
    std::mt19937_64 rng(7);
    std::exponential_distribution<double> isi(20.0 / 1000.0);  // 20 Hz, in 1/ms
    Trains tr;
    const int n = 50;
    for (int k = 0; k < n; ++k)
        for (double t = isi(rng); t < 100000.0; t += isi(rng))
            tr.spikes.emplace_back(std::round(t * 10.0) / 10.0, k);  // on a 0.1 ms grid
    SpikeStatisticsOptions o;
    o.from_ms = 0;
    o.to_ms = 100000;
    o.bin_ms = 100;
    o.neurons = range(n);
    const SpikeStatisticsRow r = tr.stats(o);
    // ~2000 intervals per neuron: each neuron's CV has a standard error of about 0.02, the mean
    // of 50 about 0.003; the 0.1 ms grid shifts it by far less. 0.03 is ten standard errors.
    EXPECT_NEAR(r.cv_isi, 1.0, 0.03);
    // 1000 bins of mean count 2: the Fano factor's standard error is about
    // sqrt(2 / 1000) = 0.045 per neuron, 0.006 for the mean of 50.
    EXPECT_NEAR(r.fano, 1.0, 0.05);
    // Independent neurons: chi^2 is about 1/N (0.02); chi about 0.14.
    EXPECT_NEAR(r.chi, 1.0 / std::sqrt(n), 0.05);
    EXPECT_NEAR(r.mean_rate_hz, 20.0, 0.5);  // 100 000 spikes: 0.3% standard error
}

TEST(SpikeStatistics, WindowNeuronsAndBatchEntries) {
    // Batch entry 1 fires twice as often; neuron 5 is not selected; the window cuts spikes.
    std::vector<double> t, i, b;
    for (int k = 0; k < 100; ++k)
        for (int e = 0; e < 2; ++e)
            for (int nrn : {3, 4, 5}) {
                if (e == 0 && k % 2 == 1) continue;
                t.push_back(k * 1.0);
                i.push_back(nrn);
                b.push_back(e);
            }
    SpikeStatisticsOptions o;
    o.from_ms = 20;
    o.to_ms = 60;
    o.bin_ms = 10;
    o.neurons = {3, 4};
    o.batch = 2;
    SpikeStatistics s(o);
    s.add(t.data(), i.data(), b.data(), t.size());
    const auto rows = s.finish();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].spikes, 2u * 20);  // even ms 20..58
    EXPECT_EQ(rows[1].spikes, 2u * 40);
    EXPECT_NEAR(rows[1].mean_rate_hz, 40 / 0.04, 1e-9);
    EXPECT_EQ(rows[1].whole_bins, 4u);
    // Out of order, and a batch entry out of range, are refused.
    SpikeStatistics bad(o);
    const double tt[] = {35, 34}, ii[] = {3, 3}, bb[] = {0, 3};
    EXPECT_THROW(bad.add(tt, ii, nullptr, 2), ConfigError);
    SpikeStatistics bad2(o);
    EXPECT_THROW(bad2.add(tt + 1, ii, bb + 1, 1), ConfigError);
    o.to_ms = o.from_ms;
    EXPECT_THROW(SpikeStatistics{o}, ConfigError);
}

// A small network with spike, rate and state monitors, run through the CLI.
const char* const k_network =
    "simulation: {dt: 0.1 ms, duration: 500 ms, seed: 4, batch: BATCH}\n"
    "inputs:\n  src: {type: poisson, size: 200, rate: 20 Hz}\n"
    "groups:\n  g:\n    size: 40\n    model: lif\n    parameters: {I: '370 pA + i * 2 pA'}\n"
    "connections:\n  c:\n    pre: src\n    post: g\n    target: I_syn\n    weight: 60 pA\n"
    "    connectivity: {rule: fixed_probability, p: 0.1}\n"
    "monitors:\n"
    "  src_spikes: {type: spike, group: 'src[50:150]'}\n"
    "  g_spikes: {type: spike, group: g}\n"
    "  g_rate: {type: rate, group: g, bin: 5 ms}\n"
    "  trace: {type: state, group: 'g[0:10]', variables: [v], indices: [0, 5], every: 1 ms}\n";

class Inspect : public ::testing::Test {
protected:
    // Runs the network with `batch` entries into dir_/out.
    void run_network(int batch) {
        std::string yaml = k_network;
        yaml.replace(yaml.find("BATCH"), 5, std::to_string(batch));
        write_text(dir_ / "net.yaml", yaml);
        const CliResult r = run_cli({"run", "net.yaml", "--out", "out", "--quiet"}, dir_.path());
        ASSERT_EQ(r.exit_code, 0) << r;
    }
    CliResult inspect(std::vector<std::string> args) {
        args.insert(args.begin(), "inspect");
        return run_cli(args, dir_.path());
    }
    json inspect_json(std::vector<std::string> args) {
        args.push_back("--json");
        const CliResult r = inspect(args);
        EXPECT_EQ(r.exit_code, 0) << r;
        return json::parse(r.out);
    }
    TempDir dir_;
};

bool have_numpy() {
    return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

const json& monitor(const json& j, const std::string& name) {
    for (const auto& m : j["monitors"])
        if (m["name"] == name) return m;
    ADD_FAILURE() << "no monitor " << name << " in " << j.dump();
    static const json none;
    return none;
}

void expect_close(const json& got, const json& want, const std::string& what) {
    if (want.is_null()) {
        EXPECT_TRUE(got.is_null()) << what << ": " << got;
        return;
    }
    ASSERT_FALSE(got.is_null()) << what;
    // Both sides are double sums of the same values in different orders: 1e-9 relative.
    EXPECT_NEAR(got.get<double>(), want.get<double>(), 1e-9 * (1 + std::fabs(want.get<double>())))
        << what;
}

TEST_F(Inspect, StatisticsEqualAnIndependentNumpyComputation) {
    if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
    for (int batch : {1, 2}) {
        run_network(batch);
        for (const auto& [name, from, to, bin] :
             {std::tuple<std::string, std::string, std::string, std::string>{"g_spikes", "0", "500", "10"},
              {"g_spikes", "100", "350", "7"}, {"src_spikes", "0", "500", "20"}}) {
            const json j = inspect_json({"out", "--monitor", name, "--from", from + "ms", "--to",
                                         to + "ms", "--bin", bin + "ms"});
            const std::string cmd = "/usr/bin/python3 " SPIKEGRAPH_SOURCE_DIR
                                    "/tests/reference/inspect_stats.py " +
                                    (dir_ / "out").string() + " " + name + " " + from + " " + to +
                                    " " + bin + " > " + (dir_ / "ref.json").string();
            ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
            const json want = json::parse(read_text(dir_ / "ref.json"));
            const json& m = monitor(j, name);
            ASSERT_EQ(m["batches"].size(), want.size());
            for (std::size_t b = 0; b < want.size(); ++b) {
                const json& got = m["batches"][b];
                const std::string what = name + " batch " + std::to_string(b) + " " + from + "-" + to;
                EXPECT_EQ(got["spikes"], want[b]["spikes"]) << what;
                EXPECT_GT(got["spikes"].get<int>(), 50) << what;  // not an empty comparison
                for (const char* key : {"mean_rate_hz", "median_rate_hz", "fraction_active",
                                        "cv_isi", "fano", "chi"})
                    expect_close(got[key], want[b][key], what + " " + key);
            }
        }
        fs::remove_all(dir_ / "out");
    }
}

TEST_F(Inspect, TableRateAndStateMonitors) {
    run_network(1);
    const CliResult r = inspect({"out"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(contains(r.out, "spike monitor 'g_spikes' of g[0:40], 40 neurons"));
    EXPECT_TRUE(contains(r.out, "spike monitor 'src_spikes' of src[50:150], 100 neurons"));
    EXPECT_TRUE(contains(r.out, "rate monitor 'g_rate'"));
    EXPECT_TRUE(contains(r.out, "CV ISI"));
    for (const std::string& line : lines_of(r.out)) EXPECT_LE(line.size(), 100u) << line;
    const json j = inspect_json({"out"});
    // The rate monitor's mean equals the spike monitor's mean rate over the same neurons.
    const double from_spikes = monitor(j, "g_spikes")["batches"][0]["mean_rate_hz"];
    const double from_rate = monitor(j, "g_rate")["batches"][0]["mean_rate_hz"];
    EXPECT_GT(from_spikes, 1.0);
    EXPECT_NEAR(from_rate, from_spikes, 1e-9 * from_spikes);
    const json& v = monitor(j, "trace")["variables"]["v"];
    EXPECT_EQ(v["unit"], "mV");
    EXPECT_EQ(v["batches"][0]["values"], 500 * 2);
    EXPECT_GE(v["batches"][0]["min"].get<double>(), -70.0 - 1e-9);  // reset and rest: -70 mV
    EXPECT_LE(v["batches"][0]["max"].get<double>(), -55.0 + 1e-9);  // below threshold
    // --neurons picks neurons in the group; --batch a batch entry.
    const json sub = inspect_json({"out", "--monitor", "g_spikes", "--neurons", "0:10"});
    EXPECT_EQ(monitor(sub, "g_spikes")["batches"][0]["neurons"], 10);
    EXPECT_EQ(monitor(sub, "g_spikes").size(), monitor(j, "g_spikes").size());
}

TEST_F(Inspect, BadInputIsOneLineNamingTheFile) {
    run_network(1);
    const std::string out = (dir_ / "out").string();
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    fs::create_directory(dir_ / "empty");
    const std::vector<Case> option_cases = {
        {{"empty"}, "no manifest.json"},
        {{"nowhere"}, "no such directory"},
        {{"out", "--monitor", "nope"}, "no such monitor; it has: src_spikes"},
        {{"out", "--from", "ten"}, "--from 'ten' is not a time"},
        {{"out", "--to", "2s"}, "not within the run"},
        {{"out", "--from", "300ms", "--to", "200ms"}, "is empty"},
        {{"out", "--bin", "0ms"}, "--bin must be a positive time"},
        {{"out", "--batch", "1"}, "the run has 1 batch entry"},
        {{"out", "--neurons", "5:2"}, "the range is empty"},
        {{"out", "--monitor", "g_spikes", "--neurons", "100:200"}, "none of the chosen neurons"},
        {{"out", "-o", "x.png"}, "add --plot"},
    };
    for (const Case& c : option_cases) {
        const CliResult r = inspect(c.args);
        EXPECT_TRUE(is_one_line_error(r)) << c.says;
        EXPECT_TRUE(contains(r.err, c.says));
    }
    // A truncated .npy, a missing file and a manifest that is not JSON: named in the message.
    fs::resize_file(dir_ / "out" / "g_spikes.t.npy", 200);
    CliResult r = inspect({"out"});
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, "g_spikes.t.npy: the file is cut short"));
    fs::remove(dir_ / "out" / "g_spikes.t.npy");
    r = inspect({"out"});
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, "g_spikes.t.npy: the manifest lists it"));
    write_text(dir_ / "out" / "manifest.json", "{\"format\": ");
    r = inspect({"out"});
    EXPECT_TRUE(is_one_line_error(r));
    EXPECT_TRUE(contains(r.err, "manifest.json: not valid JSON"));
}

bool have_matplotlib() {
    return std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
}

TEST_F(Inspect, PlotsArePngFilesWithContent) {
    if (!have_matplotlib()) GTEST_SKIP() << "/usr/bin/python3 with matplotlib is not available";
    run_network(1);
    for (const auto& [kind, monitor_name] : {std::pair<std::string, std::string>{"raster", "g_spikes"},
                                             {"rate", "g_rate"}, {"trace", "trace"},
                                             {"isi", "g_spikes"}}) {
        const std::string file = kind + ".png";
        const CliResult r = inspect({"out", "--plot", kind, "--monitor", monitor_name, "-o", file,
                                     "--from", "100ms"});
        ASSERT_EQ(r.exit_code, 0) << r;
        const std::string png = read_text(dir_ / file);
        ASSERT_GT(png.size(), 1000u) << kind;
        EXPECT_EQ(png.substr(1, 3), "PNG") << kind;
    }
    const CliResult bad = inspect({"out", "--plot", "raster", "--monitor", "nope", "-o", "x.png"});
    EXPECT_NE(bad.exit_code, 0) << bad;
    EXPECT_FALSE(fs::exists(dir_ / "x.png"));
}

}  // namespace
}  // namespace spikegraph
