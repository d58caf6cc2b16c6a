// The COBA benchmark (configs/coba.yaml, Brette et al. 2007 benchmark 1) fires at the rate
// Brian2 gives it: 19.35 +- 1.10 Hz over seeds 1..5 (shared/reference/benchmarks.md). The
// accepted band, 17-22 Hz, is the one issue 3 set for this check. This network is chaotic and
// its one-second rate varies from seed to seed by more than CUBA's (spikegraph over seeds
// 1..20: mean 18.9 Hz, standard deviation 1.3 Hz, range 17.4-22.9 Hz; Brian2 2.5.1 over seeds
// 1..5: 18.6-20.4 Hz), so the band is a check of the model, weights and refractoriness, not of
// the last digit: with the two weights swapped the network fires at 200 Hz, without
// refractoriness at 5 kHz, with a 2 ms refractory period at 45 Hz, with ge += 0.5 it dies out.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "frontend/yaml_loader.hpp"
#include "simulator/simulation.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

double coba_rate_hz(const std::vector<std::string>& overrides) {
    const Network net =
        load_network(std::string(SPIKEGRAPH_SOURCE_DIR) + "/configs/coba.yaml", overrides);
    EXPECT_DOUBLE_EQ(net.settings.duration_ms, 1000.0);
    EXPECT_DOUBLE_EQ(net.settings.dt_ms, 0.1);
    const NeuronGroup* neurons = net.find_group("neurons");
    EXPECT_NE(neurons, nullptr);
    const double n = neurons ? static_cast<double>(neurons->size()) : 4000.0;
    Simulation sim(net);
    sim.run(net.settings.duration_ms);
    const double seconds = net.settings.duration_ms / 1000.0;
    return static_cast<double>(sim.spike_count("neurons")) / n / seconds;
}

class CobaRate : public ::testing::TestWithParam<std::tuple<int, std::string>> {};

TEST_P(CobaRate, MeanRateOfOneSecondIsWithinTheBand) {
    const auto [seed, precision] = GetParam();
    const double rate = coba_rate_hz({"simulation.seed=" + std::to_string(seed),
                                      "simulation.precision=" + precision});
    EXPECT_GE(rate, 17.0) << "seed " << seed << ", " << precision;
    EXPECT_LE(rate, 22.0) << "seed " << seed << ", " << precision;
    RecordProperty("rate_hz", std::to_string(rate));
}

INSTANTIATE_TEST_SUITE_P(CobaSeedsAndPrecisions, CobaRate,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Values(std::string("double"),
                                                              std::string("float"))),
                         [](const auto& info) {
                             return "seed" + std::to_string(std::get<0>(info.param)) + "_" +
                                    std::get<1>(info.param);
                         });

}  // namespace
}  // namespace spikegraph
