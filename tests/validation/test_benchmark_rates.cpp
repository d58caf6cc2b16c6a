// The shipped benchmark networks fire at the rates Brian2 gives them
// (shared/reference/benchmarks.md), for two seeds and both precisions.
//
// CUBA (configs/cuba.yaml, Brette et al. 2007 benchmark 2): Brian2 5.66 +- 0.11 Hz over seeds
// 1..5. The accepted band, 5.0-6.4 Hz, is the one the project set for this check: wide enough
// for the seed-to-seed spread of one 1 s trial, narrow enough that wrong weights, connectivity
// or refractoriness do not pass by chance.
//
// COBA (configs/coba.yaml, benchmark 1): Brian2 19.35 +- 1.10 Hz over seeds 1..5; band 17-22 Hz
// as issue 3 set it. This network is chaotic and its one-second rate varies more from seed to
// seed (spikegraph over seeds 1..20: mean 18.9 Hz, standard deviation 1.3 Hz, range
// 17.4-22.9 Hz; Brian2 2.5.1 over seeds 1..5: 18.6-20.4 Hz), so the band checks the model,
// weights and refractoriness, not the last digit: with the two weights swapped the network
// fires at 200 Hz, without refractoriness at 5 kHz, with a 2 ms refractory period at 45 Hz,
// with ge += 0.5 it dies out.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

struct Benchmark {
    std::string config;  // under configs/
    double low_hz, high_hz;
};

void PrintTo(const Benchmark& b, std::ostream* os) {
    *os << b.config << " (" << b.low_hz << "-" << b.high_hz << " Hz)";
}

const Benchmark k_cuba{"cuba.yaml", 5.0, 6.4};
const Benchmark k_coba{"coba.yaml", 17.0, 22.0};

double mean_rate_hz(const Benchmark& b, const std::vector<std::string>& overrides) {
    const Network net =
        load_network(std::string(SPIKEGRAPH_SOURCE_DIR) + "/configs/" + b.config, overrides);
    EXPECT_DOUBLE_EQ(net.settings.duration_ms, 1000.0);
    EXPECT_DOUBLE_EQ(net.settings.dt_ms, 0.1);
    const NeuronGroup* neurons = net.find_group("neurons");
    EXPECT_NE(neurons, nullptr);
    const double n = neurons ? static_cast<double>(neurons->size()) : 4000.0;
    Simulation sim(net);
    sim.run(net.settings.duration_ms);
    return static_cast<double>(sim.spike_count("neurons")) / n / (net.settings.duration_ms / 1000.0);
}

using RateCase = std::tuple<Benchmark, int, std::string>;

class BenchmarkRate : public testing_support::BackendCaseTest<RateCase> {};

TEST_P(BenchmarkRate, MeanRateOfOneSecondIsWithinTheBand) {
    const auto [b, seed, precision] = param_case();
    const double rate = mean_rate_hz(b, {"simulation.seed=" + std::to_string(seed),
                                         "simulation.precision=" + precision});
    EXPECT_GE(rate, b.low_hz) << b.config << ", seed " << seed << ", " << precision;
    EXPECT_LE(rate, b.high_hz) << b.config << ", seed " << seed << ", " << precision;
    RecordProperty("rate_hz", std::to_string(rate));
}

INSTANTIATE_TEST_SUITE_P(
    SeedsAndPrecisions, BenchmarkRate,
    ::testing::Combine(testing_support::all_backends(),
                       ::testing::Combine(::testing::Values(k_cuba, k_coba), ::testing::Values(1, 2),
                                          ::testing::Values(std::string("double"),
                                                            std::string("float")))),
    testing_support::backend_case_name<RateCase>([](const RateCase& c) {
        const std::string& config = std::get<0>(c).config;
        return config.substr(0, config.find('.')) + "_seed" + std::to_string(std::get<1>(c)) +
               "_" + std::get<2>(c);
    }));

}  // namespace
}  // namespace spikegraph
