#pragma once
// Structured attributes of the built-in op kinds (OpSpec::payload). Backend-neutral: names of
// plan variables and expression trees, no pointers.

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/expr.hpp"

namespace spikegraph {

/// Where a symbol of a neuron group's expressions lives.
struct SymbolBinding {
    enum class Source : std::uint8_t {
        state,      // per neuron and batch entry: plan variable [B, n]
        neuron,     // per neuron, shared by the batch: plan variable [n]
        shared,     // one value: plan variable [1]
    };
    std::string symbol;  // name used in the expressions ("v", "taum")
    std::string var;     // plan variable ("neurons.v")
    Source source = Source::state;
};

/// The most symbols of one group's update or reset that are not shared (per neuron, or per neuron
/// and batch entry): the backends keep a pointer per such array in fixed arrays. The Builder
/// refuses a group with more, so that validate refuses it as a run would.
constexpr std::size_t k_max_per_neuron_symbols = 63;

/// Most neurons (or sources) of one group or input: spike lists, spike rings and synapse indices
/// hold neuron indices as int32, so a larger group would index wrongly instead of failing.
constexpr std::size_t k_max_population_size = 2'147'483'647;

/// A statement `target op= value` on a group's variables (resets).
struct UpdateStatement {
    enum class Op : std::uint8_t { assign, add, sub, mul, div };
    std::string target;  // symbol
    Op op = Op::assign;
    expr::Ptr value;
};

/// `neuron_update`: one fused pass that integrates the group's ODEs over one step, checks the
/// threshold, and lists the neurons that spiked.
struct NeuronUpdatePayload {
    std::string group;
    std::size_t size = 0;
    std::vector<SymbolBinding> symbols;  // every symbol the expressions may read
    // The integrated state: next_value[k] is the value of state_vars[k] at t + dt, an expression
    // of the values at t, `t`, `dt`, `i`, `not_refractory` (1 or 0) and rand()/randn().
    std::vector<std::string> state_vars;
    std::vector<expr::Ptr> next_value;
    // White noise: symbols of next_value (xi, xi_<name>) that stand for one standard normal
    // draw per neuron, batch entry and step (program::Symbol::Kind::noise).
    std::vector<std::string> noises;
    expr::Ptr threshold;                // over the new values; nullptr: never spikes
    std::int64_t refractory_steps = 0;  // R: refractory for R steps after a spike (0: none)
    // Or refractory while a condition holds (Brian's string refractoriness): after a spike the
    // neuron stays refractory until the condition, evaluated at the start of each step, is false.
    expr::Ptr refractory_condition;
    std::string not_refractory_var;     // real [B, n]: 1 or 0, with a condition only
    std::string lastspike_var;          // i64 [B, n]: step of the last spike
    std::string spikes_var;             // i32 [B, n]: indices of this step's spikes, ascending
    std::string count_var;              // i64 [B]: number of spikes this step
    std::string total_var;              // i64 [B]: spikes since initial_step
};

/// `neuron_reset`: applies the reset statements to the neurons that spiked this step.
struct NeuronResetPayload {
    std::string group;
    std::size_t size = 0;
    std::vector<SymbolBinding> symbols;
    std::vector<UpdateStatement> statements;
    std::string spikes_var;
    std::string count_var;
};

/// `synapse_deliver`: spikes of the pre slice act on `target` of the post slice (`target += w`).
struct DeliverPayload {
    enum class Storage : std::uint8_t { sparse, dense, one_to_one };
    Storage storage = Storage::sparse;
    std::size_t pre_size = 0, pre_begin = 0, pre_end = 0;     // pre group size and slice
    std::size_t post_size = 0, post_begin = 0, post_end = 0;  // post group size and slice
    std::string pre_spikes, pre_count;                        // the pre group's spike list
    std::string target;                                       // post variable [B, post_size]
    std::string weight;       // [1] (one weight for all), [nnz] (sparse), [pre, post] (dense)
    std::string indptr;       // sparse: i64 [pre slice + 1]
    std::string indices;      // sparse: i32 [nnz], post index within the post slice
    std::int64_t delay_steps = 0;  // uniform delay D (when `delay` is empty)
    std::string delay;             // per-synapse delays in steps, i32 [nnz]; empty: uniform
    std::int64_t max_delay_steps = 0;
    std::string ring;         // uniform D > 0: i32 [D+1, B, pre slice]; per-synapse: real
                              // [Dmax+1, B, post slice]
    std::string ring_count;   // uniform D > 0: i64 [D+1, B]
};

/// A symbol of a synapse model's expressions: where it lives and how a synapse indexes it.
struct SynapseSymbol {
    enum class Index : std::uint8_t {
        synapse,  // per synapse: [B, nnz] (batched) or [nnz]
        pre,      // per pre neuron: [B, n] or [n], at pre_begin + pre_index[s]
        post,     // per post neuron: [B, n] or [n], at post_begin + post_index[s]
        shared,   // one value: [1]
        pre_number,   // the pre neuron's index in its group (Brian's `i`); no variable
        post_number,  // the post neuron's index in its group (`j`); no variable
    };
    std::string symbol;  // in the expressions ("w", "v_post", "@i")
    std::string var;     // plan variable; empty for the numbers
    Index index = Index::synapse;
    bool batched = false;    // leading batch axis
    std::size_t size = 0;    // elements per batch entry (nnz, or the group's size)
    std::size_t offset = 0;  // pre/post: the slice's first neuron in its group
};

/// What synapse ops share: the synapses and how they index the neurons.
struct SynapseIndexing {
    std::string connection;
    std::size_t synapses = 0;    // nnz
    std::string pre_index;       // i32 [nnz]: pre neuron within the pre slice
    std::string post_index;      // i32 [nnz]: post neuron within the post slice
    std::vector<SynapseSymbol> symbols;  // every symbol the expressions may read
};

/// `synapse_pathway`: on_pre or on_post. At each event (a spike of the source, delayed), the
/// synapses of the spiking source neuron get `targets[k] = values[k]`, the values computed from
/// the symbols' values before the event (the statements, event-driven updates included, folded
/// into one expression per written symbol, in order), one synapse after another.
struct SynapsePathwayPayload {
    SynapseIndexing syn;
    std::string pathway;  // "pre" or "post"
    std::size_t src_size = 0, src_begin = 0, src_end = 0;  // the spiking group and slice
    std::string src_spikes, src_count;
    std::string indptr;  // i64 [src slice + 1]: the positions of each source's synapses
    std::string order;   // i32 [nnz]: position -> synapse; empty: the identity
    std::string order_pre;  // i32 [nnz]: position -> pre index of its synapse (with `order`
                            // on_post: read in sequence instead of at the scattered synapse)
    std::vector<std::string> targets;  // symbols written (synapse, pre or post variables)
    std::vector<expr::Ptr> values;     // their new values, over the symbols, `t` and `dt`
    std::int64_t delay_steps = 0;      // uniform delay D
    std::string delay;                 // per synapse, in steps, i32 [nnz] in position order
                                       // (ascending within each source); empty: uniform
    std::int64_t max_delay_steps = 0;  // per-synapse delays: the largest
    std::string ring, ring_count;      // D > 0: i32 [D+1, B, src slice], i64 [D+1, B]
    // Event-driven variables kept per source neuron (a trace that depends on that neuron's
    // spikes only, e.g. Apre of all-to-all pair STDP): at each event of source r, before its
    // synapses are visited, var[r] = decayed (over `symbol` and `symbol@last`, the time of
    // its last update, kept in last_var) and last_var[r] = t; after them var[r] = updated
    // (over `symbol`, the decayed value). The synapses read var[r] through the symbol.
    // A trace that only decays (dX/dt = rate X) is kept scaled instead (no last_var): its
    // value at t is var[r] * exp(rate (t - ref)) with ref = ref_var[b] (the symbol
    // `symbol@ref`, a shared uniform), `decayed` and `updated` over that; before the step's
    // events, when |rate (t - ref)| > k_trace_rescale, the kernel multiplies every var[r] by
    // that factor and sets ref = t.
    struct Trace {
        std::string symbol, var, last_var, ref_var;
        double rate = 0.0;
        expr::Ptr decayed, updated;
    };
    std::vector<Trace> traces;
};

/// When a scaled trace's factor leaves [e^-k_trace_rescale, e^k_trace_rescale], its reference
/// time moves on: a stored value is then at most e^100 times the trace's own, far from the
/// range of a double, whatever the run's length.
constexpr double k_trace_rescale = 100.0;

/// `synapse_each`: an expression per synapse every step: the clock-driven ODEs (`targets` are
/// synapse variables, assigned) or a summed variable (`sum_target` set to the sum over each post
/// neuron's synapses of values[0]).
struct SynapseEachPayload {
    SynapseIndexing syn;
    std::vector<std::string> targets;
    std::vector<expr::Ptr> values;
    std::string sum_target;  // post variable [B, post size]; empty: assign `targets`
    std::size_t post_size = 0, post_begin = 0, post_end = 0;
};

/// `poisson_input`: each source spikes with probability rate * dt per step, independently of
/// the other steps (a Bernoulli process, as Brian's PoissonGroup). The kernel draws the gap to
/// each source's next spike (geometric, the same law) instead of one number per source and step.
struct PoissonPayload {
    std::string name;
    std::size_t size = 0;
    std::string rate;  // [1] or [n], internal unit 1/ms
    std::string spikes_var, count_var, total_var;
    std::string next_var;  // i64 [B, n]: the step of each source's next spike; -1: to be drawn
    // A rate that varies in time (of t, dt, i, timed arrays) [kHz]: then `rate` and `next_var`
    // are empty and each source spikes with probability rate * dt in each step.
    expr::Ptr rate_expr;
    double dt_ms = 0.1;
};

/// `poisson_drive` (Brian2's PoissonInput): target[b, i] += weight * Binomial(sources,
/// rate * dt) for i in [begin, end), each draw from Philox keyed by (seed, rng_stream::poisson,
/// object_hash(name), b * size + i, step).
struct PoissonDrivePayload {
    std::string name;
    std::string target;  // [B, size]
    std::size_t size = 0, begin = 0, end = 0;
    std::uint64_t sources = 1;
    double weight = 0;        // internal units of the target
    double dt_ms = 0.1;
    bool constant = true;     // rate_kHz holds the rate; else rate_expr (of t, dt, i)
    double rate_kHz = 0;
    expr::Ptr rate_expr;
};

/// `spike_times_input`: spikes at given steps (sorted by step, then index).
struct SpikeTimesPayload {
    std::size_t size = 0;
    std::vector<std::int64_t> steps;
    std::vector<std::int32_t> indices;
    std::string spikes_var, count_var, total_var;
};

/// `current_input`: sets `target` over a slice to a piecewise-constant value.
struct CurrentPayload {
    std::string target;  // [B, n] or [n]
    bool batched = true;
    std::size_t size = 0, begin = 0, end = 0;
    std::vector<std::int64_t> change_steps;  // ascending; value[k] applies from change_steps[k]
    std::vector<double> values;              // internal units
};

/// `spike_monitor`: hands the spikes of a slice to the monitor's sink.
struct SpikeMonitorPayload {
    std::string spikes_var, count_var;
    std::size_t begin = 0, end = 0;
};

/// `state_monitor`: hands the values at the start of the step to the monitor's sink.
struct StateMonitorPayload {
    std::vector<std::string> vars;       // plan variables, [B, n] or [n] or [1]
    std::vector<std::int64_t> indices;   // absolute neuron indices in the group
    std::int64_t every_steps = 1;
};

/// The structured attributes an op carries: one of the built-in payloads, or none.
///
/// User ops (include/spikegraph/custom_op.hpp, register_op) take their attributes from OpSpec::params,
/// JSON only, on purpose: JSON is what every backend can read, what the schedule can print and
/// what a config can state, while a typed C++ object would tie the op to the process and to the
/// backend that knows its type. A user kernel that needs a structure builds it from the params
/// when it is bound.
using OpPayload = std::variant<std::monostate, NeuronUpdatePayload, NeuronResetPayload,
                               DeliverPayload, PoissonPayload, SpikeTimesPayload, CurrentPayload,
                               SpikeMonitorPayload, StateMonitorPayload, SynapsePathwayPayload,
                               SynapseEachPayload, PoissonDrivePayload>;

/// The name of the payload type at `index` of OpPayload ("none" for std::monostate), for
/// messages.
const char* payload_type_name(std::size_t index) noexcept;

}  // namespace spikegraph
