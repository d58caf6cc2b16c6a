// A leaky integrate-and-fire neuron, written as a user model, against its closed forms:
// the membrane potential under constant current, the solvers' orders of convergence, and the
// interspike interval with threshold, reset and refractory period.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <spikegraph/network.hpp>
#include "monitors/npy_writer.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

// Internal units: mV, ms, pA, GOhm (R*I in GOhm*pA is mV).
constexpr double k_EL = -70.0;   // mV
constexpr double k_R = 0.1;      // GOhm (100 MOhm)
constexpr double k_tau = 10.0;   // ms

class TempDir : public testing_support::TempDir {
public:
    TempDir() : testing_support::TempDir("spikegraph_lif") {}
};

NeuronModel lif(double current_pA, bool spiking) {
    NeuronModel m;
    m.name = "user_lif";
    m.equations = "dv/dt = (E_L - v + R*I) / tau : volt\nI : amp\n";
    m.parameters = {{"E_L", "-70 mV"}, {"R", "100 MOhm"}, {"tau", "10 ms"},
                    {"I", std::to_string(current_pA) + " pA"}};
    if (spiking) {
        m.equations = "dv/dt = (E_L - v + R*I) / tau : volt (unless refractory)\nI : amp\n";
        m.threshold = "v > -55 mV";
        m.reset = "v = -70 mV";
        m.refractory = "2 ms";
    }
    m.method = "exact";
    return m;
}

// v(t) of one neuron started at E_L, for each time in `times_ms` (increasing).
std::vector<double> trace(const std::string& method, double dt_ms, double current_pA,
                          const std::vector<double>& times_ms) {
    Network net;
    net.settings.dt_ms = dt_ms;
    auto& g = net.add_group("g", 1, lif(current_pA, false));
    g.method(method);
    g.init("v", "-70 mV");
    Simulation sim(net);
    sim.initial_step();
    std::vector<double> out;
    double t = 0;
    for (double at : times_ms) {
        sim.run_continue(at - t);
        t = at;
        EXPECT_NEAR(sim.t_ms(), at, 1e-9);
        out.push_back(sim.read("g.v")[0]);
    }
    return out;
}

double analytic(double current_pA, double t_ms) {
    return k_EL + k_R * current_pA * (1.0 - std::exp(-t_ms / k_tau));
}

const std::vector<double> k_times = {5.0, 10.0, 30.0};  // ms
constexpr double k_I = 150.0;                          // pA: R I = 15 mV, no threshold here

class LifValidation : public testing_support::BackendTest {};

TEST_P(LifValidation, ExactMatchesTheClosedFormUnderConstantCurrent) {
    for (double dt : {0.1, 0.05, 1.0}) {
        const auto v = trace("exact", dt, k_I, k_times);
        for (std::size_t k = 0; k < k_times.size(); ++k) {
            const double want = analytic(k_I, k_times[k]);
            // The exact update is v' = E_L + (v - E_L) e^{-dt/tau} + ... with coefficients
            // accurate to an ulp; a few hundred steps accumulate ~1e-13 relative: 1e-9
            // relative leaves room and still catches any wrong coefficient.
            EXPECT_NEAR(v[k], want, 1e-9 * std::fabs(want)) << "dt " << dt << " t " << k_times[k];
        }
    }
}

// Leading-order global errors, for u = v - E_L, u_inf = R I, h = dt/tau, at time t:
//  euler: the iterates are u_inf (1 - (1-h)^n), and (1-h)^n = e^{-nh} exp(-(t/tau)(h/2)(1+2h/3+..)),
//         so v_euler - v = u_inf e^{-t/tau} (t/tau) h/2 (1 + O(h));
//  rk2:   one step multiplies by 1 - h + h^2/2 = e^{-h}(1 + h^3/6 + h^4/8 + ..), so
//         v - v_rk2 = u_inf e^{-t/tau} (t/tau) h^2/6 (1 + O(h)).
// The O(h) corrections are below 1% for h <= 0.01 and t <= 3 tau; the checks allow 2%.
double euler_error(double current_pA, double t, double dt) {
    const double h = dt / k_tau;
    return k_R * current_pA * std::exp(-t / k_tau) * (t / k_tau) * h / 2;
}
double rk2_error(double current_pA, double t, double dt) {
    const double h = dt / k_tau;
    return k_R * current_pA * std::exp(-t / k_tau) * (t / k_tau) * h * h / 6;
}

