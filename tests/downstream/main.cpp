// A downstream program: only the public API, through the umbrella header. It declares a small
// network, runs it for 10 ms and checks that it spiked; exit code 0 when all is well.

#include <cstdio>

#include <spikegraph/spikegraph.hpp>

int main() {
    using namespace spikegraph;
    set_log_level(LogLevel::error);

    // Every neuron starts below threshold and relaxes towards -20 mV with a 10 ms time
    // constant: it crosses -50 mV within 3 ms, so each spikes within the first 10 ms.
    NeuronModel relax;
    relax.name = "relax";
    relax.equations = "dv/dt = (v_target - v) / tau : volt";
    relax.threshold = "v > -50 mV";
    relax.reset = "v = -60 mV";
    relax.parameters = {{"v_target", "-20 mV"}, {"tau", "10 ms"}};

    Network net;
    net.settings.dt_ms = 0.1;
    net.settings.seed = 3;
    auto& group = net.add_group("neurons", 50, relax);
    group.init("v", "uniform(-60 mV, -55 mV)");
    // Euler reads tau every step, so with_parameters may change it ('exact' would build it into
    // its coefficients, and with_parameters refuses that).
    group.method("euler");

    try {
        if (!backend_available("cpu")) {
            std::fprintf(stderr, "downstream: the cpu backend is not available\n");
            return 1;
        }
        Simulation sim(net);
        const auto v0 = sim.read("neurons.v");  // initial values before the first step
        if (v0.size() != 50 || v0[0] < -60.0 || v0[0] > -55.0) {
            std::fprintf(stderr, "downstream: read() before the first step gave %g\n", v0.at(0));
            return 1;
        }
        Simulation faster = sim.with_parameters({{"neurons.tau", "5 ms"}});
        faster.run(10.0);
        sim.run(10.0);
        const auto spikes = sim.spike_count("neurons");
        // Halving tau halves the time to threshold: the copy spikes more often.
        if (spikes < 50 || faster.spike_count("neurons") <= spikes) {
            std::fprintf(stderr, "downstream: %llu spikes in 10 ms (expected >= 50), %llu with "
                         "tau = 5 ms (expected more)\n",
                         static_cast<unsigned long long>(spikes),
                         static_cast<unsigned long long>(faster.spike_count("neurons")));
            return 1;
        }
        std::printf("downstream: spikegraph %s, %llu spikes in 10 ms\n", SPIKEGRAPH_VERSION,
                    static_cast<unsigned long long>(spikes));
    } catch (const Error& e) {
        std::fprintf(stderr, "downstream: %s\n", e.what());
        return 1;
    }
    return 0;
}
