// The memory estimate: sizes as users write them, the expected synapse counts of every
// connectivity rule, delay rings and monitor buffers in the breakdown, and the refusal of a
// network over the limit before anything big is allocated (issue 13, item 5).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "builder/builder.hpp"
#include "core/memory_size.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/model_library.hpp>
#include <spikegraph/network.hpp>

namespace spikegraph {
namespace {

constexpr std::uint64_t k_gib = std::uint64_t{1} << 30;

// The message of the BuildError that building `net` throws, or "" when it builds.
std::string refusal(const Network& net) {
    try {
        build(net);
    } catch (const BuildError& e) {
        return e.what();
    }
    return "";
}

const MemoryPart* find_part(const MemoryEstimate& e, const std::string& what) {
    for (const auto& p : e.parts)
        if (p.what == what) return &p;
    return nullptr;
}

Network one_group(std::size_t n) {
    Network net;
    net.settings.duration_ms = 10;
    net.add_group("n", n, library_model("lif"));
    return net;
}

// A group of `n` connected to itself with probability `p` and `delay`.
Network delayed(std::size_t n, double p, const char* delay) {
    Network net = one_group(n);
    net.connect("ee", "n", "n", "I_syn", "0.1 nA", Connectivity::fixed_probability(p)).delay = delay;
    return net;
}

TEST(MemorySize, ParsesBinaryDecimalAndSingleLetterUnits) {
    EXPECT_EQ(parse_memory_size("4GiB", "--max-memory"), 4 * k_gib);
    EXPECT_EQ(parse_memory_size("4 gib", "--max-memory"), 4 * k_gib);
    EXPECT_EQ(parse_memory_size("512MB", "--max-memory"), 512'000'000u);
    EXPECT_EQ(parse_memory_size("2G", "--max-memory"), 2 * k_gib);
    EXPECT_EQ(parse_memory_size("1.5KiB", "--max-memory"), 1536u);
    EXPECT_EQ(parse_memory_size("100000", "--max-memory"), 100000u);
    EXPECT_EQ(parse_memory_size("1 TB", "--max-memory"), 1'000'000'000'000u);
}

TEST(MemorySize, RefusesMalformedZeroAndHugeSizesNamingTheFlag) {
    for (const char* bad : {"", "0", "-1", "abc", "4XB", "1e3", "1..2G", "G", "0.1B",
                            "99999999999999999999999"}) {
        try {
            parse_memory_size(bad, "--max-memory");
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("--max-memory '", 0), 0u) << e.what();
        }
    }
}

TEST(MemorySize, FormatsInPowersOf1024) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(7.5 * 1024 * static_cast<double>(k_gib)), "7.5 TiB");
    EXPECT_EQ(format_bytes(300.0 * (1 << 20)), "300 MiB");
}

TEST(MemorySize, AvailableMemoryIsReadOnLinux) {
    const auto available = available_memory_bytes();
    ASSERT_TRUE(available.has_value()) << "/proc/meminfo has MemAvailable on Linux";
    EXPECT_GT(*available, 0u);
}

