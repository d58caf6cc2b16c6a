#include <spikegraph/model_library.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <spikegraph/error.hpp>
#include "core/text.hpp"

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
    m.init = {{"v", "v_reset"}};  // no leak, hence no rest: start where a spike leaves v
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
    m.init = {{"v", "E_L"}};
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
    // E_L lies above v_th (the CUBA network is spontaneously active), so a neuron at rest would
    // fire at once: it starts where a spike leaves it instead.
    m.init = {{"v", "v_reset"}};
    m.method = "exact";
    return m;
}

// Adaptive LIF: the LIF above plus a spike-triggered adaptation current w that decays with
// tau_w (Gerstner, Kistler, Naud & Paninski 2014, Neuronal Dynamics, Eqs. 6.1-6.2 with a = 0 and
// no exponential term). Membrane defaults as `lif` (NEST iaf_psc_exp); tau_w 144 ms and
// b 80.5 pA are the adaptation of Brette & Gerstner (2005).
NeuronModel make_alif() {
    NeuronModel m;
    m.name = "alif";
    m.description = "adaptive leaky integrate-and-fire: LIF with a spike-triggered adaptation "
                    "current w (Gerstner et al. 2014)";
    m.equations =
        "dv/dt = (E_L - v) / tau_m + (I + I_syn - w) / C_m : volt (unless refractory)\n"
        "dI_syn/dt = -I_syn / tau_syn : amp\n"
        "dw/dt = -w / tau_w : amp\n"
        "I : amp\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset; w += b";
    m.refractory = "t_ref";
    m.parameters = {{"E_L", "-70 mV"},   {"tau_m", "10 ms"},   {"C_m", "250 pF"},
                    {"tau_syn", "2 ms"}, {"v_th", "-55 mV"},   {"v_reset", "-70 mV"},
                    {"t_ref", "2 ms"},   {"tau_w", "144 ms"},  {"b", "80.5 pA"},
                    {"I", "0 pA"}};
    m.init = {{"v", "E_L"}};
    m.method = "exact";
    return m;
}

// SPAIC's CLIF ("current LIF, 3-kernel"), zju-bmi-lab/SPAIC spaic/Neuron/Neuron.py, class
// CLIFModel (Hong et al. 2024, IEEE Comput. Intell. Mag.; arXiv:2207.12750). SPAIC's discrete
// update, with beta_x = exp(-dt/tau_x) and I = V0 * (weighted input):
//   M[t] = beta_p M[t-1] + I[t],  S[t] = beta_q S[t-1] + I[t],  V[t] = M[t] - S[t] - E[t-1],
//   O[t] = V[t] > v_th,           E[t] = beta_m E[t-1] + v_th O[t].
// It is the exact step of dM/dt = -M/tau_p, dS/dt = -S/tau_q, dE/dt = -E/tau_m with jumps.
// Connections here change one variable, so the same dynamics are written in psp = M - S (which
// does not jump, as M and S jump alike) and q = S / V0 (which takes the weight). V0 scales the
// kernel M - S of one unit spike to a peak of 1. Dimensionless, like SPAIC.
NeuronModel make_clif() {
    NeuronModel m;
    m.name = "clif";
    m.description = "SPAIC's CLIF: a difference-of-exponentials PSP kernel and a decaying "
                    "threshold kernel E that each spike raises by v_th";
    m.equations =
        "dpsp/dt = -psp / tau_p + V0 * q * (1/tau_q - 1/tau_p) : 1\n"
        "dq/dt = -q / tau_q : 1\n"
        "dE/dt = -E / tau_m : 1\n"
        "beta = tau_p / tau_q : 1\n"
        "V0 = beta**(beta / (beta - 1)) / (beta - 1) : 1\n"
        "v = psp - E : 1\n";
    m.threshold = "v > v_th";
    m.reset = "E += v_th";
    m.parameters = {{"tau_p", "12 ms"}, {"tau_q", "8 ms"}, {"tau_m", "20 ms"}, {"v_th", "1"}};
    m.method = "exact";
    return m;
}

