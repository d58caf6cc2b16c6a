// The backend registry (DESIGN.md "Backend management"): every backend known by name, whether
// or not it can run here; one message for a missing one; extensions declared with
// check_backend(); and the thread-local default backend with its scoped override.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend_entry.hpp"
#include "backend/backend_registry.hpp"
#include "backend/cpu/cpu_executor.hpp"
#include "backend/cpu/op_factory.hpp"
#include "backend/op_registry.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/config.hpp>
#include "tests/support/delayed_network.hpp"

namespace spikegraph {
namespace {

using testing_support::delayed_network;

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const BackendUnavailable& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected BackendUnavailable";
    return "";
}

BackendRequirements cpu_twin() {
    BackendRequirements r;
    r.factory = [](const Plan& plan, const ExecutorOptions& o) { return cpu::make_cpu_executor(plan, o); };
    return r;
}

BackendRequirements missing(const std::string& why, const std::string& hint = "") {
    BackendRequirements r = cpu_twin();
    r.probe = [why] { return why; };
    r.hint = hint;
    return r;
}

// Each test starts and ends with the default "cpu" on its thread.
class Backends : public ::testing::Test {
protected:
    void SetUp() override { reset_default_backend(); }
    void TearDown() override { reset_default_backend(); }
};

TEST_F(Backends, EveryBuiltInIsKnownWhetherOrNotItWasCompiledIn) {
    const auto names = backend_names();
    ASSERT_GE(names.size(), 2u);
    EXPECT_EQ(names[0], "cpu");
    EXPECT_EQ(names[1], "cuda");
    EXPECT_EQ(all_backend_names(), names);
    const auto statuses = backend_statuses();
    ASSERT_EQ(statuses.size(), names.size());
    EXPECT_TRUE(statuses[0].available);
    EXPECT_TRUE(statuses[0].reason.empty());
    EXPECT_TRUE(backend_available("cpu"));
    // The CUDA backend itself comes in a later version: until then it is never available, and
    // says why in words that tell the two cases apart.
    EXPECT_FALSE(statuses[1].available);
    EXPECT_FALSE(backend_available("cuda"));
#if SPIKEGRAPH_HAVE_CUDA
    EXPECT_EQ(statuses[1].reason.find("this build has no CUDA support"), std::string::npos);
#else
    EXPECT_EQ(statuses[1].reason,
              "this build has no CUDA support; configure with -DSPIKEGRAPH_CUDA=ON where the CUDA "
              "toolkit is installed");
#endif
}

TEST_F(Backends, AvailabilityNeverThrows) {
    EXPECT_NO_THROW(EXPECT_FALSE(backend_available("")));
    EXPECT_NO_THROW(EXPECT_FALSE(backend_available("tpu")));
    EXPECT_NO_THROW(EXPECT_FALSE(backend_available("cuda")));
    BackendRequirements r = cpu_twin();
    r.probe = []() -> std::string { throw std::runtime_error("driver exploded"); };
    EXPECT_FALSE(check_backend("test_throwing_probe", r));
    EXPECT_NO_THROW(EXPECT_FALSE(backend_available("test_throwing_probe")));
    for (const auto& s : backend_statuses())
        if (s.name == "test_throwing_probe") {
            EXPECT_NE(s.reason.find("driver exploded"), std::string::npos) << s.reason;
            EXPECT_FALSE(s.built_in);
        }
}

TEST_F(Backends, MissingCudaIsOneMessageSayingWhichAndHowToGetIt) {
#if SPIKEGRAPH_HAVE_CUDA
    GTEST_SKIP() << "this build has CUDA support; the message for a build without it is not produced";
#endif
    const std::string m = message_of([] { require_backend("cuda"); });
    EXPECT_EQ(m,
              "Missing the `cuda` backend: this build has no CUDA support; configure with "
              "-DSPIKEGRAPH_CUDA=ON where the CUDA toolkit is installed");
    const std::string made = message_of([] {
        ExecutorOptions o;
        make_executor("cuda", Plan{}, o);
    });
    EXPECT_EQ(made, m);
}

TEST_F(Backends, CudaBuildSaysWhetherTheDeviceOrTheBackendIsMissing) {
#if !SPIKEGRAPH_HAVE_CUDA
    GTEST_SKIP() << "this build has no CUDA support; the device probe is not compiled in";
#endif
    // Without a driver the CUDA runtime fails ("driver version is insufficient"): the probe
    // reports it as the reason instead of throwing or crashing.
    const std::string m = message_of([] { require_backend("cuda"); });
    const bool no_device = m.rfind("Missing the `cuda` backend: no CUDA device is visible", 0) == 0;
    const bool not_yet =
        m.rfind("Missing the `cuda` backend: the CUDA backend is not implemented in this version", 0) == 0;
    EXPECT_TRUE(no_device || not_yet) << m;
    EXPECT_EQ(m.find("this build has no CUDA support"), std::string::npos) << m;
}

TEST_F(Backends, UnknownNameSuggestsTheClosestAndListsTheKnown) {
    const std::string m = message_of([] { require_backend("cudaa"); });
    EXPECT_NE(m.find("unknown backend 'cudaa'"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean 'cuda'?"), std::string::npos) << m;
    EXPECT_NE(m.find("known backends: cpu, cuda"), std::string::npos) << m;
}

TEST_F(Backends, ExtensionDeclaresItsOwnBackendWithAReasonAndAHint) {
    EXPECT_FALSE(check_backend("test_fpga", missing("no FPGA board on the PCI bus",
                                                    "install the board's driver")));
    EXPECT_FALSE(backend_available("test_fpga"));
    const auto names = backend_names();
    EXPECT_NE(std::find(names.begin(), names.end(), "test_fpga"), names.end());
    EXPECT_EQ(message_of([] { require_backend("test_fpga"); }),
              "Missing the `test_fpga` backend: no FPGA board on the PCI bus; install the board's "
              "driver");
    // Declaring it again replaces the entry: now the probe passes.
    EXPECT_TRUE(check_backend("test_fpga", cpu_twin()));
    EXPECT_TRUE(backend_available("test_fpga"));
    EXPECT_NO_THROW(require_backend("test_fpga"));
}

TEST_F(Backends, ExtensionNeedingCudaIsMissingWhereCudaIs) {
    BackendRequirements r = cpu_twin();
    r.backends = {"cuda"};
    EXPECT_FALSE(check_backend("test_on_cuda", r));
    const std::string m = message_of([] { require_backend("test_on_cuda"); });
    EXPECT_NE(m.find("Missing the `test_on_cuda` backend: it needs the `cuda` backend"),
              std::string::npos)
        << m;
}

TEST_F(Backends, ExtensionsRequiringEachOtherInACycleAreMissingAndSaySo) {
    BackendRequirements a = cpu_twin(), b = cpu_twin();
    a.backends = {"test_cycle_b"};
    b.backends = {"test_cycle_a"};
    check_backend("test_cycle_a", a);
    EXPECT_FALSE(check_backend("test_cycle_b", b));
    EXPECT_FALSE(backend_available("test_cycle_a"));
    const std::string m = message_of([] { require_backend("test_cycle_a"); });
    EXPECT_NE(m.find("depend on each other in a cycle"), std::string::npos) << m;
}

TEST_F(Backends, ExtensionWithoutAFactoryIsKnownButNotAvailable) {
    EXPECT_FALSE(check_backend("test_no_factory", BackendRequirements{}));
    EXPECT_NE(message_of([] { require_backend("test_no_factory"); }).find("without an executor factory"),
              std::string::npos);
}

TEST_F(Backends, BuiltInsCannotBeRedeclared) {
    EXPECT_THROW(check_backend("cpu", cpu_twin()), ConfigError);
    EXPECT_THROW(check_backend("cuda", cpu_twin()), ConfigError);
    EXPECT_THROW(check_backend("", cpu_twin()), ConfigError);
    EXPECT_THROW(check_backend("two words", cpu_twin()), ConfigError);
}

TEST_F(Backends, AnExtensionRunsASimulationThroughItsFactory) {
    check_backend("test_cpu_twin", cpu_twin());
    Network net = delayed_network();
    SimulationOptions a, b;
    b.backend = "test_cpu_twin";
    Simulation on_cpu(net, a), on_twin(net, b);
    EXPECT_EQ(on_cpu.backend(), "cpu");
    EXPECT_EQ(on_twin.backend(), "test_cpu_twin");
    on_cpu.run(10.0);
    on_twin.run(10.0);
    EXPECT_EQ(on_cpu.read("neurons.v"), on_twin.read("neurons.v"));
    EXPECT_EQ(on_twin.stats()["backend"], "test_cpu_twin");
}

TEST_F(Backends, DefaultIsCpuAndScopesNestAndUnwind) {
    check_backend("test_scope_a", cpu_twin());
    check_backend("test_scope_b", cpu_twin());
    EXPECT_EQ(default_backend(), "cpu");
    {
        BackendScope outer{"test_scope_a"};
        EXPECT_EQ(default_backend(), "test_scope_a");
        {
            BackendScope inner{"test_scope_b"};
            EXPECT_EQ(default_backend(), "test_scope_b");
        }
        EXPECT_EQ(default_backend(), "test_scope_a");
        // An exception thrown through a scope restores the default it found.
        try {
            BackendScope inner{"cuda"};
            EXPECT_EQ(default_backend(), "cuda");
            throw std::runtime_error("boom");
        } catch (const std::runtime_error&) {
        }
        EXPECT_EQ(default_backend(), "test_scope_a");
        // An unknown name is refused and changes nothing.
        EXPECT_THROW(BackendScope bad{"cdua"}, BackendUnavailable);
        EXPECT_EQ(default_backend(), "test_scope_a");
        reset_default_backend();
        EXPECT_EQ(default_backend(), "cpu");
    }
    // The outer scope puts back what it found, which was "cpu".
    EXPECT_EQ(default_backend(), "cpu");
    set_default_backend("test_scope_b");
    EXPECT_EQ(default_backend(), "test_scope_b");
    reset_default_backend();
    EXPECT_EQ(default_backend(), "cpu");
}

TEST_F(Backends, EachThreadHasItsOwnDefault) {
    constexpr int k_threads = 6;
    std::vector<std::string> names;
    for (int t = 0; t < k_threads; ++t) {
        names.push_back("test_thread_" + std::to_string(t));
        check_backend(names.back(), cpu_twin());
    }
    BackendScope main_scope{"test_thread_0"};
    std::latch all_set(k_threads), all_checked(k_threads);
    std::atomic<int> wrong{0};
    std::vector<std::string> seen_at_start(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t)
        threads.emplace_back([&, t] {
            // A new thread starts with "cpu", whatever the thread that started it uses.
            seen_at_start[static_cast<std::size_t>(t)] = default_backend();
            BackendScope use{names[static_cast<std::size_t>(t)]};
            all_set.arrive_and_wait();  // every thread holds its own scope now
            for (int k = 0; k < 20000; ++k) {
                if (default_backend() != names[static_cast<std::size_t>(t)]) ++wrong;
                if (k % 1000 == 0) {
                    BackendScope nested{names[static_cast<std::size_t>((t + 1) % k_threads)]};
                    if (default_backend() != names[static_cast<std::size_t>((t + 1) % k_threads)]) ++wrong;
                }
            }
            all_checked.arrive_and_wait();
            if (default_backend() != names[static_cast<std::size_t>(t)]) ++wrong;
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
    for (const auto& s : seen_at_start) EXPECT_EQ(s, "cpu");
    EXPECT_EQ(default_backend(), "test_thread_0");
}

TEST_F(Backends, ThreadsBuildSimulationsOnTheirOwnDefaults) {
    check_backend("test_worker_twin", cpu_twin());
    check_backend("test_worker_missing", missing("not installed here"));
    const Network net = delayed_network();
    std::string twin_backend, error_text, cpu_backend;
    std::latch ready(3);
    std::thread a([&] {
        BackendScope use{"test_worker_twin"};
        ready.arrive_and_wait();
        twin_backend = Simulation(net).backend();
    });
    std::thread b([&] {
        BackendScope use{"test_worker_missing"};
        ready.arrive_and_wait();
        try {
            Simulation s(net);
        } catch (const BackendUnavailable& e) {
            error_text = e.what();
        }
    });
    std::thread c([&] {
        ready.arrive_and_wait();
        cpu_backend = Simulation(net).backend();
    });
    a.join(), b.join(), c.join();
    EXPECT_EQ(twin_backend, "test_worker_twin");
    EXPECT_EQ(cpu_backend, "cpu");
    EXPECT_EQ(error_text, "Missing the `test_worker_missing` backend: not installed here");
}

TEST_F(Backends, AnExplicitBackendAlwaysWins) {
    check_backend("test_explicit_missing", missing("not installed here"));
    BackendScope use{"test_explicit_missing"};
    // Nothing explicit: the thread's default is used, and it is missing.
    Network net = delayed_network();
    EXPECT_TRUE(net.settings.backend.empty()) << "the config has no simulation.backend";
    EXPECT_THROW(Simulation{net}, BackendUnavailable);
    // The config says cpu: that wins over the default.
    Network from_config = delayed_network({"simulation.backend=cpu"});
    EXPECT_EQ(from_config.settings.backend, "cpu");
    EXPECT_EQ(Simulation(from_config).backend(), "cpu");
    // The argument wins over both.
    SimulationOptions o;
    o.backend = "cpu";
    EXPECT_EQ(Simulation(net, o).backend(), "cpu");
    Network config_missing = delayed_network({"simulation.backend=test_explicit_missing"});
    {
        BackendScope cpu_default{"cpu"};
        EXPECT_THROW(Simulation{config_missing}, BackendUnavailable);
    }
    EXPECT_EQ(Simulation(config_missing, o).backend(), "cpu");
    EXPECT_EQ(resolve_backend(""), "test_explicit_missing");
    EXPECT_EQ(resolve_backend("cpu"), "cpu");
}

// The one registration function names the built-ins; each entry carries its own availability,
// executor factory and op registration.
TEST(BackendTable, BuiltInsComeFromOneRegistrationFunction) {
    BackendTable table;
    register_builtin_backends(table);
    EXPECT_EQ(table.names(), (std::vector<std::string>{"cpu", "cuda"}));
    const auto cpu_entry = table.find("cpu");
    ASSERT_TRUE(cpu_entry.has_value());
    EXPECT_TRUE(cpu_entry->built_in);
    EXPECT_FALSE(cpu_entry->availability) << "the CPU backend is always available";
    EXPECT_TRUE(cpu_entry->make_executor);
    ASSERT_TRUE(cpu_entry->register_ops);
    OpRegistry ops;
    cpu_entry->register_ops(ops);
    const auto kinds = ops.kinds("cpu");
    for (const char* kind : {"neuron_update", "neuron_reset", "synapse_deliver", "poisson_input",
                             "spike_monitor", "state_monitor", "add"})
        EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
    EXPECT_TRUE(ops.kinds("cuda").empty());
    const auto cuda_entry = table.find("cuda");
    ASSERT_TRUE(cuda_entry.has_value());
    ASSERT_TRUE(cuda_entry->availability);
    EXPECT_FALSE(cuda_entry->availability().empty()) << "no CUDA backend exists in this version";
    EXPECT_FALSE(cuda_entry->register_ops);
    // Adding an entry of the same name replaces it in place.
    table.add(BackendEntry{.name = "cpu", .availability = [] { return std::string("gone"); }});
    EXPECT_EQ(table.names(), (std::vector<std::string>{"cpu", "cuda"}));
    EXPECT_EQ(table.find("cpu")->availability(), "gone");
    EXPECT_FALSE(table.find("tpu").has_value());
}

TEST(BackendTable, StatusesListTheOpKindsOfEachBackend) {
    for (const auto& s : backend_statuses()) {
        if (s.name == "cpu") {
            EXPECT_TRUE(std::is_sorted(s.op_kinds.begin(), s.op_kinds.end()));
            EXPECT_NE(std::find(s.op_kinds.begin(), s.op_kinds.end(), "neuron_update"),
                      s.op_kinds.end());
        }
        if (s.name == "cuda") EXPECT_TRUE(s.op_kinds.empty());
    }
}

// A backend's op factory type of its own: what a non-CPU backend would bind ops with.
using FpgaOpFactory = std::function<int(const OpSpec&)>;

TEST(OpRegistryTest, IsKeyedByKindAndBackend) {
    OpRegistry r;
    r.add<cpu::OpFactory>("decay", "cpu", [](const OpSpec&, cpu::Workspace&) {
        return std::unique_ptr<cpu::Kernel>();
    });
    r.add<FpgaOpFactory>("decay", "test_fpga", [](const OpSpec&) { return 7; });
    r.add<FpgaOpFactory>("grow", "test_fpga", [](const OpSpec&) { return 8; });
    EXPECT_EQ(r.kinds("cpu"), std::vector<std::string>{"decay"});
    EXPECT_EQ(r.kinds("test_fpga"), (std::vector<std::string>{"decay", "grow"}));
    EXPECT_TRUE(r.kinds("cuda").empty());
    EXPECT_NE(r.find<cpu::OpFactory>("decay", "cpu"), nullptr);
    EXPECT_EQ(r.find<cpu::OpFactory>("grow", "cpu"), nullptr);
    const auto fpga = r.find<FpgaOpFactory>("decay", "test_fpga");
    ASSERT_NE(fpga, nullptr);
    EXPECT_EQ((*fpga)(OpSpec{}), 7);
    // Replacing an entry leaves a factory already looked up intact.
    r.add<FpgaOpFactory>("decay", "test_fpga", [](const OpSpec&) { return 9; });
    EXPECT_EQ((*fpga)(OpSpec{}), 7);
    EXPECT_EQ((*r.find<FpgaOpFactory>("decay", "test_fpga"))(OpSpec{}), 9);
}

TEST(OpRegistryTest, AFactoryOfTheWrongTypeIsRefusedOnAddAndOnLookup) {
    OpRegistry r;
    r.add<FpgaOpFactory>("decay", "test_fpga", [](const OpSpec&) { return 7; });
    try {
        r.add<cpu::OpFactory>("other", "test_fpga", [](const OpSpec&, cpu::Workspace&) {
            return std::unique_ptr<cpu::Kernel>();
        });
        ADD_FAILURE() << "expected a BuildError";
    } catch (const BuildError& e) {
        EXPECT_NE(std::string(e.what()).find("'other' cannot be registered on the `test_fpga` backend"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(r.kinds("test_fpga") == std::vector<std::string>{"decay"});
    try {
        (void)r.find<cpu::OpFactory>("decay", "test_fpga");
        ADD_FAILURE() << "expected a BuildError";
    } catch (const BuildError& e) {
        EXPECT_NE(std::string(e.what()).find("op kind 'decay' of the `test_fpga` backend"),
                  std::string::npos)
            << e.what();
    }
}

TEST(OpRegistryTest, AnExtensionRegistersItsOpsWhenDeclared) {
    BackendRequirements r = cpu_twin();
    r.register_ops = [](OpRegistry& ops) {
        ops.add<FpgaOpFactory>("test_ext_kind", "test_with_ops", [](const OpSpec&) { return 1; });
    };
    EXPECT_TRUE(check_backend("test_with_ops", r));
    EXPECT_EQ(op_registry().kinds("test_with_ops"), std::vector<std::string>{"test_ext_kind"});
    bool listed = false;
    for (const auto& s : backend_statuses())
        if (s.name == "test_with_ops") {
            listed = true;
            EXPECT_FALSE(s.built_in);
            EXPECT_EQ(s.op_kinds, std::vector<std::string>{"test_ext_kind"});
        }
    EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace spikegraph
