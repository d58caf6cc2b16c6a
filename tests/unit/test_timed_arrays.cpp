// Timed arrays (issue 15, item 3): Brian2's TimedArray semantics, the trace of a current read
// from files against Brian2 row for row, the interpreter against the compiled update bit for
// bit, thread-count independence and the errors of bad arrays.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "backend/cpu/native_compiler.hpp"
#include "builder/plan.hpp"
#include "core/array_file.hpp"
#include "core/timed_array.hpp"
#include "monitors/npy_writer.hpp"
#include "tests/support/config_errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

const fs::path k_reference_dir = fs::path(SPIKEGRAPH_SOURCE_DIR) / "tests/validation/reference";

TimedArray array_of(const std::vector<double>& values, std::size_t columns, double dt_ms,
                    double sim_dt_ms) {
    TimedArray a;
    a.name = "ta";
    a.rows = values.size() / std::max<std::size_t>(columns, 1);
    a.columns = columns;
    a.dt_ms = dt_ms;
    a.upsampling = timed_array_upsampling(sim_dt_ms, dt_ms);
    a.epsilon_ms = dt_ms / a.upsampling;
    a.values = values.data();
    return a;
}

// Brian's docstring example: TimedArray([1, 2, 3, 4] * mV, dt=0.1*ms) gives 4 mV at 0.3 ms and
// holds 4 mV after; a 2-D array reads its column, NaN outside.
TEST(TimedArrayLookup, PiecewiseConstantHeldPastTheEnd) {
    const std::vector<double> v = {1, 2, 3, 4};
    const TimedArray a = array_of(v, 0, 0.1, 0.1);
    EXPECT_EQ(a.upsampling, 8.0);
    EXPECT_EQ(a.at(0.0, 0), 1.0);
    EXPECT_EQ(a.at(0.1, 0), 2.0);
    EXPECT_EQ(a.at(0.3, 0), 4.0);
    EXPECT_EQ(a.at(0.9, 0), 4.0);   // past the end: the last value
    EXPECT_EQ(a.at(-5.0, 0), 1.0);  // before the start: the first
    // At a step boundary of a coarser array the new value starts exactly there: 0.3 ms = 3 steps
    // of 0.1 ms, computed as 3 * 0.1 (0.30000000000000004), still row 1 of a 0.3 ms array.
    const TimedArray coarse = array_of(v, 0, 0.3, 0.1);
    EXPECT_EQ(coarse.at(3 * 0.1, 0), 2.0);
    EXPECT_EQ(coarse.at(2 * 0.1, 0), 1.0);
    const std::vector<double> m = {1, 2, 3, 4, 5, 6};
    const TimedArray two = array_of(m, 2, 0.1, 0.1);
    EXPECT_EQ(two.at(0.1, 1), 4.0);
    EXPECT_TRUE(std::isnan(two.at(0.1, 2)));
}

std::string brian_config(const std::string& extra_groups = "") {
    return "simulation: {dt: 0.1 ms, duration: 60 ms}\n"
           "timed_arrays:\n"
           "  I_shared: {file: " + (k_reference_dir / "timed_shared.csv").string() +
           ", dt: 0.25 ms, unit: nA}\n"
           "  I_each: {file: " + (k_reference_dir / "timed_each.npy").string() +
           ", dt: 1 ms, unit: nA}\n"
           "models:\n"
           "  driven:\n"
           "    equations: |\n"
           "      dv/dt = (-v + R * (I_shared(t) + I_each(t, i))) / tau : volt\n"
           "      R : ohm (shared)\n"
           "      tau : second (shared)\n"
           "    method: euler\n"
           "groups:\n"
           "  cells: {size: 3, model: driven, parameters: {R: 10 Mohm, tau: 5 ms}, "
           "init: {v: 0 mV}}\n" + extra_groups;
}

// Every step's v, read before the step (Brian's StateMonitor in the 'start' slot).
std::vector<double> run_trace(const Network& net, int threads = 1) {
    SimulationOptions options;
    options.threads = threads;
    Simulation sim(net, options);
    std::vector<double> out;
    for (int k = 0; k < 600; ++k) {
        const auto v = sim.read("cells.v");
        out.insert(out.end(), v.begin(), v.end());
        sim.step();
    }
    return out;
}