// Adaptive exponential integrate-and-fire, Brette & Gerstner (2005), J. Neurophysiol. 94:3637,
// exactly as Brian2's examples/frompapers/Brette_Gerstner_2005.py (regular spiking; Brian's
// state variable vm is called v here).
NeuronModel make_adex() {
    NeuronModel m;
    m.name = "adex";
    m.description = "adaptive exponential integrate-and-fire (Brette & Gerstner 2005)";
    m.equations =
        "dv/dt = (gL*(EL - v) + gL*DeltaT*exp((v - VT)/DeltaT) + I - w) / C : volt\n"
        "dw/dt = (a*(v - EL) - w) / tauw : amp\n"
        "I : amp\n";
    m.threshold = "v > VT + 5*DeltaT";
    m.reset = "v = Vr; w += b";
    m.parameters = {{"C", "281 pF"},     {"gL", "30 nS"},     {"EL", "-70.6 mV"},
                    {"VT", "-50.4 mV"},  {"DeltaT", "2 mV"},  {"tauw", "144 ms"},
                    {"a", "4 nS"},       {"b", "0.0805 nA"},  {"Vr", "-70.6 mV"},
                    {"I", "0 pA"}};
    m.init = {{"v", "EL"}};  // and w = 0, its value at rest
    m.method = "euler";
    return m;
}

// Izhikevich (2003), IEEE Trans. Neural Netw. 14:1569, in Brian's unit form. The presets are
// the parameter sets of its Fig. 2: RS (regular spiking), IB (intrinsically bursting), CH
// (chattering), FS (fast spiking), LTS (low-threshold spiking).
NeuronModel make_izhikevich(const std::string& name, const std::string& kind, const char* a,
                            const char* b, const char* c, const char* d) {
    NeuronModel m;
    m.name = name;
    m.description = "Izhikevich (2003) simple model, " + kind;
    m.equations =
        "dv/dt = (0.04/ms/mV)*v**2 + (5/ms)*v + 140*mV/ms - u + I : volt\n"
        "du/dt = a*(b*v - u) : volt/second\n"
        "I : volt/second\n";
    m.threshold = "v >= 30 mV";
    m.reset = "v = c; u += d";
    m.parameters = {{"a", a}, {"b", b}, {"c", c}, {"d", d}, {"I", "0 mV/ms"}};
    m.init = {{"v", "c"}, {"u", "b*c"}};  // as Izhikevich (2003)
    m.method = "euler";
    return m;
}

// The rate functions of hh_traub at membrane potential `v` (a name or an expression), in Hz.
// x / (exp(x) - 1) is written 1 / exprel(x), as in Brian2's COBAHH example, so that the rates
// stay finite where x is 0 (v = -50, -48 and -23 mV with VT = -63 mV).
struct TraubRates {
    std::string alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;
};

TraubRates traub_rates(const std::string& v) {
    return {"0.32*4 / exprel((13*mV - " + v + " + VT)/(4*mV)) / ms",
            "0.28*5 / exprel((" + v + " - VT - 40*mV)/(5*mV)) / ms",
            "0.128*exp((17*mV - " + v + " + VT)/(18*mV)) / ms",
            "4 / (1 + exp((40*mV - " + v + " + VT)/(5*mV))) / ms",
            "0.032*5 / exprel((15*mV - " + v + " + VT)/(5*mV)) / ms",
            "0.5*exp((10*mV - " + v + " + VT)/(40*mV)) / ms"};
}

// The steady state alpha / (alpha + beta) of a gating variable.
std::string steady_state(const std::string& alpha, const std::string& beta) {
    return "(" + alpha + ") / ((" + alpha + ") + (" + beta + "))";
}

