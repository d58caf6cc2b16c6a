// Errors with data: a ConfigError carries the file, line, column and key of the offending value
// (from a YAML file, a --set override or the C++ API), a SimulationError the variable, neuron,
// batch entry and step it knows, a GpuError the failed call, its error string and the bytes. The
// errors here are raised by the real loader, builder and simulation, not constructed by hand,
// except the GpuError that nothing throws yet.

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

// The ConfigError that `make` throws; fails the test on any other outcome.
template <class F>
ConfigError config_error_of(F&& make) {
    try {
        make();
    } catch (const ConfigError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError, got: " << e.what();
        return ConfigError("other exception");
    }
    ADD_FAILURE() << "expected ConfigError, nothing was thrown";
    return ConfigError("nothing thrown");
}

ConfigError load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
    return config_error_of([&] { load_network_from_string(yaml, "net.yaml", overrides); });
}

template <class F>
SimulationError simulation_error_of(F&& run) {
    try {
        run();
    } catch (const SimulationError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected SimulationError, got: " << e.what();
        return SimulationError("other exception");
    }
    ADD_FAILURE() << "expected SimulationError, nothing was thrown";
    return SimulationError("nothing thrown");
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

const char* const k_group = "groups:\n  neurons: {size: 10, model: lif}\n";

TEST(ConfigErrorData, WrongUnitInTheFileGivesItsPlace) {
    const ConfigError e = load_error("simulation:\n"
                                     "  dt: 20 mV\n" + std::string(k_group));
    EXPECT_EQ(e.file(), "net.yaml");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 7);
    EXPECT_EQ(e.key(), "simulation.dt");
    EXPECT_TRUE(starts_with(e.what(), "net.yaml:2:7: simulation.dt: expected a time")) << e.what();
}

TEST(ConfigErrorData, WrongUnitFoundByTheBuilderGivesItsPlace) {
    // The loader keeps parameters as text; the builder finds the wrong dimension and raises
    // the error through the value's origin.
    const Network net = load_network_from_string("groups:\n"
                                                 "  exc:\n"
                                                 "    size: 4\n"
                                                 "    model: lif\n"
                                                 "    parameters:\n"
                                                 "      tau_m: 20 mV\n",
                                                 "net.yaml");
    const ConfigError e = config_error_of([&] { Simulation sim(net); });
    EXPECT_EQ(e.file(), "net.yaml");
    EXPECT_EQ(e.line(), 6);
    EXPECT_EQ(e.column(), 14);
    EXPECT_EQ(e.key(), "groups.exc.parameters.tau_m");
    EXPECT_TRUE(starts_with(e.what(), "net.yaml:6:14: groups.exc.parameters.tau_m: ")) << e.what();
}

TEST(ConfigErrorData, OnPreStatementErrorGivesThePlaceOfTheStatement) {
    // The second statement of on_pre scales a post variable by a voltage. The text starts at
    // column 14 of line 5 and the statement 8 characters into it: the error points at column 22,
    // in its message and in its data.
    const Network net = load_network_from_string("groups:\n"
                                                 "  a: {size: 2, model: lif}\n"
                                                 "connections:\n"
                                                 "  c:\n"
                                                 "    on_pre: \"v += w; v *= 2 * mV\"\n"
                                                 "    pre: a\n"
                                                 "    post: a\n"
                                                 "    weight: 1 mV\n",
                                                 "net.yaml");
    const ConfigError e = config_error_of([&] { Simulation sim(net); });
    EXPECT_EQ(e.file(), "net.yaml");
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.column(), 22);
    EXPECT_EQ(e.key(), "connections.c.on_pre");
    EXPECT_TRUE(starts_with(e.what(), "net.yaml:5:22: connections.c.on_pre: ")) << e.what();
}

TEST(ConfigErrorData, UnknownKeyPointsAtTheKey) {
    const ConfigError e = load_error("groups:\n"
                                     "  neurons:\n"
                                     "    size: 10\n"
                                     "    modle: lif\n");
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.column(), 5);
    EXPECT_EQ(e.key(), "groups.neurons.modle");
}

TEST(ConfigErrorData, BadSliceInAReferenceGivesItsPlace) {
    const ConfigError e = load_error(std::string(k_group) +
                                     "monitors:\n"
                                     "  m: {type: spike, group: \"neurons[0:\"}\n");
    EXPECT_EQ(e.file(), "net.yaml");
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.column(), 28);  // after the opening quote: where the text starts
    EXPECT_EQ(e.key(), "monitors.m.group");
}

TEST(ConfigErrorData, YamlSyntaxErrorHasAPlaceButNoKey) {
    const ConfigError e = load_error("groups:\n  neurons: {size: 10\n");
    EXPECT_EQ(e.file(), "net.yaml");
    EXPECT_GT(e.line(), 0);
    EXPECT_GT(e.column(), 0);
    EXPECT_EQ(e.key(), "");
    EXPECT_TRUE(starts_with(e.what(), "net.yaml:" + std::to_string(e.line()) + ":" +
                                          std::to_string(e.column()) + ": "))
        << e.what();
}

TEST(ConfigErrorData, MissingFileNamesTheFileOnly) {
    const ConfigError e = config_error_of([] { load_network("/nonexistent/net.yaml"); });
    EXPECT_EQ(e.file(), "/nonexistent/net.yaml");
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.column(), 0);
    EXPECT_EQ(e.key(), "");
}

