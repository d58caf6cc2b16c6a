// White noise in the wrong place, and stochastic equations a method cannot integrate (issue
// 15): each is an error located in the config (file:line:column and key) that says what to
// write instead. test_noise.cpp checks what noise does where it is right.

#include <gtest/gtest.h>

#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph {
namespace {

struct Model {
    std::string equations = "dv/dt = (-60 mV - v) / tau + 2 mV * sqrt(2 / tau) * xi : volt";
    std::string threshold = "v > -50 mV";
    std::string reset = "v = -60 mV";
    std::string method;  // on the group; empty: auto
    std::string init = "-60 mV";
};

// Line 4 holds the equations' first line (column 7 is its first character); the threshold is on
// line 7 at column 16, the reset on line 8 at column 12, the group's method on line 15 at column
// 13 (when given) and v's initial value on the line after it, at column 16.
std::string config(const Model& m) {
    std::string yaml =
        "models:\n"
        "  m:\n"
        "    equations: |\n"
        "      " + m.equations + "\n"
        "      tau : second (shared)\n"
        "    parameters: {tau: 10 ms}\n"
        "    threshold: " + m.threshold + "\n"
        "    reset: " + m.reset + "\n"
        "groups:\n"
        "  g:\n"
        "    size: 4\n"
        "    model: m\n"
        "    init:\n"
        "      v: " + m.init + "\n";
    if (!m.method.empty()) yaml += "    method: " + m.method + "\n";
    return yaml;
}

// The message of the Error that building `m` throws ("" when it builds).
std::string error_of(const Model& m) {
    try {
        const Network net = load_network_from_string(config(m), "bad.yaml");
        Simulation sim(net);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Building `m` fails with a message that starts with `start` (its location and key) and
// contains `part`.
void expect_error(const Model& m, const std::string& start, const std::string& part = "") {
    const std::string msg = error_of(m);
    EXPECT_EQ(msg.rfind(start, 0), 0u) << "expected \"" << start << "...\"\n     got \"" << msg << "\"";
    EXPECT_TRUE(has(msg, part)) << msg;
}

TEST(NoiseErrors, TheExampleBuilds) { EXPECT_EQ(error_of(Model{}), ""); }

TEST(NoiseErrors, XiInAResetOrThresholdIsLocated) {
    Model reset;
    reset.reset = "v = -60 mV + xi * sqrt(ms) * mV";
    expect_error(reset, "bad.yaml:8:25: models.m.reset: 'xi' is white noise",
                 "only the right-hand side of a neuron group's differential equation");
    Model threshold;
    threshold.threshold = "v + xi_th * sqrt(ms) * mV > -50 mV";
    expect_error(threshold, "bad.yaml:7:20: models.m.threshold: 'xi_th' is white noise");
}

TEST(NoiseErrors, XiInAnInitialValueIsLocated) {
    Model m;
    m.init = "xi * sqrt(ms) * mV";
    expect_error(m, "bad.yaml:14:10: groups.g.init.v", "'xi' is white noise");
}

// A sub-expression may carry noise into the equations, not into a threshold.
TEST(NoiseErrors, XiThroughASubExpressionOutsideAnEquation) {
    Model ok;
    ok.equations = "dv/dt = (-60 mV - v) / tau + kick / tau : volt\n"
                   "      kick = 2 mV * sqrt(2 * tau) * xi : volt";
    EXPECT_EQ(error_of(ok), "");
    Model bad = ok;
    bad.threshold = "v + kick > -50 mV";
    expect_error(bad, "bad.yaml:8:16: models.m.threshold: 'xi' is white noise",
                 "through a sub-expression");
}

TEST(NoiseErrors, RandnInAnEquationNamesXi) {
    Model m;
    m.equations = "dv/dt = (-60 mV - v) / tau + 2 mV * randn() / tau : volt";
    expect_error(m, "bad.yaml:4:43: models.m.equations: dv/dt calls randn()",
                 "write white noise as xi (second^-1/2), e.g. 'dv/dt = -v / tau + sigma * "
                 "sqrt(2 / tau) * xi', which the solver scales by sqrt(dt)");
    // Through a sub-expression: located at the draw, on the sub-expression's line.
    m.equations = "dv/dt = (-60 mV - v) / tau + jitter / tau : volt\n"
                  "      jitter = uniform(0 mV, 1 mV) : volt";
    expect_error(m, "bad.yaml:5:16: models.m.equations: dv/dt calls rand()");
}

TEST(NoiseErrors, NoiseMustEnterLinearly) {
    Model m;
    m.equations = "dv/dt = (-60 mV - v) / tau + xi**2 * mV : volt";
    expect_error(m, "bad.yaml:4:7: models.m.equations: dv/dt is not linear in the white noise xi",
                 "as a term g * xi");
    m.equations = "dv/dt = (-60 mV - v) / tau + xi * xi_b * mV : volt";
    EXPECT_TRUE(has(error_of(m), "is not linear in the white noise")) << error_of(m);
}

TEST(NoiseErrors, DeterministicMethodsRefuseNoiseAndNameTheOnesThatWork) {
    for (const char* method : {"exact", "exponential_euler", "rk2", "rk4"}) {
        Model m;
        m.method = method;
        expect_error(m,
                     "bad.yaml:15:13: groups.g.method: method '" + std::string(method) +
                         "' cannot integrate these stochastic equations (they use xi)",
                     "'euler' (additive noise), 'heun' or 'milstein' (multiplicative noise)");
    }
}

TEST(NoiseErrors, EulerRefusesMultiplicativeNoise) {
    Model m;
    m.equations = "dv/dt = (-60 mV - v) / tau + 0.01 * (v + 70 mV) * xi / sqrt(ms) : volt";
    m.method = "euler";
    expect_error(m, "bad.yaml:15:13: groups.g.method: method 'euler'",
                 "needs additive noise, but a coefficient of the noise depends on a state "
                 "variable; use 'heun' or 'milstein'");
    m.method = "heun";
    EXPECT_EQ(error_of(m), "");
}

TEST(NoiseErrors, MilsteinRefusesNoiseThatIsNotDiagonal) {
    Model m;
    m.equations = "dv/dt = (-60 mV - v) / tau + mV * xi / sqrt(ms) : volt\n"
                  "      dw/dt = -w / tau + mV * xi / sqrt(ms) : volt";
    m.method = "milstein";
    expect_error(m, "bad.yaml:16:13: groups.g.method: method 'milstein'",
                 "it needs diagonal noise, but xi drives v and w; use 'heun'");
    m.equations = "dv/dt = (-60 mV - v) / tau + mV * xi / sqrt(ms) : volt\n"
                  "      dw/dt = -w / tau + mV * xi_w / sqrt(ms) : volt";
    EXPECT_EQ(error_of(m), "");
}

TEST(NoiseErrors, XiIsNotAVariableName) {
    Model m;
    m.equations = "dxi/dt = -xi / tau : volt";
    EXPECT_TRUE(has(error_of(m), "'xi' names white noise")) << error_of(m);
}

TEST(NoiseErrors, XiInASynapseStatementIsRefused) {
    NeuronModel lif;
    lif.name = "lif";
    lif.equations = "dv/dt = -v / (10 ms) : volt\n";
    lif.threshold = "v > 1 mV";
    Network net;
    net.add_group("a", 2, lif);
    net.add_group("b", 2, lif);
    auto& c = net.connect("c", GroupRef("a"), GroupRef("b"), "v", "1 mV");
    c.on_pre = "v_post += w * (1 + xi * sqrt(ms))";
    try {
        Simulation sim(net);
        ADD_FAILURE() << "xi in on_pre was accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(has(e.what(), "'xi' is white noise")) << e.what();
    }
}

}  // namespace
}  // namespace spikegraph
