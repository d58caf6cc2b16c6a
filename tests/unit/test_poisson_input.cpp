// Poisson inputs (issue 15, item 5): the exact binomial sampler, Brian2's PoissonInput
// (`poisson_input` inputs: a binomial count per neuron and step), Poisson groups with rates
// that vary in time, and the rate * dt checks.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "core/binomial.hpp"
#include "core/random.hpp"

namespace spikegraph {
namespace {

// Mean and variance of 200 000 draws against N p and N p (1 - p). Tolerance: 5 standard errors
// of each: the mean's SE is sqrt(var / n), the sample variance's sqrt((mu4 - var^2) / n) with
// the binomial's fourth central moment mu4 = N p q (1 + 3 (N - 2) p q) (large for the skewed
// cases, p near 0 or 1). A correct sampler fails with probability below 1e-6; a wrong mode,
// ratio or tail shifts them by far more.
TEST(BinomialSampler, MeanAndVarianceMatchNpAndNpq) {
    struct Case {
        std::uint64_t n;
        double p;
    };
    for (const Case c : {Case{1000, 0.001}, Case{1000, 0.002}, Case{10, 0.9}, Case{100000, 0.3},
                         Case{40, 0.5}, Case{3, 0.999}}) {
        for (const bool tables : {true, false}) {  // guide and direct tables, mode search
            SCOPED_TRACE(tables ? "tables" : "mode search");
            const BinomialSampler s(c.n, c.p, tables);
            const std::size_t draws = 200000;
            double sum = 0, sum2 = 0;
            for (std::size_t k = 0; k < draws; ++k) {
                const std::uint32_t w = philox_block(7, rng_stream::poisson, 11, k, c.n)[0];
                const double x = static_cast<double>(s.draw(w));
                ASSERT_LE(x, static_cast<double>(c.n));
                sum += x;
                sum2 += x * x;
            }
            const double n = static_cast<double>(c.n);
            const double mean = sum / draws, var = sum2 / draws - mean * mean;
            const double want_mean = n * c.p, want_var = n * c.p * (1 - c.p);
            EXPECT_NEAR(mean, want_mean, 5 * std::sqrt(want_var / draws)) << c.n << " " << c.p;
            const double pq = c.p * (1 - c.p);
            const double mu4 = n * pq * (1 + 3 * (n - 2) * pq);
            EXPECT_NEAR(var, want_var, 5 * std::sqrt((mu4 - want_var * want_var) / draws))
                << c.n << " " << c.p;
        }
    }
    EXPECT_EQ(BinomialSampler(50, 0.0)(0.7), 0u);
    EXPECT_EQ(BinomialSampler(50, 1.0)(0.7), 50u);
    EXPECT_EQ(BinomialSampler(50, 0.0).draw(0xFFFFFFFFu), 0u);
    EXPECT_EQ(BinomialSampler(50, 1.0).draw(0), 50u);
}

// draw(w) is the count of the uniform w / 2^32 exactly: checked at both ends of every interval
// of the direct table (2^14 at most, so the words j * 2^18 and j * 2^18 - 1 cover them all) and
// at 100 000 random words, for distributions with short and long tables, flipped (p > 1/2) or
// not, and without tables.
TEST(BinomialSampler, DrawFromAWordIsTheCountOfItsUniform) {
    struct Case {
        std::uint64_t n;
        double p;
        bool tables;
    };
    for (const Case c : {Case{1000, 0.001, true}, Case{1000, 0.05, true}, Case{10, 0.9, true},
                         Case{4000, 0.25, true}, Case{100000, 0.3, true}, Case{40, 0.5, false},
                         Case{1000, 0.01, false}}) {
        SCOPED_TRACE(std::to_string(c.n) + " " + std::to_string(c.p));
        const BinomialSampler s(c.n, c.p, c.tables);
        auto check = [&](std::uint32_t w) {
            ASSERT_EQ(s.draw(w), s(static_cast<double>(w) * 0x1p-32)) << "word " << w;
        };
        for (std::uint64_t j = 0; j <= (std::uint64_t{1} << 14); ++j) {
            const std::uint64_t w = j << 18;
            if (w > 0) check(static_cast<std::uint32_t>(w - 1));
            if (w <= 0xFFFFFFFFu) check(static_cast<std::uint32_t>(w));
        }
        for (std::uint64_t k = 0; k < 100000; ++k)
            check(philox_block(3, rng_stream::poisson, 5, k, 0)[1]);
    }
}

// The blocks computed 64 at a time, with AVX2 where the build has it and portably, are
// philox_block's, also where the low word of the index wraps into the high one.
TEST(PhiloxBlocks, AreTheBlocksOfPhiloxBlock) {
    using Blocks = void (*)(std::uint64_t, std::uint32_t, std::uint32_t, std::uint64_t,
                            std::uint64_t, PhiloxLaneWords&);
    std::vector<std::pair<const char*, Blocks>> variants = {
        {"dispatch", &philox_blocks}, {"portable", &philox_blocks_portable}};
#if defined(__AVX2__)
    variants.emplace_back("avx2", &philox_blocks_avx2);
#endif
    for (const auto& variant : variants) {
        for (const std::uint64_t first : {std::uint64_t{1000}, std::uint64_t{0xFFFFFFF0u}}) {
            PhiloxLaneWords words;
            variant.second(0x123456789ull, rng_stream::poisson, 9, first, 77, words);
            for (std::size_t l = 0; l < k_philox_lanes; ++l) {
                const PhiloxWords r =
                    philox_block(0x123456789ull, rng_stream::poisson, 9, first + l, 77);
                for (int j = 0; j < 4; ++j)
                    ASSERT_EQ(words[j][l], r[j]) << variant.first << " lane " << l;
            }
        }
    }
}

std::string drive_config(const std::string& rate, int threads = 1) {
    return "simulation: {dt: 0.1 ms, threads: " + std::to_string(threads) + "}\n"
           "models:\n"
           "  counter:\n"
           "    equations: 'dx/dt = 0 / ms : 1'\n"
           "    method: euler\n"
           "groups:\n"
           "  g: {size: 2000, model: counter}\n"
           "inputs:\n"
           "  drive: {type: poisson_input, target: g.x, N: 1000, rate: '" + rate +
           "', weight: 1}\n";
}

std::vector<double> counts(const std::string& yaml, int steps) {
    Simulation sim(load_network_from_string(yaml, "drive.yaml"));
    for (int k = 0; k < steps; ++k) sim.step();
    return sim.read("g.x");
}

// x sums the counts of 100 steps: per neuron Binomial(100 N, p) with N p = 1000 * 10 Hz * 0.1
// ms = 1 per step. Over 2000 neurons the mean is within 5 SE (sqrt(100 N p q / 2000)) of
// 100 N p, and the variance across neurons within 5 SE of 100 N p q.
TEST(PoissonDrive, CountsHaveTheBinomialMeanAndVariance) {
    const auto x = counts(drive_config("10 Hz"), 100);
    const double p = 10e-3 * 0.1, steps = 100, n = 1000, m = static_cast<double>(x.size());
    double sum = 0, sum2 = 0;
    for (double v : x) {
        ASSERT_EQ(v, std::floor(v));  // whole counts, weight 1
        sum += v;
        sum2 += v * v;
    }
    const double mean = sum / m, var = sum2 / m - mean * mean;
    const double want_var = steps * n * p * (1 - p);
    EXPECT_NEAR(mean, steps * n * p, 5 * std::sqrt(want_var / m));
    EXPECT_NEAR(var, want_var, 5 * want_var * std::sqrt(2.0 / (m - 1)));
}

// The documented draw (docs/inputs.md, backend/cpu/poisson_kernels.cpp): after one step, neuron
// i holds the count of the word (i % 256) / 64 of the Philox block 64 (i / 256) + i % 64, keyed by
// (seed, Poisson stream, the input's name, step 0). Pins the mapping that other backends follow.
TEST(PoissonDrive, EachNeuronDrawsItsDocumentedWord) {
    const std::string yaml = drive_config("300 Hz");  // N p = 30: counts spread over ~60 values
    const std::uint64_t seed = load_network_from_string(yaml, "drive.yaml").settings.seed;
    const auto x = counts(yaml, 1);
    const BinomialSampler s(1000, 300e-3 * 0.1);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::uint64_t block = 64 * (i / 256) + i % 64;
        const int word = static_cast<int>((i % 256) / 64);
        const std::uint32_t w = philox_block(seed, rng_stream::poisson, object_hash("drive"), block, 0)[word];
        ASSERT_EQ(x[i], static_cast<double>(s.draw(w))) << "neuron " << i;
    }
}

TEST(PoissonDrive, SameCountsForOneAndFourThreads) {
    EXPECT_EQ(counts(drive_config("10 Hz", 1), 20), counts(drive_config("10 Hz", 4), 20));
}

// A rate that switches on at 5 ms: nothing before, N p per step after.
TEST(PoissonDrive, RateMayVaryInTime) {
    const auto before = counts(drive_config("20 Hz * (t >= 5 ms)"), 50);
    for (double v : before) ASSERT_EQ(v, 0.0);
    const auto after = counts(drive_config("20 Hz * (t >= 5 ms)"), 100);
    double sum = 0;
    for (double v : after) sum += v;
    const double want = 50 * 1000 * 20e-3 * 0.1 * 2000;  // 50 steps on, 2000 neurons
    EXPECT_NEAR(sum, want, 5 * std::sqrt(want));
}

TEST(PoissonDrive, BadTargetsWeightsAndRatesAreLocated) {
    auto expect_error = [](const std::string& yaml, const std::string& needle) {
        try {
            Simulation sim(load_network_from_string(yaml, "drive.yaml"));
            FAIL() << "accepted; expected '" << needle << "'";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("drive.yaml:"), std::string::npos) << e.what();
        }
    };
    std::string yaml = drive_config("10 Hz");
    expect_error(yaml.replace(yaml.find("weight: 1"), 9, "weight: 1 mV"), "weight");
    yaml = drive_config("20 kHz");
    expect_error(yaml, "exceeds 1");
    yaml = drive_config("10 Hz");
    expect_error(yaml.replace(yaml.find("g.x"), 3, "g.y"), "no variable 'y'");
    yaml = drive_config("10 Hz");
    expect_error(yaml.replace(yaml.find("g.x"), 3, "h.x"), "no group named 'h'");
}