// Hodgkin-Huxley neuron of Traub & Miles (1991) with exponential conductance synapses, exactly
// as Brian2's examples/COBAHH.py (Brette et al. 2007, benchmark 3), plus an input current I.
// Refractory while v stays above -40 mV after a spike, so one action potential is one spike.
// Starts at v = El with every gate at its steady state there.
NeuronModel make_hh_traub() {
    NeuronModel m;
    m.name = "hh_traub";
    m.description = "Hodgkin-Huxley (Traub & Miles) with exponential synaptic conductances, as "
                    "in Brian2's COBAHH example";
    const TraubRates r = traub_rates("v");
    m.equations =
        "dv/dt = (area*(gl*(El - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK))"
        " + ge*(Ee - v) + gi*(Ei - v) + I) / (Cm*area) : volt\n"
        "dm/dt = alpha_m*(1 - m) - beta_m*m : 1\n"
        "dn/dt = alpha_n*(1 - n) - beta_n*n : 1\n"
        "dh/dt = alpha_h*(1 - h) - beta_h*h : 1\n"
        "dge/dt = -ge / taue : siemens\n"
        "dgi/dt = -gi / taui : siemens\n"
        "alpha_m = " + r.alpha_m + " : Hz\n"
        "beta_m = " + r.beta_m + " : Hz\n"
        "alpha_h = " + r.alpha_h + " : Hz\n"
        "beta_h = " + r.beta_h + " : Hz\n"
        "alpha_n = " + r.alpha_n + " : Hz\n"
        "beta_n = " + r.beta_n + " : Hz\n"
        "I : amp\n";
    const TraubRates rest = traub_rates("El");
    m.init = {{"v", "El"},
              {"m", steady_state(rest.alpha_m, rest.beta_m)},
              {"h", steady_state(rest.alpha_h, rest.beta_h)},
              {"n", steady_state(rest.alpha_n, rest.beta_n)}};
    m.threshold = "v > -20 mV";
    m.refractory = "v > -40 mV";
    m.parameters = {{"area", "20000 um2"},      {"Cm", "1 uF/cm2"},      {"gl", "5e-5 S/cm2"},
                    {"El", "-60 mV"},           {"EK", "-90 mV"},        {"ENa", "50 mV"},
                    {"g_na", "100 mS/cm2"},     {"g_kd", "30 mS/cm2"},   {"VT", "-63 mV"},
                    {"Ee", "0 mV"},             {"Ei", "-80 mV"},        {"taue", "5 ms"},
                    {"taui", "10 ms"},          {"I", "0 pA"}};
    m.method = "exponential_euler";
    return m;
}

// The COBA benchmark neuron (Brette et al. 2007, benchmark 1; Vogels & Abbott 2005) as in
// Brian's COBA example: potentials relative to rest, ge and gi in units of the leak conductance.
NeuronModel make_lif_coba() {
    NeuronModel m;
    m.name = "lif_coba";
    m.description = "COBA benchmark neuron: LIF with dimensionless exponential conductances, "
                    "potentials relative to rest (Brette et al. 2007)";
    m.equations =
        "dv/dt = (-v + ge*(Ee - v) + gi*(Ei - v)) / taum : volt (unless refractory)\n"
        "dge/dt = -ge / taue : 1\n"
        "dgi/dt = -gi / taui : 1\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = {{"Ee", "60 mV"},   {"Ei", "-20 mV"},   {"taum", "20 ms"},
                    {"taue", "5 ms"},  {"taui", "10 ms"},  {"v_th", "10 mV"},
                    {"v_reset", "0 mV"}, {"t_ref", "5 ms"}};
    m.method = "euler";
    return m;
}

// The CUBA variants: lif itself (exponential current), and an alpha-shaped current.
NeuronModel make_lif_cuba_exp() {
    NeuronModel m = make_lif();
    m.name = "lif_cuba_exp";
    m.description = "leaky integrate-and-fire with an exponentially decaying synaptic current "
                    "(the same model as lif)";
    return m;
}

