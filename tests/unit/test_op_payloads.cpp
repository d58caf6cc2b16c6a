// OpSpec::payload is a variant of the built-in payloads: which payload goes with which kind is
// checked where a backend reads it (payload_as), and a mismatch names the op and its kind.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <variant>

#include "backend/backend_registry.hpp"
#include "builder/op_payloads.hpp"
#include "builder/plan.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {
namespace {

OpSpec op_with(const std::string& name, const std::string& kind, OpPayload payload) {
    OpSpec op;
    op.name = name;
    op.kind = kind;
    op.payload = std::move(payload);
    return op;
}

std::string build_error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const BuildError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a BuildError";
    return "";
}

TEST(OpPayloads, AMatchingPayloadIsReadInPlace) {
    SpikeMonitorPayload p{"g.spikes", "g.spike_count", 2, 5};
    const OpSpec op = op_with("mon", "spike_monitor", p);
    const auto& got = payload_as<SpikeMonitorPayload>(op);
    EXPECT_EQ(&got, std::get_if<SpikeMonitorPayload>(&op.payload));
    EXPECT_EQ(got.spikes_var, "g.spikes");
    EXPECT_EQ(got.end, 5u);
}

TEST(OpPayloads, AnotherPayloadIsABuildErrorNamingTheOpAndKind) {
    const OpSpec op = op_with("exc.deliver", "neuron_update", DeliverPayload{});
    EXPECT_EQ(build_error_of([&] { (void)payload_as<NeuronUpdatePayload>(op); }),
              "op 'exc.deliver' of kind 'neuron_update' carries a DeliverPayload payload where "
              "the kernel of its kind needs a NeuronUpdatePayload");
    const OpSpec empty = op_with("x", "current_input", std::monostate{});
    EXPECT_NE(build_error_of([&] { (void)payload_as<CurrentPayload>(empty); })
                  .find("carries a none payload where the kernel of its kind needs a CurrentPayload"),
              std::string::npos);
}

TEST(OpPayloads, EveryAlternativeHasAName) {
    for (std::size_t k = 0; k < std::variant_size_v<OpPayload>; ++k)
        EXPECT_STRNE(payload_type_name(k), "unknown") << k;
    EXPECT_STREQ(payload_type_name(OpPayload(StateMonitorPayload{}).index()), "StateMonitorPayload");
    EXPECT_STREQ(payload_type_name(std::variant_size_v<OpPayload>), "unknown");
}

// The CPU kernels read their payload through payload_as: a plan whose op carries the wrong one
// is refused when the executor binds it, not misread.
TEST(OpPayloads, TheCpuBackendRefusesAPlanWithAMismatchedPayload) {
    Plan plan;
    plan.ops.push_back(op_with("g.update", "neuron_update", SpikeMonitorPayload{}));
    ExecutorOptions o;
    const std::string m = build_error_of([&] { (void)make_executor("cpu", plan, o); });
    EXPECT_NE(m.find("op 'g.update' of kind 'neuron_update' carries a SpikeMonitorPayload"),
              std::string::npos)
        << m;
}

}  // namespace
}  // namespace spikegraph
