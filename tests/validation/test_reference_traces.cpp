// Izhikevich, AdEx and Hodgkin-Huxley single neurons against Brian2 reference traces
// (tests/validation/reference/, made by make_reference_traces.py; see its header for the
// provenance). The models are written here as user models in the same equations, parameters
// and initial values as the script, so this test does not depend on the model library.
//
// Both simulators evaluate the same update formula per step (Brian's "rk2" is the midpoint
// method, as ours; "euler" and "exponential_euler" are the same formulas), with the same
// schedule: state recorded at t_k before step k, threshold tested after the update, spike
// stamped t_k, reset after the threshold. What differs is rounding: Brian works in SI units
// (volt, second) with sympy-rearranged expressions, spikegraph in mV and ms with its own
// operation order and fused multiply-adds. Each step therefore differs by a few ulp, and the
// comparison must allow for that difference as the dynamics amplify it, and for nothing else.
//
// Tolerances, all absolute, in mV:
//  - Up to the first spike: 1e-9 mV. One step adds a few ulp of |v| (1 ulp of 60 mV is 1.4e-14 mV);
//    the first spike comes after at most ~1200 steps (AdEx at dt = 0.01 ms), so plain accumulation
//    gives <~5e-11 mV, and the upswing before the spike amplifies it by a factor of ten or so.
//    Measured worst case 1.0e-10 mV (HH, exponential_euler, dt 0.01 ms); 1e-9 mV leaves ten times
//    that. A wrong coefficient, a missing term, another method or a record shifted by one step
//    gives 1e-6 mV and more (RK2 at dt 0.1 and 0.01 ms already differ by 7e-6 mV at t = 0.1 ms).
//  - Everywhere after, while every spike so far fell in the same step: 1e-6 mV. Through a spike
//    the trajectory runs along an unstable direction (the v**2 of Izhikevich, the exponential of
//    AdEx, the sodium activation of HH) that amplifies the rounding difference, and after it the
//    difference is best seen as a shift of the trajectory in time, ~1e-10 ms after a few spikes;
//    on the rising edge of the next spike (|dv/dt| up to ~1000 mV/ms) that shift reads as
//    ~1e-7 mV. Measured worst case 9.7e-8 mV (HH, Euler at dt 0.05 ms, near Euler's stability
//    limit there, at t = 41.0 ms on the fourth spike); elsewhere <= 4e-9 mV. The reset itself
//    (v = c) is exact. 1e-6 mV is ten times the worst case and still far below any modelling
//    difference (a change of method or dt moves spikes by 0.1 ms or more, i.e. tens of mV).
//  - Spike times: within one dt of the reference (the criterion of the issue); measured: every
//    spike is in the same step as Brian's. A spike can move by one step only if the rounding
//    difference flips the threshold comparison, which needs v within ~1e-9 mV of the threshold
//    at the end of a step; if that ever happens the trace comparison stops at that spike, since
//    the traces then legitimately part.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <spikegraph/network.hpp>
#include "monitors/npy_writer.hpp"
#include <spikegraph/simulation.hpp>
#include "tests/support/backend_param.hpp"
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

constexpr double k_duration_ms = 50.0;  // as the script
constexpr double k_record_dt_ms = 0.1;  // the reference's row spacing
constexpr double k_tol_before_first_spike = 1e-9;  // mV, see the top of the file
constexpr double k_tol_after_spikes = 1e-6;        // mV

const fs::path k_reference_dir = fs::path(SPIKEGRAPH_SOURCE_DIR) / "tests/validation/reference";

// A CSV file with `#` comment lines, one header line and numeric columns (the spike files'
// method column is kept as text).
struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    std::size_t column(const std::string& name) const {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) ADD_FAILURE() << "no column '" << name << "' in the reference";
        return static_cast<std::size_t>(it - header.begin());
    }
    std::vector<double> numbers(const std::string& name) const {
        const std::size_t c = column(name);
        std::vector<double> out;
        for (const auto& r : rows) out.push_back(std::stod(r.at(c)));
        return out;
    }
};

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) out.push_back(cell);
    return out;
}