TEST(MemoryEstimate, HugeGroupIsRefusedWithTheTotalThePartAndTheLimit) {
    // Two billion neurons (just under the largest group, 2^31 - 1): "valid" before the estimate.
    Network net = one_group(2'000'000'000);
    net.settings.max_memory_bytes = k_gib;
    const std::string msg = refusal(net);
    EXPECT_NE(msg.find("the network needs about "), std::string::npos) << msg;
    EXPECT_NE(msg.find("state of 'n' "), std::string::npos) << msg;
    EXPECT_NE(msg.find("(2000000000 neurons x 28 bytes)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the limit is 1.0 GiB (--max-memory"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
    EXPECT_LT(msg.size(), 400u) << msg;
}

TEST(MemoryEstimate, NoExplicitLimitMeansTheAvailableMemory) {
    // 2e9 neurons in a batch of 10^5: petabytes, more than any machine has.
    Network net = one_group(2'000'000'000);
    net.settings.batch = 100'000;
    const std::string msg = refusal(net);
    EXPECT_NE(msg.find("available "), std::string::npos) << msg;
    EXPECT_NE(msg.find("(MemAvailable; set --max-memory"), std::string::npos) << msg;
}

// A 10^5 x 10^5 all-to-all connection took the build minutes and all the memory; the estimate
// counts it from the rule, before a single synapse is made.
TEST(MemoryEstimate, AllToAllIsRefusedFromItsExpectedCountBeforeMakingSynapses) {
    Network net = one_group(100'000);
    net.connect("ee", "n", "n", "I_syn", "0.1 nA");
    net.settings.max_memory_bytes = 4 * k_gib;
    const std::string msg = refusal(net);
    EXPECT_NE(msg.find("synapses of 'ee' "), std::string::npos) << msg;
    EXPECT_NE(msg.find("(1e10 expected synapses x 12 bytes)"), std::string::npos) << msg;
    EXPECT_LT(msg.find("synapses of 'ee'"), msg.find("state of 'n'")) << "largest part first";
}

// The expected count of each rule, read back from the refusal (the connection dominates).
TEST(MemoryEstimate, ExpectedCountsFollowEachConnectivityRule) {
    struct Case {
        Connectivity rule;
        const char* count;
    };
    const Case cases[] = {
        {Connectivity::all_to_all(), "(4e10 expected synapses"},
        {Connectivity::fixed_probability(0.25), "(1e10 expected synapses"},
        {Connectivity::fixed_indegree(1000), "(200000000 expected synapses"},
        {Connectivity::fixed_outdegree(3000), "(600000000 expected synapses"},
    };
    for (const auto& c : cases) {
        Network net = one_group(200'000);
        net.connect("ee", "n", "n", "I_syn", "0.1 nA", c.rule);
        net.settings.max_memory_bytes = 64u << 20;
        const std::string msg = refusal(net);
        EXPECT_NE(msg.find(c.count), std::string::npos) << msg;
    }
    Network self = one_group(10'000);  // without self-connections: n^2 - n
    Connectivity no_self = Connectivity::all_to_all();
    no_self.allow_self = false;
    self.connect("ee", "n", "n", "I_syn", "0.1 nA", no_self);
    self.settings.max_memory_bytes = 64u << 20;
    EXPECT_NE(refusal(self).find("(99990000 expected synapses"), std::string::npos)
        << refusal(self);
}

// The estimate from the rule and the count of the synapses made agree, so a network near the
// limit is judged the same before and after its synapses exist.
TEST(MemoryEstimate, ExpectedAndBuiltSynapsesAgreeWithinOnePercent) {
    Network net = one_group(4000);
    net.connect("ee", "n[0:3200]", "n", "I_syn", "0.1 nA * rand()",
                Connectivity::fixed_probability(0.02));
    const BuildResult built = build(net);
    const MemoryPart* part = find_part(built.memory, "synapses of 'ee'");
    ASSERT_NE(part, nullptr);
    // indices (8 in the plan + 4 in the backend) and weights (8 + 8) per synapse.
    EXPECT_NEAR(part->bytes / static_cast<double>(built.synapses), 28.0, 0.5);
    net.settings.max_memory_bytes = static_cast<std::uint64_t>(built.memory.total() * 1.01);
    EXPECT_EQ(refusal(net), "");
    net.settings.max_memory_bytes = static_cast<std::uint64_t>(built.memory.total() * 0.99);
    EXPECT_NE(refusal(net), "");
}

// `delay: 10 s` where 10 ms was meant: at dt 0.1 ms a ring of 100001 steps of 3200 sources.
TEST(MemoryEstimate, DelayRingIsInTheBreakdown) {
    Network net = delayed(3200, 0.001, "10 s");
    net.settings.max_memory_bytes = 512u << 20;
    const std::string msg = refusal(net);
    EXPECT_NE(msg.find("delay ring of 'ee' 1.2 GiB (100001 steps x batch 1 x 3200 neurons"),
              std::string::npos)
        << msg;
    net.settings.max_memory_bytes = 0;
    const BuildResult built = build(net);  // fits the machine: built, with the ring counted
    const MemoryPart* ring = find_part(built.memory, "delay ring of 'ee'");
    ASSERT_NE(ring, nullptr);
    EXPECT_NEAR(ring->bytes, 100001.0 * 3200 * 4, 100001.0 * 8 + 1);
}

// A per-synapse delay's ring is known once the delays are drawn: the estimate after the build.
TEST(MemoryEstimate, PerSynapseDelayRingIsCheckedBeforeTheBackendAllocates) {
    Network net = delayed(1000, 0.01, "rand() * 100 s");
    net.settings.max_memory_bytes = 256u << 20;
    const std::string msg = refusal(net);
    EXPECT_NE(msg.find("delay ring of 'ee' "), std::string::npos) << msg;
}

// Records are streamed to disk: a state monitor of every variable of a big group every step
// holds bounded blocks in memory, and its files' size is reported apart.
TEST(MemoryEstimate, StateMonitorBuffersAreBoundedAndItsFilesCounted) {
    Network net = one_group(1'000'000);
    net.settings.duration_ms = 1000;
    net.monitor_state("all", "n", {"v", "I_syn"});
    const BuildResult built = build(net);
    const MemoryPart* m = find_part(built.memory, "monitor 'all'");
    ASSERT_NE(m, nullptr);
    const double row = 2.0 * 1'000'000 * 8;  // one record of both variables
    EXPECT_GE(m->bytes, 2 * row);
    EXPECT_LE(m->bytes, 2 * row + 40e6);
    EXPECT_DOUBLE_EQ(built.memory.disk_bytes, 10000 * row);
}

TEST(MemoryEstimate, SmallNetworkFitsAndListsEveryPart) {
    Network net = one_group(100);
    net.monitor_spikes("s", "n");
    const BuildResult built = build(net);
    for (const char* part : {"state of 'n'", "monitor 's'", "native compilation", "program"})
        EXPECT_NE(find_part(built.memory, part), nullptr) << part;
    EXPECT_GT(built.memory.total(), static_cast<double>(built.state_bytes));
}

}  // namespace
}  // namespace spikegraph

namespace spikegraph {
namespace {

// Neuron indices are int32 (spike lists, spike rings, synapse tables): a group past 2^31 - 1 would
// index wrongly on a machine with the memory for it, so it is refused whatever the memory.
TEST(GroupSize, AGroupPastTheLargestIndexIsRefusedWhateverTheMemory) {
    Network net;
    net.settings.max_memory_bytes = std::uint64_t{1} << 62;
    net.add_group("n", 2'147'483'648, library_model("lif"));
    try {
        (void)build(net);
        ADD_FAILURE() << "a group of 2^31 neurons was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("is more than the largest group, 2147483647"),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace spikegraph
