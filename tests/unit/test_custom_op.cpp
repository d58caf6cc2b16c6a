// A user op registered with register_op and placed into a network's step: the builder orders it
// by what it reads and writes, and the CPU backend runs it every step.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "backend/cpu/op_factory.hpp"
#include "backend/op_registry.hpp"
#include <spikegraph/error.hpp>
#include <spikegraph/network.hpp>
#include <spikegraph/simulation.hpp>

namespace spikegraph {
namespace {

class CountSpikes final : public cpu::Kernel {
public:
    CountSpikes(const OpSpec& op, cpu::Workspace& ws)
        : count_(ws.buffer(op.inputs.at(0).var).as<std::int64_t>()),
          total_(ws.buffer(op.outputs.at(0).var).as<std::int64_t>()) {}
    void run(const cpu::StepContext&) override { *total_ += *count_; }

private:
    const std::int64_t* count_;
    std::int64_t* total_;
};

Network small_net() {
    NeuronModel m;
    m.name = "driven";
    m.equations = "dv/dt = (1.2 - v) / tau : 1 (unless refractory)\ntau : second";
    m.threshold = "v > 1";
    m.reset = "v = 0";
    m.refractory = "2 ms";
    m.parameters = {{"tau", "10 ms"}};
    Network net;
    auto& g = net.add_group("g", 50, m);
    g.init("v", "rand()");
    return net;
}

TEST(CustomOp, RunsEveryStepAfterWhatItReads) {
    register_op<cpu::OpFactory>("test_count_spikes", "cpu", [](const OpSpec& op, cpu::Workspace& ws) {
        return std::unique_ptr<cpu::Kernel>(std::make_unique<CountSpikes>(op, ws));
    });
    Network net = small_net();
    CustomOp op;
    op.name = "counter.count";
    op.kind = "test_count_spikes";
    op.reads = {{"g.spike_count", true, ""}};
    op.writes = {{"counter.total", true, "assign"}};
    op.variables = {{"counter.total", {1}, false, 0.0, ""}};
    net.add_op(op);
    Simulation sim(net);
    const std::string schedule = sim.schedule();
    EXPECT_LT(schedule.find("g.update"), schedule.find("counter.count")) << schedule;
    sim.run(100.0);
    const auto total = sim.read("counter.total");
    ASSERT_EQ(total.size(), 1u);
    EXPECT_GT(total[0], 0.0);  // the driven neurons fire (1.2 > threshold 1)
    EXPECT_EQ(static_cast<std::uint64_t>(total[0]), sim.spike_count("g"));
}

TEST(CustomOp, AFactoryOfAnotherBackendsTypeIsRefusedForTheCpu) {
    using OtherFactory = std::function<int(const OpSpec&)>;
    try {
        register_op<OtherFactory>("test_wrong_type", "cpu", [](const OpSpec&) { return 0; });
        FAIL() << "expected a BuildError";
    } catch (const BuildError& e) {
        EXPECT_NE(std::string(e.what()).find("'test_wrong_type' cannot be registered on the `cpu` backend"),
                  std::string::npos)
            << e.what();
    }
    const auto kinds = op_registry().kinds("cpu");
    EXPECT_EQ(std::find(kinds.begin(), kinds.end(), "test_wrong_type"), kinds.end());
}

TEST(CustomOp, UnknownVariableIsABuildError) {
    Network net = small_net();
    CustomOp op;
    op.name = "bad";
    op.kind = "test_count_spikes";
    op.reads = {{"g.spike_cnt", true, ""}};
    net.add_op(op);
    try {
        Simulation sim(net);
        FAIL() << "expected a BuildError";
    } catch (const BuildError& e) {
        EXPECT_NE(std::string(e.what()).find("g.spike_count"), std::string::npos) << e.what();
    }
}

TEST(CustomOp, UnregisteredKindIsABuildErrorListingKnownKinds) {
    Network net = small_net();
    CustomOp op;
    op.name = "nope";
    op.kind = "no_such_kind";
    net.add_op(op);
    try {
        Simulation sim(net);
        FAIL() << "expected a BuildError";
    } catch (const BuildError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("no_such_kind"), std::string::npos) << what;
        EXPECT_NE(what.find("neuron_update"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace spikegraph