Csv read_csv(const fs::path& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot open " << path
                    << "; run /usr/bin/python3 tests/validation/make_reference_traces.py";
    Csv csv;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (csv.header.empty()) csv.header = split(line);
        else csv.rows.push_back(split(line));
    }
    return csv;
}

struct ModelSetup {
    NeuronModel model;
    std::map<std::string, std::string> init;
    std::string voltage;  // the recorded variable
};

// Brian form of Izhikevich (2003), regular spiking, as in make_reference_traces.py.
ModelSetup izhikevich_rs() {
    ModelSetup s;
    s.model.name = "izhikevich_rs";
    s.model.equations =
        "dv/dt = (0.04/ms/mV)*v**2 + (5/ms)*v + 140*mV/ms - u + I : volt\n"
        "du/dt = a*(b*v - u) : volt/second\n";
    s.model.threshold = "v >= 30*mV";
    s.model.reset = "v = c; u += d";
    s.model.parameters = {{"a", "0.02/ms"}, {"b", "0.2/ms"}, {"c", "-65*mV"},
                          {"d", "8*mV/ms"},  {"I", "10*mV/ms"}};
    s.init = {{"v", "-65*mV"}, {"u", "0.2/ms * (-65*mV)"}};
    s.voltage = "v";
    return s;
}

// Brette & Gerstner (2005) as in Brian2's examples/frompapers, regular spiking, I = 1 nA.
ModelSetup adex() {
    ModelSetup s;
    s.model.name = "adex";
    s.model.equations =
        "dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt\n"
        "dw/dt = (a*(vm - EL) - w)/tauw : amp\n";
    s.model.threshold = "vm > VT + 5*DeltaT";
    s.model.reset = "vm = Vr; w += b";
    s.model.parameters = {{"C", "281*pF"},      {"gL", "30*nS"},   {"EL", "-70.6*mV"},
                          {"VT", "-50.4*mV"},   {"DeltaT", "2*mV"}, {"tauw", "144*ms"},
                          {"a", "4*nS"},        {"b", "0.0805*nA"}, {"Vr", "-70.6*mV"},
                          {"I", "1*nA"}};
    s.init = {{"vm", "-70.6*mV"}, {"w", "0*nA"}};
    s.voltage = "vm";
    return s;
}

// One neuron of Brian2's COBAHH example (Traub-Miles), ge = gi = 0, I = 0.5 nA, with the rate
// functions in their exp(...) - 1 form.
ModelSetup hh() {
    ModelSetup s;
    s.model.name = "hh";
    s.model.equations =
        "dv/dt = (gl*(El - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK) + I)/Cm : volt\n"
        "dm/dt = alpha_m*(1 - m) - beta_m*m : 1\n"
        "dn/dt = alpha_n*(1 - n) - beta_n*n : 1\n"
        "dh/dt = alpha_h*(1 - h) - beta_h*h : 1\n"
        "alpha_m = 0.32*(mV**-1)*(13*mV - v + VT)/(exp((13*mV - v + VT)/(4*mV)) - 1.)/ms : Hz\n"
        "beta_m = 0.28*(mV**-1)*(v - VT - 40*mV)/(exp((v - VT - 40*mV)/(5*mV)) - 1)/ms : Hz\n"
        "alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz\n"
        "beta_h = 4./(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz\n"
        "alpha_n = 0.032*(mV**-1)*(15*mV - v + VT)/(exp((15*mV - v + VT)/(5*mV)) - 1.)/ms : Hz\n"
        "beta_n = .5*exp((10*mV - v + VT)/(40*mV))/ms : Hz\n";
    s.model.threshold = "v > -20*mV";
    s.model.refractory = "3*ms";
    s.model.parameters = {{"Cm", "(1*uF*cm**-2) * (20000*um**2)"},
                          {"gl", "(5e-5*siemens*cm**-2) * (20000*um**2)"},
                          {"El", "-60*mV"},
                          {"EK", "-90*mV"},
                          {"ENa", "50*mV"},
                          {"g_na", "(100*msiemens*cm**-2) * (20000*um**2)"},
                          {"g_kd", "(30*msiemens*cm**-2) * (20000*um**2)"},
                          {"VT", "-63*mV"},
                          {"I", "0.5*nA"}};
    s.init = {{"v", "-60*mV"}, {"m", "0"}, {"n", "0"}, {"h", "0"}};
    s.voltage = "v";
    return s;
}