// Tolerance: 1e-9 of the largest |v|. Both simulators take the same Euler steps with the same
// array values; they differ by the order of floating-point operations (SI units against ms,
// mV, pA), about 1e-15 relative. A value read from the wrong row changes v by more than 1e-3.
TEST(TimedArrayBrian, CurrentFromFilesMatchesBrian2RowForRow) {
    const NumericArray ref = load_npy((k_reference_dir / "timed_array_v.npy").string());
    ASSERT_EQ(ref.shape, (std::vector<std::size_t>{600, 3}));
    const Network net = load_network_from_string(brian_config(), "timed.yaml");
    const auto got = run_trace(net);
    ASSERT_EQ(got.size(), ref.size);
    double scale = 0;
    for (std::size_t k = 0; k < ref.size; ++k) scale = std::max(scale, std::fabs(ref.values[k]));
    ASSERT_GT(scale, 1.0);
    for (std::size_t k = 0; k < ref.size; ++k)
        ASSERT_NEAR(got[k], ref.values[k], 1e-9 * scale)
            << "neuron " << k % 3 << " at step " << k / 3;
}

TEST(TimedArrayBrian, InterpreterAndCompiledUpdateAgreeBitForBit) {
    const Network net = load_network_from_string(brian_config(), "timed.yaml");
    const bool was = cpu::native_enabled();
    cpu::set_native_enabled(false);
    const auto interpreted = run_trace(net);
    cpu::set_native_enabled(true);
    const std::size_t before = cpu::native_kernels_bound();
    const auto compiled = run_trace(net);
    const bool native_ran = cpu::native_kernels_bound() > before;
    cpu::set_native_enabled(was);
    if (!native_ran) GTEST_SKIP() << "no native compiler on this machine";
    ASSERT_EQ(interpreted.size(), compiled.size());
    for (std::size_t k = 0; k < compiled.size(); ++k)
        ASSERT_EQ(interpreted[k], compiled[k]) << "element " << k;
}

TEST(TimedArrayBrian, SameTraceForOneAndFourThreads) {
    const Network net = load_network_from_string(brian_config(), "timed.yaml");
    EXPECT_EQ(run_trace(net, 1), run_trace(net, 4));
}

// Inline values, a relative file path (taken from the config's folder), a reset and a
// sub-expression that read arrays.
TEST(TimedArrayConfig, InlineValuesRelativePathsResetsAndSubExpressions) {
    testing_support::TempDir dir("timed_inline", true);
    {
        std::ofstream f(dir.path() / "th.csv");
        f << "threshold_mV\n5\n";
    }
    const std::string yaml =
        "simulation: {dt: 0.1 ms, duration: 10 ms}\n"
        "timed_arrays:\n"
        "  drive: {values: [0, 2, 0], dt: 2 ms, unit: mV/ms}\n"
        "  v_reset: {file: th.csv, dt: 1 ms, unit: mV}\n"
        "models:\n"
        "  m:\n"
        "    equations: |\n"
        "      dv/dt = slope : volt\n"
        "      slope = drive(t) : volt/second\n"
        "    threshold: v > 3 mV\n"
        "    reset: v = -v_reset(t)\n"
        "    method: euler\n"
        "groups:\n"
        "  g: {size: 1, model: m, init: {v: 0 mV}}\n";
    const fs::path file = dir.path() / "net.yaml";
    std::ofstream(file) << yaml;
    Simulation sim(load_network(file));
    // 0-2 ms: slope 0; 2-4 ms: 2 mV/ms, so v passes 3 mV after 1.5 ms, then is reset to -5 mV.
    sim.run(3.0);
    EXPECT_NEAR(sim.read("g.v")[0], 2.0, 1e-9);
    sim.run_continue(1.0);
    EXPECT_LT(sim.read("g.v")[0], -2.0);
}

// Brian holds a timed array constant over a step for exact integration only when the array's
// dt is a multiple of the simulation's (is_locally_constant); 'auto' then falls back to euler.
TEST(TimedArrayConfig, ExactNeedsAnArrayConstantOverEachStep) {
    auto with_method = [](const std::string& method, const std::string& dt) {
        return "simulation: {dt: 0.1 ms}\n"
               "timed_arrays:\n"
               "  I: {values: [1, 2, 3], dt: " + dt + ", unit: mV}\n"
               "models:\n"
               "  m:\n"
               "    equations: 'dv/dt = (I(t) - v) / (10 ms) : volt'\n"
               "    method: " + method + "\n"
               "groups:\n"
               "  g: {size: 1, model: m}\n";
    };
    EXPECT_NO_THROW(Simulation(load_network_from_string(with_method("exact", "1 ms"), "a.yaml")));
    try {
        Simulation sim(load_network_from_string(with_method("exact", "0.25 ms"), "a.yaml"));
        FAIL() << "exact with a non-aligned timed array was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("timed array 'I'"), std::string::npos) << e.what();
    }
    auto method_of = [](const Simulation& sim) {
        for (const auto& op : sim.plan().ops)
            if (op.name == "g.update") return op.params["method"].get<std::string>();
        return std::string();
    };
    EXPECT_EQ(method_of(Simulation(load_network_from_string(with_method("auto", "0.25 ms"), "a.yaml"))),
              "euler");
    EXPECT_EQ(method_of(Simulation(load_network_from_string(with_method("auto", "1 ms"), "a.yaml"))),
              "exact");
}

