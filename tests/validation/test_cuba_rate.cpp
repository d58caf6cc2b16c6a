// The CUBA benchmark (configs/cuba.yaml, Brette et al. 2007 benchmark 2) fires at the rate
// Brian2 gives it: 5.66 +- 0.11 Hz over seeds 1..5 (shared/reference/benchmarks.md). The
// accepted band, 5.0-6.4 Hz, is the one the project set for this check: wide enough for the
// seed-to-seed spread of one 1 s trial (a few tenths of a Hz), narrow enough that a network
// with the wrong weights, connectivity or refractoriness does not pass by chance.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frontend/yaml_loader.hpp"
#include "simulator/simulation.hpp"

#ifndef SPIKEGRAPH_SOURCE_DIR
#define SPIKEGRAPH_SOURCE_DIR "."
#endif

namespace spikegraph {
namespace {

double cuba_rate_hz(const std::vector<std::string>& overrides) {
    const Network net =
        load_network(std::string(SPIKEGRAPH_SOURCE_DIR) + "/configs/cuba.yaml", overrides);
    EXPECT_DOUBLE_EQ(net.settings.duration_ms, 1000.0);
    const NeuronGroup* neurons = net.find_group("neurons");
    EXPECT_NE(neurons, nullptr);
    const double n = neurons ? static_cast<double>(neurons->size()) : 4000.0;
    Simulation sim(net);
    sim.run(net.settings.duration_ms);
    return static_cast<double>(sim.spike_count("neurons")) / n / (net.settings.duration_ms / 1000.0);
}

class CubaRate : public ::testing::TestWithParam<std::tuple<int, std::string>> {};

TEST_P(CubaRate, MeanRateOfOneSecondIsWithinTheBand) {
    const auto [seed, precision] = GetParam();
    const double rate = cuba_rate_hz({"simulation.seed=" + std::to_string(seed),
                                      "simulation.precision=" + precision});
    EXPECT_GE(rate, 5.0) << "seed " << seed << ", " << precision;
    EXPECT_LE(rate, 6.4) << "seed " << seed << ", " << precision;
    RecordProperty("rate_hz", std::to_string(rate));
}

INSTANTIATE_TEST_SUITE_P(SeedsAndPrecisions, CubaRate,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Values(std::string("double"),
                                                              std::string("float"))),
                         [](const auto& info) {
                             return "seed" + std::to_string(std::get<0>(info.param)) + "_" +
                                    std::get<1>(info.param);
                         });

}  // namespace
}  // namespace spikegraph