std::string group_config(const std::string& rate, const std::string& arrays = "") {
    return "simulation: {dt: 0.1 ms}\n" + arrays +
           "groups:\n  g: {size: 1, model: lif}\n"
           "inputs:\n  src: {type: poisson, size: 1000, rate: '" + rate + "'}\n";
}

// The case: 20 kHz at dt 0.1 ms is two spikes per step, which a source cannot give.
TEST(PoissonGroup, RateTimesDtAboveOneIsALocatedError) {
    try {
        Simulation sim(load_network_from_string(group_config("20 kHz"), "p.yaml"));
        FAIL() << "20 kHz at dt 0.1 ms was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("p.yaml:5"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("at most once per step"), std::string::npos) << e.what();
    }
    // Per source (an expression of i): the largest is checked.
    EXPECT_THROW(Simulation(load_network_from_string(group_config("i * 20 Hz"), "p.yaml")),
                 ConfigError);
    // A timed array of rates: its largest value.
    EXPECT_THROW(Simulation(load_network_from_string(
                     group_config("r(t)", "timed_arrays:\n  r: {values: [1, 20000], dt: 1 ms, "
                                          "unit: Hz}\n"),
                     "p.yaml")),
                 ConfigError);
}

// A rate of t, and one from a timed array: Brian's per-step test rand() < rate * dt. 1000
// sources at 100 Hz for 10 ms (100 steps): 1000 expected spikes, SD about 31.6; 5 SD.
TEST(PoissonGroup, RatesThatVaryInTime) {
    {
        Simulation sim(load_network_from_string(group_config("100 Hz * (t >= 10 ms)"), "p.yaml"));
        sim.run(10);
        EXPECT_EQ(sim.spike_count("src"), 0u);
        sim.run_continue(10);
        EXPECT_NEAR(static_cast<double>(sim.spike_count("src")), 1000.0, 5 * std::sqrt(1000.0));
    }
    {
        Simulation sim(load_network_from_string(
            group_config("r(t)", "timed_arrays:\n  r: {values: [0, 100], dt: 10 ms, unit: Hz}\n"),
            "p.yaml"));
        sim.run(10);
        EXPECT_EQ(sim.spike_count("src"), 0u);
        sim.run_continue(10);
        EXPECT_NEAR(static_cast<double>(sim.spike_count("src")), 1000.0, 5 * std::sqrt(1000.0));
    }
}

// A rate expression that leaves [0, 1/dt] at run time is a SimulationError naming the source
// and the step.
TEST(PoissonGroup, RateOutOfRangeAtRunTimeNamesSourceAndStep) {
    Simulation sim(load_network_from_string(group_config("(t - 5 ms) * 1 Hz/ms * (i == 3)"), "p.yaml"));
    try {
        sim.run(1);
        FAIL() << "a negative rate was accepted";
    } catch (const SimulationError& e) {
        EXPECT_EQ(e.neuron(), 3);
        EXPECT_EQ(e.step(), 0);
    }
}

}  // namespace
}  // namespace spikegraph