struct TraceCase {
    std::string model;  // the reference files' prefix
    std::string method;
    double dt_ms;
    std::string dt_text;  // as in the reference's column names
};

void PrintTo(const TraceCase& c, std::ostream* os) {
    *os << c.model << ", " << c.method << ", dt " << c.dt_text << " ms";
}

ModelSetup setup_of(const std::string& model) {
    if (model == "izhikevich_rs") return izhikevich_rs();
    if (model == "adex") return adex();
    return hh();
}

struct Result {
    std::vector<double> t;  // record times [ms], every step
    std::vector<double> v;  // [mV], every step
    std::vector<double> spikes;
};

Result simulate(const TraceCase& c) {
    const ModelSetup s = setup_of(c.model);
    testing_support::TempDir dir("spikegraph_reference_traces");
    Network net;
    net.settings.dt_ms = c.dt_ms;
    net.settings.precision = Precision::f64;
    auto& g = net.add_group("neuron", 1, s.model);
    g.method(c.method);
    for (const auto& [name, value] : s.init) g.init(name, value);
    net.monitor_state("trace", g.all(), {s.voltage});
    net.monitor_spikes("spikes", g.all());
    SimulationOptions options;
    options.out_dir = dir.path();
    Simulation sim(net, options);
    sim.run(k_duration_ms);
    sim.finish();
    Result r;
    r.t = read_npy(dir.path() / "trace.t.npy").as<double>();
    r.v = read_npy(dir.path() / ("trace." + s.voltage + ".npy")).as<double>();
    r.spikes = read_npy(dir.path() / "spikes.t.npy").as<double>();
    return r;
}

std::string scientific(double x) {
    std::ostringstream s;
    s << std::scientific << std::setprecision(2) << x;
    return s.str();
}

class Brian2Reference : public testing_support::BackendCaseTest<TraceCase> {};

