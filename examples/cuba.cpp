// The CUBA benchmark network (Brette et al. 2007, benchmark 2), declared in C++.
// Build: part of the project (target example_cuba). Run: ./example_cuba [out_dir]

#include <iostream>

#include <spikegraph/spikegraph.hpp>

using namespace spikegraph;

int main(int argc, char** argv) {
    NeuronModel lif;
    lif.name = "cuba_lif";
    lif.equations = R"(
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
    )";
    lif.threshold = "v > -50 mV";
    lif.reset = "v = -60 mV";
    lif.refractory = "5 ms";
    lif.method = "exact";
    lif.parameters = {{"El", "-49 mV"}, {"taum", "20 ms"}, {"taue", "5 ms"}, {"taui", "10 ms"}};

    Network net;
    net.settings.dt_ms = 0.1;
    net.settings.seed = 1;
    auto& neurons = net.add_group("neurons", 4000, lif);
    neurons.init("v", "uniform(-60 mV, -50 mV)");

    net.connect("excitatory", neurons.slice(0, 3200), neurons.all(), "ge", "1.62 mV",
                Connectivity::fixed_probability(0.02));
    net.connect("inhibitory", neurons.slice(3200, 4000), neurons.all(), "gi", "-9 mV",
                Connectivity::fixed_probability(0.02));
    net.monitor_spikes("spikes", neurons.all());

    try {
        Simulation sim(net, {.out_dir = argc > 1 ? argv[1] : "out/cuba_cpp"});
        sim.run(1000.0);  // ms
        sim.finish();
        const double rate = static_cast<double>(sim.spike_count("neurons")) / 4000.0;
        std::cout << "CUBA: " << sim.spike_count("neurons") << " spikes, mean rate " << rate
                  << " Hz, loop " << sim.run_seconds() << " s\n";
    } catch (const Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
