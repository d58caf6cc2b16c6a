// The writers of synapse files alone (monitors/synapse_state.hpp, StateMonitor::set_synapses),
// on a connection laid out as the builder lays one out: shapes, neuron indices, manifest
// entries. The same files from whole runs: test_synapse_monitors.cpp.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <spikegraph/error.hpp>
#include "monitors/npy_writer.hpp"
#include "monitors/state_monitor.hpp"
#include "monitors/synapse_state.hpp"
#include "tests/support/record_blocks.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

struct TempDir : testing_support::TempDir {
    TempDir() : testing_support::TempDir("spikegraph_synfiles", true) {}
};

nlohmann::json entry(const nlohmann::json& files, const std::string& file) {
    for (const auto& f : files)
        if (f["file"] == file) return f;
    ADD_FAILURE() << "no entry for " << file;
    return nullptr;
}

// Connection "c" from a[10:] to b[20:] with 3 synapses (0, 1), (0, 2), (1, 0) in its slices; a
// variable of each batch entry (w), one per synapse (d) and a shared one (tau); batch 2.
struct LaidOut {
    Plan plan;
    SynapseGroupInfo group;
    LaidOut() {
        plan.batch = 2;
        for (const auto& [name, data] : std::map<std::string, std::vector<double>>{
                 {"c.pre_index", {0, 0, 1}}, {"c.indices", {1, 2, 0}}}) {
            VariableSpec v;
            v.name = name;
            v.dtype = DType::i32;
            v.shape = {3};
            v.role = Role::constant;
            v.init.kind = "data";
            v.init.data = std::make_shared<const std::vector<double>>(data);
            plan.variables.push_back(v);
        }
        group.name = "c";
        group.pre = "a";
        group.post = "b";
        group.pre_begin = 10;
        group.post_begin = 20;
        group.synapses = 3;
        group.pre_index_var = "c.pre_index";
        group.post_index_var = "c.indices";
        group.variables = {{"w", "c.w", "", true, false},
                           {"d", "c.d", "ms", false, false},
                           {"tau", "c.tau", "ms", false, true}};
    }
    std::vector<double> read(const std::string& var) const {
        if (var == "c.w") return {1, 2, 3, 4, 5, 6};
        if (var == "c.d") return {0.5, 1.5, 2.5};
        return {20};
    }
};

TEST(SynapseStateWriter, WritesShapesNeuronsAndManifestEntries) {
    TempDir dir;
    const LaidOut c;
    EXPECT_EQ(synapse_neurons(c.plan, c.group, true), (std::vector<std::int64_t>{10, 10, 11}));
    EXPECT_EQ(synapse_neurons(c.plan, c.group, false, {2, 0}), (std::vector<std::int64_t>{20, 21}));
    EXPECT_THROW(synapse_neurons(c.plan, c.group, false, {3}), BuildError);
    const SynapseStateWriter w({"s", "c", {"w", "d", "tau"}}, c.group, 2);
    w.write(dir.path(), c.plan, [&](const std::string& var) { return c.read(var); });
    const NpyArray weights = read_npy(dir / "s.w.npy");
    EXPECT_EQ(weights.shape, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(weights.as<double>(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(read_npy(dir / "s.d.npy").shape, (std::vector<std::size_t>{3}));
    EXPECT_EQ(read_npy(dir / "s.tau.npy").as<double>(), (std::vector<double>{20}));
    using Indices = std::vector<std::int64_t>;
    EXPECT_EQ(read_npy(dir / "s.pre.npy").as<std::int64_t>(), (Indices{10, 10, 11}));
    EXPECT_EQ(read_npy(dir / "s.post.npy").as<std::int64_t>(), (Indices{21, 22, 20}));
    const nlohmann::json manifest = w.manifest_entries(7.5);
    ASSERT_EQ(manifest.size(), 5u);
    EXPECT_EQ(entry(manifest, "s.w.npy")["axes"], (nlohmann::json{"batch", "synapse"}));
    EXPECT_EQ(entry(manifest, "s.tau.npy")["shared"], true);
    EXPECT_EQ(entry(manifest, "s.d.npy")["unit"], "ms");
    EXPECT_EQ(entry(manifest, "s.post.npy")["neuron_group"], "b");
    EXPECT_EQ(entry(manifest, "s.pre.npy")["t_ms"], 7.5);
    // With one batch entry a batched variable has no batch axis, as state monitors have none.
    const SynapseStateWriter one({"s", "c", {"w"}}, c.group, 1);
    EXPECT_EQ(one.manifest_entries(0)[2]["shape"], (nlohmann::json{3}));
    EXPECT_THROW(SynapseStateWriter({"s", "c", {"x"}}, c.group, 1), BuildError);
}

TEST(SynapseStateWriter, AStateMonitorOfSynapsesWritesTheirNeurons) {
    TempDir dir;
    StateMonitor m("m", dir.path(), 0.1, 1, {"w"}, {""}, {2, 0});
    m.set_place({"c", 3, 0, 3});
    EXPECT_THROW(m.set_synapses("a", "b", {11}, {20, 21}), ConfigError);
    m.set_synapses("a", "b", {11, 10}, {20, 21});
    testing_support::StateFeeder feed(m, 1, 1, 2);
    feed.record(0, [](std::size_t, std::size_t, std::size_t k) { return 1.0 + k; });
    feed.flush();
    const nlohmann::json manifest = m.manifest_entries();
    m.finish();
    EXPECT_EQ(read_npy(dir / "m.pre.npy").as<std::int64_t>(), (std::vector<std::int64_t>{11, 10}));
    EXPECT_EQ(read_npy(dir / "m.post.npy").as<std::int64_t>(), (std::vector<std::int64_t>{20, 21}));
    EXPECT_EQ(read_npy(dir / "m.index.npy").as<std::int64_t>(), (std::vector<std::int64_t>{2, 0}));
    EXPECT_EQ(entry(manifest, "m.w.npy")["axes"], (nlohmann::json{"record", "synapse"}));
    EXPECT_EQ(entry(manifest, "m.index.npy")["axes"], (nlohmann::json{"synapse"}));
    EXPECT_EQ(entry(manifest, "m.pre.npy")["connection"], "c");
    StateMonitor clash("k", dir.path(), 0.1, 1, {"pre"}, {""}, {0});
    EXPECT_THROW(clash.set_synapses("a", "b", {0}, {0}), ConfigError);
}

}  // namespace
}  // namespace spikegraph