TEST(ConfigErrorData, SetOverrideValueGivesTheSetAndItsColumn) {
    const ConfigError e = load_error(k_group, {"simulation.dt=20 mV"});
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 15);  // VALUE starts after "simulation.dt="
    EXPECT_EQ(e.key(), "simulation.dt");
    EXPECT_TRUE(starts_with(e.what(), "--set:1:15: simulation.dt: expected a time")) << e.what();
}

TEST(ConfigErrorData, SetOverrideOfAnUnknownKeyGivesTheKey) {
    const ConfigError e = load_error(k_group, {"groups.nuerons.size=5"});
    EXPECT_EQ(e.file(), "--set");
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.key(), "groups.nuerons.size");
    EXPECT_TRUE(starts_with(e.what(), "--set 'groups.nuerons.size=5': ")) << e.what();
}

TEST(ConfigErrorData, CppApiValueHasAKeyButNoFile) {
    Network net;
    net.add_group("exc", 4, library_model("lif")).set("tau_m", "20 mV");
    const ConfigError e = config_error_of([&] { Simulation sim(net); });
    EXPECT_EQ(e.file(), "");
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.column(), 0);
    // The value has no origin of its own: the error is keyed by its group (the origin the
    // builder falls back to) and the message names the parameter after it.
    EXPECT_EQ(e.key(), "groups.exc");
    EXPECT_TRUE(starts_with(e.what(), "groups.exc: groups.exc.parameters.tau_m: expected a value "
                                      "in second"))
        << e.what();
}

TEST(ConfigErrorData, CopiesKeepTheDataAndPlainErrorsHaveNone) {
    const ConfigError located("net.yaml:3:4: a.b: bad", ConfigLocation{"net.yaml", 3, 4, "a.b"});
    const ConfigError copy = located;  // NOLINT: the copy is what is tested
    EXPECT_EQ(copy.location().line, 3);
    EXPECT_EQ(copy.key(), "a.b");
    const ConfigError plain("bad");
    EXPECT_EQ(plain.file(), "");
    EXPECT_EQ(plain.line(), 0);
    EXPECT_EQ(plain.key(), "");
}

// A network of 3 neurons that builds and runs.
Network small_network() {
    Network net;
    net.add_group("g", 3, library_model("lif"));
    return net;
}

TEST(SimulationErrorData, ReadingAnUnknownVariableNamesIt) {
    Simulation sim(small_network());
    const SimulationError e = simulation_error_of([&] { sim.read("g.vv"); });
    EXPECT_EQ(e.variable(), "g.vv");
    EXPECT_FALSE(e.neuron().has_value());
    EXPECT_FALSE(e.batch_entry().has_value());
    EXPECT_FALSE(e.step().has_value());
}

TEST(SimulationErrorData, StateOfTheWrongSizeNamesTheVariable) {
    Simulation sim(small_network());
    sim.run(1.0);
    const SimulationError e =
        simulation_error_of([&] { (void)sim.with_state({{"g.v", {0.0, 0.0}}}); });
    EXPECT_EQ(e.variable(), "g.v");
    EXPECT_NE(std::string(e.what()).find("'g.v' holds 3 values"), std::string::npos) << e.what();
}

TEST(SimulationErrorData, ContextIsKeptAsGiven) {
    const SimulationError e("exc.v is NaN",
                            {.variable = "exc.v", .neuron = 17, .batch_entry = 0, .step = 4031});
    const SimulationError copy = e;  // NOLINT: the copy is what is tested
    EXPECT_EQ(copy.variable(), "exc.v");
    EXPECT_EQ(copy.neuron(), 17);
    EXPECT_EQ(copy.batch_entry(), 0);
    EXPECT_EQ(copy.step(), 4031);
    EXPECT_STREQ(copy.what(), "exc.v is NaN");
}

TEST(GpuErrorMessage, NamesTheCallTheErrorAndTheBytes) {
    const GpuError e("cudaMalloc", "out of memory", std::size_t{1} << 30, "allocating 'exc.v'");
    EXPECT_STREQ(e.what(),
                 "cudaMalloc failed: out of memory (1073741824 bytes = 1 GiB) while allocating "
                 "'exc.v'");
    EXPECT_EQ(e.call(), "cudaMalloc");
    EXPECT_EQ(e.error_string(), "out of memory");
    EXPECT_EQ(e.bytes(), std::size_t{1} << 30);
}

TEST(GpuErrorMessage, SmallAndFractionalSizes) {
    EXPECT_STREQ(GpuError("cudaMemcpy", "invalid argument", 512).what(),
                 "cudaMemcpy failed: invalid argument (512 bytes)");
    EXPECT_STREQ(GpuError("cudaMemcpy", "invalid argument", 1536).what(),
                 "cudaMemcpy failed: invalid argument (1536 bytes = 1.5 KiB)");
}

TEST(GpuErrorMessage, WithoutBytes) {
    const GpuError e("nvrtcCompileProgram", "NVRTC_ERROR_COMPILATION");
    EXPECT_STREQ(e.what(), "nvrtcCompileProgram failed: NVRTC_ERROR_COMPILATION");
    EXPECT_FALSE(e.bytes().has_value());
    const Error& base = e;  // every GPU failure is caught with the rest of spikegraph's errors
    EXPECT_STREQ(base.what(), e.what());
}

}  // namespace
}  // namespace spikegraph
