// The natively compiled neuron update does exactly the interpreter's arithmetic: bitwise equal
// state and spikes, for a model that uses every kind of operation the generator emits.

#include <gtest/gtest.h>

#include <vector>

#include "backend/cpu/native_compiler.hpp"
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

struct Outcome {
    std::vector<double> v, w;
    std::uint64_t spikes = 0;
};

Outcome run(bool native, Precision precision) {
    cpu::set_native_enabled(native);
    NeuronModel m;
    m.name = "mixed";
    // Non-linear, noisy, with where/clip/min/exp/pow/logic: euler keeps every term as written.
    m.equations =
        "dv/dt = (E - v + where(w > 0 * mV, -w, w) + 2 mV * sqrt(ms) * xi + clip(I, -1 mV, 15 mV)) / tau"
        " + exp(-(v + 60 mV)**2 / (25 mV**2)) * mV / ms : volt (unless refractory)\n"
        "dw/dt = (min(v - E, 5 mV) * (v > E and not (v > -40 mV)) - w) / (50 ms) : volt\n"
        "E : volt\nI : volt\ntau : second\n";
    m.threshold = "v > -50 mV";
    m.reset = "v = -65 mV; w += 1 mV";
    m.refractory = "2 ms";
    m.method = "euler";
    m.parameters = {{"E", "-60 mV"}, {"tau", "10 ms"}};
    Network net;
    net.settings.precision = precision;
    net.settings.batch = 2;
    auto& g = net.add_group("g", 700, m);
    g.set("I", "20 mV * rand()");
    g.init("v", "uniform(-65 mV, -50 mV)");
    Simulation sim(net);
    sim.run(100.0);
    cpu::set_native_enabled(true);
    return {sim.read("g.v"), sim.read("g.w"), sim.spike_count("g")};
}

class NativeUpdate : public ::testing::TestWithParam<Precision> {};

TEST_P(NativeUpdate, IsBitwiseEqualToTheInterpreter) {
    const std::size_t before = cpu::native_kernels_bound();
    const Outcome native = run(true, GetParam());
    if (cpu::native_kernels_bound() == before)
        GTEST_SKIP() << "no native compiler here: the update ran interpreted";
    const Outcome interpreted = run(false, GetParam());
    EXPECT_GT(native.spikes, 100u);  // the comparison covers resets and refractoriness
    EXPECT_EQ(native.spikes, interpreted.spikes);
    EXPECT_EQ(native.v, interpreted.v);  // exact equality: same operations, same order
    EXPECT_EQ(native.w, interpreted.w);
}

// The native update keeps refractoriness as an int32 mirror of lastspike relative to a base step
// (neuron_update_kernel.hpp, build_until). Whatever lastspike holds, written from outside, and however
// far the step is from 0, it must decide exactly as the interpreter, which reads lastspike.
Outcome run_from_written_state(bool native) {
    cpu::set_native_enabled(native);
    NeuronModel m;
    m.name = "driven";
    m.equations = "dv/dt = (-45 mV - v) / (5 ms) : volt (unless refractory)\n";
    m.threshold = "v > -50 mV";
    m.reset = "v = -60 mV";
    m.refractory = "3 ms";  // 30 steps
    m.method = "euler";
    Network net;
    auto& g = net.add_group("g", 600, m);
    g.init("v", "uniform(-60 mV, -50 mV)");
    Simulation sim(net);
    // Past 2^31 steps, with lastspike from far past to far future around it.
    const double step = 3.0e9;
    std::vector<double> last(600);
    const double offsets[] = {-1e15, -8.0e15, -31, -30, -29, -1, 0, 5, 40, 2.0e9, 8.0e15};
    for (std::size_t k = 0; k < last.size(); ++k)
        last[k] = step + offsets[k % std::size(offsets)];
    Simulation from = sim.with_state({{"g.lastspike", last}, {"step", {step}}});
    from.run_continue(20.0);
    cpu::set_native_enabled(true);
    return {from.read("g.v"), from.read("g.lastspike"), from.spike_count("g")};
}

TEST(NativeUpdate, RefractorinessFollowsAnyWrittenLastspike) {
    const std::size_t before = cpu::native_kernels_bound();
    const Outcome native = run_from_written_state(true);
    if (cpu::native_kernels_bound() == before)
        GTEST_SKIP() << "no native compiler here: the update ran interpreted";
    const Outcome interpreted = run_from_written_state(false);
    EXPECT_GT(native.spikes, 200u);
    EXPECT_EQ(native.spikes, interpreted.spikes);
    EXPECT_EQ(native.v, interpreted.v);
    EXPECT_EQ(native.w, interpreted.w);  // here: lastspike
}

INSTANTIATE_TEST_SUITE_P(Precisions, NativeUpdate,
                         ::testing::Values(Precision::f64, Precision::f32),
                         [](const auto& info) {
                             return info.param == Precision::f64 ? std::string("double")
                                                                 : std::string("float");
                         });

}  // namespace
}  // namespace spikegraph