TEST_P(Brian2Reference, Matches) {
    const TraceCase& c = param_case();
    const Csv trace_csv = read_csv(k_reference_dir / (c.model + "_v.csv"));
    const Csv spike_csv = read_csv(k_reference_dir / (c.model + "_spikes.csv"));
    ASSERT_FALSE(trace_csv.rows.empty());
    const std::vector<double> ref_t = trace_csv.numbers("t_ms");
    const std::vector<double> ref_v = trace_csv.numbers("v_" + c.method + "_dt" + c.dt_text);
    std::vector<double> ref_spikes;
    {
        const std::size_t m = spike_csv.column("method"), d = spike_csv.column("dt_ms"),
                          t = spike_csv.column("t_ms");
        for (const auto& row : spike_csv.rows)
            if (row.at(m) == c.method && row.at(d) == c.dt_text)
                ref_spikes.push_back(std::stod(row.at(t)));
    }
    ASSERT_FALSE(ref_spikes.empty()) << "the reference run must spike";

    const Result r = simulate(c);
    const auto steps = static_cast<std::size_t>(std::llround(k_duration_ms / c.dt_ms));
    const auto stride = static_cast<std::size_t>(std::llround(k_record_dt_ms / c.dt_ms));
    ASSERT_EQ(r.v.size(), steps);
    ASSERT_EQ(ref_v.size(), steps / stride);

    // Spikes: the same number, each within one dt of the reference (1e-9 ms for the rounding of
    // the stamps k*dt). `same_step_until` is the time up to which every spike fell in the same
    // step as Brian's.
    EXPECT_EQ(r.spikes.size(), ref_spikes.size());
    double same_step_until = k_duration_ms;
    double max_shift = 0.0;
    for (std::size_t k = 0; k < std::min(r.spikes.size(), ref_spikes.size()); ++k) {
        const double shift = std::fabs(r.spikes[k] - ref_spikes[k]);
        max_shift = std::max(max_shift, shift);
        EXPECT_LE(shift, c.dt_ms + 1e-9) << "spike " << k << " at " << r.spikes[k]
                                         << " ms, Brian2 " << ref_spikes[k] << " ms";
        if (shift > 1e-9)
            same_step_until = std::min({same_step_until, r.spikes[k], ref_spikes[k]});
    }
    if (r.spikes.size() != ref_spikes.size()) same_step_until = 0.0;

    // Traces at the reference's rows.
    double max_before = 0.0, max_after = 0.0;
    for (std::size_t row = 0; row < ref_v.size(); ++row) {
        const std::size_t k = row * stride;
        ASSERT_NEAR(r.t[k], ref_t[row], 1e-9) << "record times must coincide";
        if (r.t[k] > same_step_until + 1e-9) break;
        const double diff = std::fabs(r.v[k] - ref_v[row]);
        // The record at t_s of the first spike's step is still before the spike.
        const bool before = r.t[k] <= ref_spikes[0] + 1e-9;
        if (before) {
            max_before = std::max(max_before, diff);
            EXPECT_LE(diff, k_tol_before_first_spike)
                << "before the first spike, t = " << r.t[k] << " ms: v " << r.v[k]
                << " mV, Brian2 " << ref_v[row] << " mV";
        } else {
            max_after = std::max(max_after, diff);
            EXPECT_LE(diff, k_tol_after_spikes) << "t = " << r.t[k] << " ms: v " << r.v[k]
                                                << " mV, Brian2 " << ref_v[row] << " mV";
        }
    }
    RecordProperty("max_abs_diff_before_first_spike_mV", scientific(max_before));
    RecordProperty("max_abs_diff_after_mV", scientific(max_after));
    RecordProperty("max_spike_shift_ms", scientific(max_shift));
    RecordProperty("spikes", static_cast<int>(r.spikes.size()));
}

std::vector<TraceCase> cases() {
    std::vector<TraceCase> out;
    for (const char* model : {"izhikevich_rs", "adex"})
        for (const char* method : {"euler", "rk2"})
            for (const auto& [dt, text] : {std::pair{0.1, "0.1"}, std::pair{0.01, "0.01"}})
                out.push_back({model, method, dt, text});
    // Euler and RK2 diverge on HH at 0.1 ms in Brian too (see the script): 0.05 ms instead, and
    // Brian's exponential_euler at 0.1 ms.
    for (const char* method : {"euler", "rk2"})
        for (const auto& [dt, text] : {std::pair{0.05, "0.05"}, std::pair{0.01, "0.01"}})
            out.push_back({"hh", method, dt, text});
    for (const auto& [dt, text] : {std::pair{0.1, "0.1"}, std::pair{0.01, "0.01"}})
        out.push_back({"hh", "exponential_euler", dt, text});
    return out;
}

INSTANTIATE_TEST_SUITE_P(ReferenceTraces, Brian2Reference,
                         ::testing::Combine(testing_support::all_backends(),
                                            ::testing::ValuesIn(cases())),
                         testing_support::backend_case_name<TraceCase>([](const TraceCase& c) {
                             std::string dt = c.dt_text;
                             std::replace(dt.begin(), dt.end(), '.', '_');
                             return c.model + "_" + c.method + "_dt" + dt;
                         }));

}  // namespace
}  // namespace spikegraph