TEST_P(LifValidation, EulerErrorIsTheFirstOrderTerm) {
    for (double dt : {0.1, 0.05}) {
        const auto v = trace("euler", dt, k_I, k_times);
        for (std::size_t k = 0; k < k_times.size(); ++k) {
            const double err = v[k] - analytic(k_I, k_times[k]);  // Euler overshoots here
            const double predicted = euler_error(k_I, k_times[k], dt);
            EXPECT_NEAR(err, predicted, 0.02 * predicted) << "dt " << dt << " t " << k_times[k];
        }
    }
}

TEST_P(LifValidation, Rk2ErrorIsTheSecondOrderTerm) {
    for (double dt : {0.1, 0.05}) {
        const auto v = trace("rk2", dt, k_I, k_times);
        for (std::size_t k = 0; k < k_times.size(); ++k) {
            const double err = analytic(k_I, k_times[k]) - v[k];  // midpoint lags here
            const double predicted = rk2_error(k_I, k_times[k], dt);
            // predicted >= 2e-6 mV, far above double rounding (~1e-13 mV).
            EXPECT_NEAR(err, predicted, 0.02 * predicted) << "dt " << dt << " t " << k_times[k];
        }
    }
}

TEST_P(LifValidation, HalvingDtCutsEulerErrorTwiceAndRk2FourTimes) {
    for (const char* method : {"euler", "rk2"}) {
        const auto coarse = trace(method, 0.1, k_I, k_times);
        const auto fine = trace(method, 0.05, k_I, k_times);
        for (std::size_t k = 0; k < k_times.size(); ++k) {
            const double want = analytic(k_I, k_times[k]);
            const double ratio = std::fabs(coarse[k] - want) / std::fabs(fine[k] - want);
            if (std::string(method) == "euler") {
                EXPECT_GE(ratio, 1.8) << "t " << k_times[k];
                EXPECT_LE(ratio, 2.2) << "t " << k_times[k];
            } else {
                EXPECT_GE(ratio, 3.5) << "t " << k_times[k];
                EXPECT_LE(ratio, 4.5) << "t " << k_times[k];
            }
        }
    }
}

// With threshold V_th, reset to E_L and refractory period t_ref, the interval between spikes
// is T = t_ref + tau ln(R I / (R I - (V_th - E_L))). On the grid: a spike in step k resets v at
// t_{k+1}, v stays there until t_{k+R} and integrates (exactly) from step k + R, so
// v(t_{k+R+m}) = E_L + R I (1 - e^{-m dt/tau}); the next spike is stamped at the start of the
// first step m whose end is past the rise time, t_{k+R+m-1} with m dt in (t_rise, t_rise + dt].
// The measured interval is therefore within (T - dt, T]: the tolerance is one dt per interval
// (plus 1e-9 ms for the rounding of the stamps).
TEST_P(LifValidation, InterspikeIntervalMatchesTheClosedForm) {
    constexpr double dt = 0.1, t_ref = 2.0, v_th = -55.0;
    for (double current : {200.0, 300.0, 500.0}) {  // pA: R I = 20, 30, 50 mV > 15 mV
        SCOPED_TRACE("I = " + std::to_string(current) + " pA");
        TempDir dir;
        Network net;
        net.settings.dt_ms = dt;
        auto& g = net.add_group("g", 1, lif(current, true));
        g.init("v", "-70 mV");
        net.monitor_spikes("spikes", g.all());
        SimulationOptions options;
        options.out_dir = dir.path();
        Simulation sim(net, options);
        sim.run(1000.0);
        sim.finish();
        const auto t = read_npy(dir.path() / "spikes.t.npy").as<double>();
        const double RI = k_R * current;
        const double t_rise = k_tau * std::log(RI / (RI - (v_th - k_EL)));
        const double T = t_ref + t_rise;
        ASSERT_GE(t.size(), 30u);
        EXPECT_EQ(sim.spike_count("g"), t.size());
        // The first spike starts from E_L without a refractory period before it.
        EXPECT_GT(t[0], t_rise - dt - 1e-9);
        EXPECT_LE(t[0], t_rise + 1e-9);
        for (std::size_t s = 1; s < t.size(); ++s) {
            const double isi = t[s] - t[s - 1];
            EXPECT_GT(isi, T - dt - 1e-9) << "interval " << s;
            EXPECT_LE(isi, T + 1e-9) << "interval " << s;
        }
        // Spike count over 1 s agrees: first spike, then one every ISI.
        const double isi_grid = t.size() > 1 ? t[1] - t[0] : T;
        const auto expected = static_cast<std::size_t>(std::floor((1000.0 - dt - t[0]) / isi_grid)) + 1;
        EXPECT_EQ(t.size(), expected);
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, LifValidation, testing_support::all_backends(),
                         testing_support::backend_test_name);

}  // namespace
}  // namespace spikegraph