// Each bad array is refused with a message that names the place and the fix.
void expect_error(const std::string& yaml, const std::string& needle, const fs::path& dir) {
    testing_support::expect_config_file_error(dir, yaml, needle);
}

std::string config_with(const std::string& array, const std::string& equation, int size = 3) {
    return "timed_arrays:\n  I: " + array + "\n"
           "models:\n  m:\n    equations: '" + equation + "'\n    method: euler\n"
           "groups:\n  g: {size: " + std::to_string(size) + ", model: m}\n";
}

TEST(TimedArrayErrors, BadFilesShapesUnitsAndCalls) {
    testing_support::TempDir dir("timed_errors", true);
    const std::string eq1 = "dv/dt = (I(t) - v) / (10 ms) : volt";
    const std::string eq2 = "dv/dt = (I(t, i) - v) / (10 ms) : volt";
    expect_error(config_with("{file: missing.npy, dt: 1 ms, unit: mV}", eq1), "no such file",
                 dir.path());
    {
        std::ofstream(dir.path() / "junk.npy") << "this is not numpy";
    }
    expect_error(config_with("{file: junk.npy, dt: 1 ms, unit: mV}", eq1), "NumPy's magic",
                 dir.path());
    {
        std::ofstream f(dir.path() / "two.csv");
        f << "1, 2\n3, 4\n";
    }
    // Two columns read per neuron by a group of three: the expected shape is named.
    expect_error(config_with("{file: two.csv, dt: 1 ms, unit: mV}", eq2), "expected shape (2, 3)",
                 dir.path());
    {
        std::ofstream f(dir.path() / "ragged.csv");
        f << "1, 2\n3\n";
    }
    expect_error(config_with("{file: ragged.csv, dt: 1 ms, unit: mV}", eq1), "ragged.csv:2",
                 dir.path());
    // An array of currents where a voltage is needed.
    expect_error(config_with("{values: [1, 2], dt: 1 ms, unit: nA}", eq1), "volt",
                 dir.path());
    expect_error(config_with("{values: [1, 2], dt: 1 ms, unit: mV}", "dv/dt = (I(v) - v) / (10 ms) : volt"),
                 "the time at which it is read", dir.path());
    expect_error(config_with("{values: [1, 2], dt: 1 ms, unit: parsecs}", eq1), "unknown unit",
                 dir.path());
    expect_error(config_with("{values: [1, 2], dt: 0 ms, unit: mV}", eq1), "dt", dir.path());
    expect_error(config_with("{values: [1, .nan], dt: 1 ms, unit: mV}", eq1), "plain number",
                 dir.path());
}

// A large float64 .npy is mapped, not copied; a small one or another element type is converted.
TEST(TimedArrayFiles, LargeFloat64FilesAreMappedSmallOnesCopied) {
    testing_support::TempDir dir("timed_map", true);
    const std::size_t n = (k_map_threshold_bytes / 8) + 1000;
    std::vector<double> values(n);
    for (std::size_t k = 0; k < n; ++k) values[k] = static_cast<double>(k % 97);
    write_npy(dir.path() / "big.npy", "<f8", {n}, values.data());
    const NumericArray big = load_npy((dir.path() / "big.npy").string());
    EXPECT_TRUE(big.mapped);
    ASSERT_EQ(big.size, n);
    EXPECT_EQ(big.values[n - 1], static_cast<double>((n - 1) % 97));
    const std::vector<float> small = {1.5f, -2.0f};
    write_npy(dir.path() / "small.npy", "<f4", {2}, small.data());
    const NumericArray s = load_npy((dir.path() / "small.npy").string());
    EXPECT_FALSE(s.mapped);
    EXPECT_EQ(s.values[1], -2.0);
}

}  // namespace
}  // namespace spikegraph