// Current-based LIF with an alpha-shaped synaptic current (NEST iaf_psc_alpha): a spike of
// weight w adds w to x_syn, and I_syn then peaks at exactly w after tau_syn.
NeuronModel make_lif_cuba_alpha() {
    NeuronModel m;
    m.name = "lif_cuba_alpha";
    m.description = "leaky integrate-and-fire with an alpha-shaped synaptic current (NEST "
                    "iaf_psc_alpha)";
    m.equations =
        "dv/dt = (E_L - v) / tau_m + (I + I_syn) / C_m : volt (unless refractory)\n"
        "dI_syn/dt = (exp(1)*x_syn - I_syn) / tau_syn : amp\n"
        "dx_syn/dt = -x_syn / tau_syn : amp\n"
        "I : amp\n";
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = {{"E_L", "-70 mV"},    {"tau_m", "10 ms"},  {"C_m", "250 pF"},
                    {"tau_syn", "2 ms"},  {"v_th", "-55 mV"},  {"v_reset", "-70 mV"},
                    {"t_ref", "2 ms"},    {"I", "0 pA"}};
    m.init = {{"v", "E_L"}};
    m.method = "exact";
    return m;
}

// Conductance-based LIF; defaults of NEST's iaf_cond_exp, iaf_cond_alpha and iaf_cond_beta
// (C_m 250 pF, g_L 16.6667 nS, E_L -70 mV, E_e 0 mV, E_i -85 mV, V_th -55 mV, V_reset -60 mV,
// t_ref 2 ms, excitatory time constants 0.2 ms). `exact` does not apply (g_e multiplies v).
// rk4, as NEST integrates these with an adaptive Runge-Kutta: with tau = 0.2 ms at dt = 0.1 ms
// it puts the alpha peak within 0.4% of the weight, where exponential Euler, which holds x_e
// fixed over the step, overshoots it by 30% and rk2 falls 15% short.
constexpr const char* k_coba_membrane =
    "dv/dt = (g_L*(E_L - v) + g_e*(E_e - v) + g_i*(E_i - v) + I) / C_m : volt (unless refractory)\n"
    "I : amp\n";

std::map<std::string, ValueSpec> coba_membrane_defaults() {
    return {{"C_m", "250 pF"},    {"g_L", "16.6667 nS"}, {"E_L", "-70 mV"},
            {"E_e", "0 mV"},      {"E_i", "-85 mV"},     {"v_th", "-55 mV"},
            {"v_reset", "-60 mV"}, {"t_ref", "2 ms"},     {"I", "0 pA"}};
}

NeuronModel coba_lif(const std::string& name, const std::string& description,
                     const std::string& synapses,
                     std::initializer_list<std::pair<const std::string, ValueSpec>> taus) {
    NeuronModel m;
    m.name = name;
    m.description = description;
    m.equations = std::string(k_coba_membrane) + synapses;
    m.threshold = "v > v_th";
    m.reset = "v = v_reset";
    m.refractory = "t_ref";
    m.parameters = coba_membrane_defaults();
    m.parameters.insert(taus);
    m.init = {{"v", "E_L"}};
    m.method = "rk4";
    return m;
}

NeuronModel make_lif_coba_exp() {
    return coba_lif("lif_coba_exp",
                    "leaky integrate-and-fire with exponential synaptic conductances (NEST "
                    "iaf_cond_exp)",
                    "dg_e/dt = -g_e / tau_e : siemens\n"
                    "dg_i/dt = -g_i / tau_i : siemens\n",
                    {{"tau_e", "0.2 ms"}, {"tau_i", "2 ms"}});
}

// A spike of weight w adds w to x_e (x_i); g_e (g_i) then peaks at exactly w after tau_e (tau_i).
NeuronModel make_lif_coba_alpha() {
    return coba_lif("lif_coba_alpha",
                    "leaky integrate-and-fire with alpha-shaped synaptic conductances (NEST "
                    "iaf_cond_alpha)",
                    "dg_e/dt = (exp(1)*x_e - g_e) / tau_e : siemens\n"
                    "dx_e/dt = -x_e / tau_e : siemens\n"
                    "dg_i/dt = (exp(1)*x_i - g_i) / tau_i : siemens\n"
                    "dx_i/dt = -x_i / tau_i : siemens\n",
                    {{"tau_e", "0.2 ms"}, {"tau_i", "2 ms"}});
}

