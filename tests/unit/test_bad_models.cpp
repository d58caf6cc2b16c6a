// Every kind of bad equation named in the model issue, through the whole path a user takes
// (YAML text -> loader -> builder, and the C++ NeuronModel -> Simulation): each must throw a
// ModelError whose message is located (file:line:column in a config; line and column in the
// equation text from C++) and says what is wrong.
//
// test_equations.cpp and test_expression_parser.cpp check the parser and the unit checker on
// their own; test_solvers.cpp checks the solvers' refusals without a location. Here the same
// mistakes are made in a model as a user writes it, so that the location survives the loader and
// the builder: the unknown function, the wrong arity, the unknown flag and the two solver
// refusals had no located check before.

#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <typeinfo>
#include <vector>

#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

struct BadModel {
    std::string name;
    std::string equation;  // the second line of the model's equations, the one that is wrong
    std::string method;    // set on the group; empty: the model's default (euler)
    int column = 0;        // of the mistake in `equation`, 1-based; 0: a solver refusal
    std::string message;   // what the message must say after the location
};

void PrintTo(const BadModel& c, std::ostream* os) { *os << c.name << ": " << c.equation; }

// The first equation line is fine; the second is the case's.
constexpr const char* k_good_line = "du/dt = -u/tau : volt";

std::vector<BadModel> bad_models() {
    return {
        {"SyntaxError", "dv/dt = (E_L - v / tau : volt", "", 24,
         "expected ')' to close '(' opened at column "},
        {"UnitInconsistency", "dv/dt = (E_L - v)/tau + 1*mV : volt", "", 23,
         "cannot add volt/second and volt: '(E_L - v) / tau' is volt/second, '1 * mV' is volt"},
        {"UnknownIdentifier", "dv/dt = (E_L - v)/tau_m : volt", "", 19,
         "unknown identifier 'tau_m'; did you mean 'tau'?"},
        {"UnknownFunction", "dv/dt = (E_L - v)/tau * exq(v/E_L) : volt", "", 25,
         "unknown function 'exq'; did you mean 'exp'?"},
        {"WrongArity", "dv/dt = (E_L - v)/tau * exp(v/E_L, 2) : volt", "", 25,
         "exp() takes 1 argument, got 2"},
        {"UnknownFlag", "dv/dt = (E_L - v)/tau : volt (unless refactory)", "", 31,
         "unknown flag 'unless refactory'; an equation knows 'unless refractory'"},
        {"ExactOnNonLinear", "dv/dt = -v**2/(tau*E_L) : volt", "exact", 0,
         "method 'exact' needs linear equations with constant coefficients, but "
         "dv/dt = -v**2 / (tau * E_L): it is not linear (v appears in the coefficient of v); use "
         "method 'euler' or 'rk2'"},
        {"ExponentialEulerNonLinearInOwnVariable", "dv/dt = -v**2/(tau*E_L) : volt",
         "exponential_euler", 0,
         "method 'exponential_euler' needs each equation linear in its own variable, but "
         "dv/dt = -v**2 / (tau * E_L) is not linear in v; use 'rk2' or 'rk4'"},
    };
}

// The config: the equations block starts on line 4 with an indent of 6, so the bad line is line 5
// and a column c of it is file column 6 + c. A method set on the group is on line 13, its value
// at column 13.
std::string config(const BadModel& c) {
    std::string yaml =
        "models:\n"
        "  m:\n"
        "    equations: |\n"
        "      " + std::string(k_good_line) + "\n"
        "      " + c.equation + "\n"
        "      E_L : volt\n"
        "    parameters: {E_L: -70 mV, tau: 10 ms}\n"
        "    threshold: v > -50 mV\n"
        "groups:\n"
        "  g:\n"
        "    size: 1\n"
        "    model: m\n";
    if (!c.method.empty()) yaml += "    method: " + c.method + "\n";
    yaml += "    init: {v: -65 mV}\n";
    return yaml;
}

constexpr int k_bad_line = 5, k_indent = 6, k_method_line = 13, k_method_column = 13;

