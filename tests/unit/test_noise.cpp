// White noise `xi` in neuron equations (issue 15): the stationary variance of an
// Ornstein-Uhlenbeck process, the moments of geometric Brownian motion under heun and milstein,
// how draws are keyed (same name, same draw; names independent; batch entries independent) and
// their determinism (seed, threads, store/restore, native code against the interpreter).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "backend/cpu/native_compiler.hpp"
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph {
namespace {

// dv/dt = -v / tau + sigma * sqrt(2 / tau) * xi: stationary mean 0 and variance sigma^2.
NeuronModel ou_model() {
    NeuronModel m;
    m.name = "ou";
    m.equations =
        "dv/dt = -v / tau + sigma * sqrt(2 / tau) * xi : volt\n"
        "tau : second (shared)\n"
        "sigma : volt (shared)\n";
    m.parameters = {{"tau", "10 ms"}, {"sigma", "2 mV"}};
    return m;
}

struct Moments {
    double mean = 0, variance = 0;
    double samples = 0;
};

// Sample moments of v over `neurons` neurons at `snapshots` times `spacing_ms` apart, after a
// warm-up of 60 ms (6 tau: the variance has reached 1 - exp(-12) of its stationary value from
// v = 0). Snapshots 30 ms (3 tau) apart are nearly independent: the correlation of v^2 between
// them is exp(-6) = 0.25%.
Moments ou_moments(double dt_ms, std::size_t neurons, int snapshots, double spacing_ms) {
    Network net;
    net.settings.dt_ms = dt_ms;
    net.settings.seed = 11;
    net.add_group("g", neurons, ou_model()).init("v", "0 mV");
    Simulation sim(net);
    sim.run(60.0);
    double sum = 0, sum2 = 0, count = 0;
    for (int s = 0; s < snapshots; ++s) {
        sim.run_continue(spacing_ms);
        for (double v : sim.read("g.v")) {
            sum += v;
            sum2 += v * v;
            count += 1;
        }
    }
    return {sum / count, sum2 / count - (sum / count) * (sum / count), count};
}

// The variance equals sigma^2 = 4 mV^2 within 4 standard errors of the sample variance,
// sqrt(2 / samples) sigma^2 for normal samples, plus Euler-Maruyama's own bias: its stationary
// variance is sigma^2 / (1 - dt / (2 tau)), +0.5% at dt = 0.1 ms and +0.05% at 0.01 ms. The
// sqrt(dt) scaling is what is tested: without it the variance would be off by a factor dt.
TEST(Noise, OrnsteinUhlenbeckStationaryVarianceIsSigmaSquared) {
    constexpr double sigma2 = 4.0;  // mV^2
    constexpr double tau = 10.0;    // ms
    struct Case {
        double dt_ms;
        std::size_t neurons;
        int snapshots;
    };
    for (const Case c : {Case{0.1, 5000, 20}, Case{0.01, 2000, 10}}) {
        SCOPED_TRACE(c.dt_ms);
        const Moments m = ou_moments(c.dt_ms, c.neurons, c.snapshots, 30.0);
        const double se = std::sqrt(2.0 / m.samples) * sigma2;
        const double bias = sigma2 / (1.0 - c.dt_ms / (2 * tau)) - sigma2;
        EXPECT_NEAR(m.variance, sigma2, 4 * se + bias);
        EXPECT_NEAR(m.variance, sigma2 + bias, 4 * se);
        EXPECT_NEAR(m.mean, 0.0, 4 * std::sqrt(sigma2 / m.samples));  // SE of the mean
    }
}

// Geometric Brownian motion dx/dt = mu x + s x xi (Stratonovich, as Brian2's heun and milstein
// integrate it): x(T) = x0 exp(mu T + s W_T), so E[x] = exp((mu + s^2 / 2) T) and
// E[x^2] = exp(2 (mu + s^2) T) with x0 = 1. Here mu = -1 Hz, s = 1 s^-1/2, T = 100 ms:
// E[x] = exp(-0.05), E[x^2] = 1 (Ito would give exp(-0.1) and exp(-0.1)).
struct GbmMoments {
    double m1 = 0, m2 = 0, m4 = 0;
    double n = 0;
};

GbmMoments gbm(const std::string& method, std::size_t neurons) {
    NeuronModel m;
    m.name = "gbm";
    m.equations = "dx/dt = mu * x + s_x * x * xi : 1\nmu : hertz (shared)\ns_x : second**-0.5 (shared)\n";
    m.parameters = {{"mu", "-1 Hz"}, {"s_x", "1 * second**-0.5"}};
    m.method = method;
    Network net;
    net.settings.seed = 5;
    net.add_group("g", neurons, m).init("x", "1");
    Simulation sim(net);
    sim.run(100.0);
    GbmMoments out;
    for (double x : sim.read("g.x")) {
        out.m1 += x;
        out.m2 += x * x;
        out.m4 += x * x * x * x;
        out.n += 1;
    }
    out.m1 /= out.n;
    out.m2 /= out.n;
    out.m4 /= out.n;
    return out;
}

// Tolerance: 4 standard errors of each sample moment (sqrt(Var / n), Var from the sample's own
// higher moment), plus 0.5% for the methods' weak error of order dt (1000 steps).
TEST(Noise, HeunAndMilsteinMatchTheMomentsOfGeometricBrownianMotion) {
    const double mean = std::exp(-0.05), second = 1.0;
    for (const char* method : {"heun", "milstein"}) {
        SCOPED_TRACE(method);
        const GbmMoments g = gbm(method, 20000);
        const double se1 = std::sqrt((g.m2 - g.m1 * g.m1) / g.n);
        const double se2 = std::sqrt((g.m4 - g.m2 * g.m2) / g.n);
        EXPECT_NEAR(g.m1, mean, 4 * se1 + 0.005 * mean);
        EXPECT_NEAR(g.m2, second, 4 * se2 + 0.005 * second);
        EXPECT_GT(std::abs(g.m1 - std::exp(-0.1)), 4 * se1);  // distinguishable from Ito
    }
}

// One draw per name, neuron and step: dx/dt and dy/dt driven by the same xi move together
// exactly; xi and xi_b are independent (correlation within 4 / sqrt(n) of 0).
TEST(Noise, OneNameIsOneDrawAndNamesAreIndependent) {
    NeuronModel m;
    m.name = "pair";
    m.equations =
        "dx/dt = xi * sqrt(ms) * mV / ms : volt\n"
        "dy/dt = 2 * xi * sqrt(ms) * mV / ms : volt\n"
        "dz/dt = xi_b * sqrt(ms) * mV / ms : volt\n";
    Network net;
    constexpr std::size_t n = 4000;
    net.add_group("g", n, m).init("x", "0 mV").init("y", "0 mV").init("z", "0 mV");
    Simulation sim(net);
    sim.run(1.0);
    const auto x = sim.read("g.x"), y = sim.read("g.y"), z = sim.read("g.z");
    double xz = 0, xx = 0, zz = 0;
    for (std::size_t i = 0; i < n; ++i) {
        EXPECT_DOUBLE_EQ(y[i], 2 * x[i]);
        xz += x[i] * z[i];
        xx += x[i] * x[i];
        zz += z[i] * z[i];
    }
    EXPECT_NEAR(xz / std::sqrt(xx * zz), 0.0, 4.0 / std::sqrt(double(n)));
    // Var x(1 ms) = 1 mV^2 ms^-1 * 1 ms (10 steps of 0.1 ms): 4 SE of the sample variance.
    EXPECT_NEAR(xx / n, 1.0, 4 * std::sqrt(2.0 / n));
}

struct NoisyRun {
    std::vector<double> v;
    std::uint64_t spikes = 0;
};

// A noisy LIF (multiplicative noise through heun on w too), batch 2.
NoisyRun noisy_run(std::uint64_t seed, int threads, bool native, std::size_t batch = 2,
              Precision precision = Precision::f64) {
    cpu::set_native_enabled(native);
    NeuronModel m;
    m.name = "noisy";
    m.equations =
        "dv/dt = (-55 mV - v + w) / (10 ms) + 4 mV * sqrt(2 / (10 ms)) * xi : volt (unless refractory)\n"
        "dw/dt = -w / (50 ms) + 0.1 * w * xi_w / sqrt(ms) : volt\n";
    m.threshold = "v > -50 mV";
    m.reset = "v = -60 mV; w += 1 mV";
    m.refractory = "2 ms";
    m.method = "heun";
    Network net;
    net.settings.seed = seed;
    net.settings.batch = batch;
    net.settings.precision = precision;
    net.add_group("g", 3000, m).init("v", "-60 mV").init("w", "1 mV");
    SimulationOptions o;
    o.threads = threads;
    Simulation sim(net, o);
    sim.run(50.0);
    cpu::set_native_enabled(true);
    return {sim.read("g.v"), sim.spike_count("g")};
}

TEST(Noise, SameSeedSameResultOtherSeedOtherResult) {
    const NoisyRun a = noisy_run(3, 1, true), b = noisy_run(3, 1, true), c = noisy_run(4, 1, true);
    EXPECT_GT(a.spikes, 100u);
    EXPECT_EQ(a.v, b.v);
    EXPECT_EQ(a.spikes, b.spikes);
    EXPECT_NE(a.v, c.v);
}

TEST(Noise, ThreadCountDoesNotChangeTheDraws) {
    const NoisyRun one = noisy_run(3, 1, true);
    for (int threads : {2, 4}) {
        const NoisyRun r = noisy_run(3, threads, true);
        EXPECT_EQ(r.v, one.v) << threads << " threads";  // byte-identical
        EXPECT_EQ(r.spikes, one.spikes);
    }
}

TEST(Noise, NativeCodeDrawsWhatTheInterpreterDraws) {
    for (const Precision p : {Precision::f64, Precision::f32}) {
        const std::size_t before = cpu::native_kernels_bound();
        const NoisyRun native = noisy_run(3, 2, true, 2, p);
        if (cpu::native_kernels_bound() == before)
            GTEST_SKIP() << "no native compiler here: the update ran interpreted";
        const NoisyRun interpreted = noisy_run(3, 2, false, 2, p);
        EXPECT_EQ(native.v, interpreted.v);  // exact: same draws, same operations
        EXPECT_EQ(native.spikes, interpreted.spikes);
    }
}

// Each batch entry draws its own noise: entries 0 and 1 differ, and entry 0 of a batch of 2
// is the run of a batch of 1 (the draws are keyed by batch entry, not by batch size).
TEST(Noise, EachBatchEntryHasItsOwnDraws) {
    const NoisyRun two = noisy_run(3, 1, true, 2);
    const NoisyRun one = noisy_run(3, 1, true, 1);
    const std::size_t n = 3000;
    ASSERT_EQ(two.v.size(), 2 * n);
    const std::vector<double> first(two.v.begin(), two.v.begin() + n);
    const std::vector<double> second(two.v.begin() + n, two.v.end());
    EXPECT_NE(first, second);
    EXPECT_EQ(first, one.v);
}

// Counter-based draws keyed by step: after restore the run continues with the very draws it
// had after store.
TEST(Noise, StoreRestoreReplaysTheSameNoise) {
    NeuronModel m = ou_model();
    Network net;
    net.add_group("g", 500, m).init("v", "0 mV");
    Simulation sim(net);
    sim.run(5.0);
    sim.store("mid");
    sim.run_continue(5.0);
    const auto after = sim.read("g.v");
    sim.restore("mid");
    sim.run_continue(5.0);
    EXPECT_EQ(sim.read("g.v"), after);
}

// The shipped example, configs/ou_noise.yaml, is the population of the Brian2 reference
// (tests/validation/test_noise_reference.cpp): 28.7 Hz there. 200 neurons for 200 ms here:
// about 1150 spikes, so 20-40 Hz is more than 4 standard errors (Poisson: 3%) either way.
TEST(Noise, ShippedExampleFiresOnTheFluctuations) {
    const Network net = load_network(SPIKEGRAPH_SOURCE_DIR "/configs/ou_noise.yaml",
                                     {"groups.neurons.size=200", "simulation.duration=200 ms"});
    Simulation sim(net);
    sim.run(200.0);
    const double rate = static_cast<double>(sim.spike_count("neurons")) / 200 / 0.2;
    EXPECT_GT(rate, 20.0);
    EXPECT_LT(rate, 40.0);
}

}  // namespace
}  // namespace spikegraph