// Bi-exponential (beta) conductances, normalised as NEST's iaf_cond_beta: a spike of weight w
// adds w to x_e, and g_e = w f (tau_r/(tau_d - tau_r)) (exp(-t/tau_d) - exp(-t/tau_r)) peaks at
// exactly w at t_peak = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r). Needs tau_d != tau_r.
NeuronModel make_lif_coba_biexp() {
    return coba_lif(
        "lif_coba_biexp",
        "leaky integrate-and-fire with bi-exponential (rise and decay) synaptic conductances "
        "(NEST iaf_cond_beta)",
        "dg_e/dt = (norm_e*x_e - g_e) / tau_e_decay : siemens\n"
        "dx_e/dt = -x_e / tau_e_rise : siemens\n"
        "dg_i/dt = (norm_i*x_i - g_i) / tau_i_decay : siemens\n"
        "dx_i/dt = -x_i / tau_i_rise : siemens\n"
        "t_peak_e = tau_e_decay*tau_e_rise / (tau_e_decay - tau_e_rise)"
        " * log(tau_e_decay/tau_e_rise) : second\n"
        "t_peak_i = tau_i_decay*tau_i_rise / (tau_i_decay - tau_i_rise)"
        " * log(tau_i_decay/tau_i_rise) : second\n"
        "norm_e = (tau_e_decay - tau_e_rise) / tau_e_rise"
        " / (exp(-t_peak_e/tau_e_decay) - exp(-t_peak_e/tau_e_rise)) : 1\n"
        "norm_i = (tau_i_decay - tau_i_rise) / tau_i_rise"
        " / (exp(-t_peak_i/tau_i_decay) - exp(-t_peak_i/tau_i_rise)) : 1\n",
        {{"tau_e_rise", "0.2 ms"}, {"tau_e_decay", "2 ms"},
         {"tau_i_rise", "0.2 ms"}, {"tau_i_decay", "2 ms"}});
}

// Izhikevich (2003), Fig. 2: a [1/ms], b [1/ms], c [mV], d [mV/ms].
struct IzhikevichPreset {
    const char* name;
    const char* kind;
    const char *a, *b, *c, *d;
};

constexpr IzhikevichPreset k_izhikevich_presets[] = {
    {"izhikevich", "regular spiking (RS)", "0.02/ms", "0.2/ms", "-65 mV", "8 mV/ms"},
    {"izhikevich_rs", "regular spiking (RS)", "0.02/ms", "0.2/ms", "-65 mV", "8 mV/ms"},
    {"izhikevich_ib", "intrinsically bursting (IB)", "0.02/ms", "0.2/ms", "-55 mV", "4 mV/ms"},
    {"izhikevich_ch", "chattering (CH)", "0.02/ms", "0.2/ms", "-50 mV", "2 mV/ms"},
    {"izhikevich_fs", "fast spiking (FS)", "0.1/ms", "0.2/ms", "-65 mV", "2 mV/ms"},
    {"izhikevich_lts", "low-threshold spiking (LTS)", "0.02/ms", "0.25/ms", "-65 mV", "2 mV/ms"},
};

const std::map<std::string, NeuronModel>& library() {
    static const std::map<std::string, NeuronModel> models = [] {
        std::map<std::string, NeuronModel> m;
        for (auto&& model :
             {make_if(), make_lif(), make_lif_delta_exp(), make_alif(), make_clif(), make_adex(),
              make_hh_traub(), make_lif_coba(), make_lif_cuba_exp(), make_lif_cuba_alpha(),
              make_lif_coba_exp(), make_lif_coba_alpha(), make_lif_coba_biexp()})
            m.emplace(model.name, model);
        for (const auto& p : k_izhikevich_presets)
            m.emplace(p.name, make_izhikevich(p.name, p.kind, p.a, p.b, p.c, p.d));
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
    if (it == library().end()) {
        const std::string best = detail::closest_name(name, library_model_names());
        const std::string hint = best.empty() ? "" : fmt::format("did you mean '{}'? ", best);
        throw ConfigError(fmt::format("unknown model '{}'; {}the library has: {} (or define it "
                                      "under `models:`)",
                                      name, hint, fmt::join(library_model_names(), ", ")));
    }
    return it->second;
}

}  // namespace spikegraph