// Runs `build` and puts the message of the ModelError it throws into `message`; fails when it
// throws another error or nothing at all.
::testing::AssertionResult model_error_of(const std::function<void()>& build,
                                          std::string& message) {
    try {
        build();
    } catch (const ModelError& e) {
        message = e.what();
        return ::testing::AssertionSuccess();
    } catch (const Error& e) {
        return ::testing::AssertionFailure()
               << "expected a ModelError, got " << typeid(e).name() << ": " << e.what();
    }
    return ::testing::AssertionFailure() << "the model was accepted";
}

class BadModels : public ::testing::TestWithParam<BadModel> {};

TEST_P(BadModels, ConfigGivesAModelErrorLocatedInTheFile) {
    const BadModel& c = GetParam();
    std::string msg;
    ASSERT_TRUE(model_error_of(
        [&] {
            const Network net = load_network_from_string(config(c), "bad.yaml");
            Simulation sim(net);
        },
        msg));
    const std::string where =
        c.column > 0 ? "bad.yaml:" + std::to_string(k_bad_line) + ":" +
                           std::to_string(k_indent + c.column) + ": models.m.equations: "
                     : "bad.yaml:" + std::to_string(k_method_line) + ":" +
                           std::to_string(k_method_column) + ": groups.g.method: ";
    EXPECT_EQ(msg.rfind(where + c.message, 0), 0u) << "expected \"" << where << c.message
                                                    << "...\"\n     got \"" << msg << "\"";
}

TEST_P(BadModels, CxxModelGivesAModelErrorLocatedInTheText) {
    const BadModel& c = GetParam();
    NeuronModel m;
    m.name = "m";
    m.equations = std::string(k_good_line) + "\n" + c.equation + "\nE_L : volt\n";
    m.parameters = {{"E_L", "-70 mV"}, {"tau", "10 ms"}};
    m.threshold = "v > -50 mV";
    std::string msg;
    ASSERT_TRUE(model_error_of(
        [&] {
            Network net;
            auto& g = net.add_group("g", 1, m);
            if (!c.method.empty()) g.method(c.method);
            g.init("v", "-65 mV");
            Simulation sim(net);
        },
        msg));
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
    if (c.column > 0) {
        // Without a file the position inside the text goes last (see `located`).
        const std::string where = " (line 2, column " + std::to_string(c.column) + ")";
        ASSERT_GE(msg.size(), where.size()) << msg;
        EXPECT_EQ(msg.substr(msg.size() - where.size()), where) << msg;
    } else {
        EXPECT_EQ(msg.rfind("groups.g.method: ", 0), 0u) << msg;
    }
}

INSTANTIATE_TEST_SUITE_P(BadModels, BadModels, ::testing::ValuesIn(bad_models()),
                         [](const ::testing::TestParamInfo<BadModel>& info) {
                             return info.param.name;
                         });

// When the method comes from the model's `method:` key rather than the group's, a refusal must
// point at that key, where the user made the choice.
TEST(BadModelsMethodFromModel, SolverRefusalPointsAtTheModelsMethodKey) {
    for (const char* method : {"exact", "exponential_euler"}) {
        const std::string yaml = std::string(
                                     "models:\n"
                                     "  m:\n"
                                     "    equations: |\n"
                                     "      dv/dt = -v**2/(tau*E_L) : volt\n"
                                     "    method: ") +
                                 method +
                                 "\n"
                                 "    parameters: {E_L: -70 mV, tau: 10 ms}\n"
                                 "groups:\n"
                                 "  g:\n"
                                 "    size: 1\n"
                                 "    model: m\n";
        std::string msg;
        ASSERT_TRUE(model_error_of(
            [&] {
                const Network net = load_network_from_string(yaml, "bad.yaml");
                Simulation sim(net);
            },
            msg));
        const std::string where = std::string("bad.yaml:5:13: models.m.method: method '") + method;
        EXPECT_EQ(msg.rfind(where, 0), 0u) << msg;
    }
}

}  // namespace
}  // namespace spikegraph
