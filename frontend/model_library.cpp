#include "frontend/model_library.hpp"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace spikegraph {

namespace {

// Parameter defaults follow NEST's iaf_psc_exp (Tsodyks et al. 2000 style current synapses):
// C_m 250 pF, tau_m 10 ms, tau_syn 2 ms, t_ref 2 ms, E_L = V_reset = -70 mV, V_th = -55 mV.
NeuronModel make_if() {
    NeuronModel m;
    m.name = "if";
    m.description = "perfect integrate-and-fire with an exponentially decaying synaptic current";
    m.equations =
        "dv/dt = (I + I_syn) / C_m : volt (unless refractory)\n"
        "dI_syn/dt = -I_syn / tau_syn : amp\n"
        "I : amp\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = {{"C_m", "250 pF"},   {"tau_syn", "2 ms"},    {"v_th", "-55 mV"},
                    {"v_reset", "-70 mV"}, {"t_ref", "2 ms"},    {"I", "0 pA"}};
    m.method = "exact";
    return m;
}

NeuronModel make_lif() {
    NeuronModel m;
    m.name = "lif";
    m.description = "leaky integrate-and-fire with an exponentially decaying synaptic current "
                    "(NEST iaf_psc_exp)";
    m.equations =
        "dv/dt = (E_L - v) / tau_m + (I + I_syn) / C_m : volt (unless refractory)\n"
        "dI_syn/dt = -I_syn / tau_syn : amp\n"
        "I : amp\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = {{"E_L", "-70 mV"},    {"tau_m", "10 ms"},  {"C_m", "250 pF"},
                    {"tau_syn", "2 ms"},  {"v_th", "-55 mV"},  {"v_reset", "-70 mV"},
                    {"t_ref", "2 ms"},    {"I", "0 pA"}};
    m.method = "exact";
    return m;
}

// Voltage-jump synapses: an incoming spike raises g by w (in mV), g decays with tau_syn and
// drives v directly, as in Brian2's CUBA example (Vogels & Abbott 2005).
NeuronModel make_lif_delta_exp() {
    NeuronModel m;
    m.name = "lif_voltage_syn";
    m.description = "leaky integrate-and-fire with excitatory and inhibitory voltage-valued "
                    "exponential synapses (Vogels & Abbott 2005)";
    m.equations =
        "dv/dt = (ge + gi - (v - E_L)) / tau_m : volt (unless refractory)\n"
        "dge/dt = -ge / tau_e : volt\n"
        "dgi/dt = -gi / tau_i : volt\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = {{"E_L", "-49 mV"},  {"tau_m", "20 ms"},   {"tau_e", "5 ms"},
                    {"tau_i", "10 ms"}, {"v_th", "-50 mV"},   {"v_reset", "-60 mV"},
                    {"t_ref", "5 ms"}};
    m.method = "exact";
    return m;
}

const std::map<std::string, NeuronModel>& library() {
    static const std::map<std::string, NeuronModel> models = [] {
        std::map<std::string, NeuronModel> m;
        for (auto&& model : {make_if(), make_lif(), make_lif_delta_exp()})
            m.emplace(model.name, model);
        return m;
    }();
    return models;
}

}  // namespace

bool has_library_model(const std::string& name) { return library().count(name) != 0; }

std::vector<std::string> library_model_names() {
    std::vector<std::string> names;
    for (const auto& [name, m] : library()) names.push_back(name);
    return names;
}

const NeuronModel& library_model(const std::string& name) {
    auto it = library().find(name);
    if (it == library().end())
        throw ConfigError(fmt::format("unknown model '{}'; the library has: {} (or define it "
                                      "under `models:`)",
                                      name, fmt::join(library_model_names(), ", ")));
    return it->second;
}

}  // namespace spikegraph
