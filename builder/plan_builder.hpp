#pragma once
// Internal to the builder: the object that turns one Network into a BuildResult. Its methods
// live in one file per kind of declared object: builder.cpp (order, names, variables, custom
// ops), input_builder.cpp, connection_builder.cpp and monitor_builder.cpp.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "builder/builder.hpp"
#include "builder/connectivity.hpp"
#include "builder/group_builder.hpp"
#include "builder/memory_estimate.hpp"
#include "builder/op_payloads.hpp"
#include "builder/synapse_model.hpp"
#include "builder/values.hpp"
#include "core/timed_array.hpp"
#include "frontend/equations.hpp"
#include <spikegraph/network.hpp>

namespace spikegraph::detail {

/// `o` with `key` as its key unless it already has one.
TextOrigin with_key(TextOrigin o, const std::string& key);

/// Whether `s` is `tail` after at least one character ("v_post" ends with "_post").
inline bool has_suffix(const std::string& s, std::string_view tail) {
    return s.size() > tail.size() && s.ends_with(tail);
}

/// The post-group variable that a synapse model's `(summed)` definition `name` sets: `X` of
/// `X_post` (or `X` itself).
inline std::string summed_post_variable(const std::string& name) {
    return has_suffix(name, "_post") ? name.substr(0, name.size() - 5) : name;
}

/// The statements of a synapse model's pathway: `on_pre` (`target += w` when it has none and
/// the connection names a target) or `on_post`; empty when the pathway does nothing.
std::string pathway_text(const Connection& c, bool pre);

/// `o` with `key` as its key, whatever it had: the origin of a part of an object ("<key>.model"
/// of a connection whose origin has the connection's key).
inline TextOrigin rekeyed(TextOrigin o, std::string key) {
    o.key = std::move(key);
    return o;
}

/// Something that spikes (a neuron group or a spike input) and the variables it spikes into.
struct Population {
    std::string name, kind, spikes_var, count_var, total_var;
    std::size_t size = 0;
};

/// How the synapses of `c` are stored, for `pre_n` x `post_n` neurons.
/// @throws ConfigError (at `o`) for storage one_to_one with another rule.
DeliverPayload::Storage storage_for(const Connection& c, std::size_t pre_n, std::size_t post_n,
                                    const TextOrigin& o);

class PlanBuilder {
public:
    /// @throws ConfigError for a non-positive dt or a batch below 1.
    explicit PlanBuilder(const Network& net);

    BuildResult run();

private:
    // One connection while it is built: its resolved slices, its synapses and the delivery
    // payload that its ops (one per on-spike statement) share.
    struct Wiring {
        const Connection& c;
        std::string key;  // "connections.<name>"
        TextOrigin o;
        GroupRef pre, post;
        const Population* src = nullptr;
        const BuiltGroup* dst = nullptr;
        std::size_t pre_n = 0, post_n = 0;
        SynapseTable table;
        DeliverPayload dp;
    };

    // What each presynaptic spike adds to which post variable (see on_spike_increments).
    struct Increment {
        const GroupVariable* target;
        expr::Ptr value;  // of the symbol `w`
    };

    // builder.cpp
    void check_names();
    void check_per_neuron_symbols(const NeuronGroup& g, const BuiltGroup& built) const;
    void add_var(VariableSpec v);
    void add_data_var(const std::string& name, DType t, std::vector<double> data);
    void add_state_var(const std::string& name, DType t, std::vector<std::size_t> shape);
    const BuiltGroup& group_slice(GroupRef& ref, const TextOrigin& o, const char* role);
    void resolve_slice(GroupRef& ref, std::size_t size, const TextOrigin& o);
    const Population& population(GroupRef& ref, const TextOrigin& o, const char* role);
    void add_custom_op(const CustomOp& c);

    // timed_array_builder.cpp
    void load_timed_arrays();
    // A located ConfigError when an array read as name(t, i) has not one column per neuron.
    void check_timed_array_columns(const std::vector<expr::Ptr>& exprs, const std::string& group,
                                   std::size_t size) const;

    // input_builder.cpp
    void add_spike_source_vars(const std::string& name, std::size_t n, Population& pop);
    void add_poisson(const PoissonInput& p);
    void add_spike_times(const SpikeTimesInput& s);
    void add_current(const CurrentInput& c);
    // The variable an input drives (resolving the target's slice); a located error names the
    // variables the group has.
    const GroupVariable* input_target(GroupRef& target, const std::string& variable,
                                      const TextOrigin& o);
    void add_poisson_drive(const PoissonDrive& d);
    // input_files.cpp: the input with its indices and times (ms) read from its files.
    SpikeTimesInput read_spike_files(const SpikeTimesInput& s, const TextOrigin& o) const;
    // Build-time checks of a Poisson rate (kHz): rate * dt above 1 is an error, above 0.1 a
    // warning; `what` names the input.
    void check_poisson_probability(double rate_kHz, const TextOrigin& o, const std::string& what,
                                   bool upper_bound) const;

    // connection_builder.cpp
    void add_connection(const Connection& c);
    Wiring wire(const Connection& c);
    const GroupVariable* state_target(const BuiltGroup& dst, const std::string& name,
                                      const TextOrigin& where) const;
    std::vector<Increment> on_spike_increments(const Wiring& w, const ParsedValue& weight);
    // Substitutes the values of g's shared parameters in `e`, recording them as folded.
    expr::Ptr shared_constants(const expr::Ptr& e, const BuiltGroup& g);
    std::vector<double> per_synapse(const Wiring& w, const ParsedValue& value,
                                    const std::string& var) const;
    std::vector<double> layout(const Wiring& w, std::vector<double> values) const;
    void add_synapse_indices(Wiring& w);
    void add_delays(Wiring& w);
    void add_delivery(const Wiring& w, const Increment& inc, std::size_t statement,
                      const ParsedValue& weight, const std::vector<double>& weights);

    // synapse_builder.cpp, synapse_ops.cpp: connections with a synapse model.
    // The names a synapse model's text may use.
    struct SynapseScope {
        SymbolDims dims;   // the model's own: variables, parameters, plain sub-expressions
        SymbolDims extra;  // neuron variables (x_pre, x_post, unsuffixed post), i, j, lastupdate
        SymbolDims all;
        std::vector<std::string> own;  // variables and parameters, in declaration order
        std::set<std::string> shared;  // shared parameters
        std::vector<std::string> rename_from;  // unsuffixed post names, i, j
        std::vector<expr::Ptr> rename_to;
        std::string pre, post;                            // the groups' names
        std::vector<std::string> pre_names, post_names;   // their variables
        expr::Ptr canonical(const expr::Ptr& e, const Equations& eq) const;
        /// @throws ConfigError for an x_pre / x_post the group lacks, naming what it has.
        void check_names(const expr::Ptr& e, const TextOrigin& origin, expr::SourceLoc loc) const;
    };
    // One pathway's statements, folded.
    struct SynapsePath {
        std::string name;  // "pre" or "post"
        FoldedStatements folded;
        TextOrigin origin;
        std::vector<std::pair<std::string, expr::Ptr>> owned;  // per-neuron traces: new value
    };
    // One synapse model while it is built.
    struct SynapseBuild {
        const Connection& c;
        Wiring& w;
        const Equations& eq;
        const SynapseScope& scope;
        std::map<std::string, ParsedValue> values;  // of the own names
        std::vector<SynapsePath> paths;
        std::vector<std::string> clock_targets;     // clock-driven variables
        std::vector<expr::Ptr> clock_values;        // their values at t + dt
        std::vector<std::pair<std::string, expr::Ptr>> sums;  // post variable, summand
        std::set<std::string> written;              // synapse variables that change
        std::vector<std::pair<std::string, expr::Ptr>> closed;  // event-driven: value at t
        std::map<std::string, std::string> traces;  // kept per neuron: var -> "pre" / "post"
        // Event-driven variables that only decay, dX/dt = a X with a a number: a. A trace
        // among them is kept scaled (SynapsePathwayPayload::Trace::rate).
        std::map<std::string, double> decay_rates;
    };
    bool is_synapse_model(const Connection& c) const;
    std::map<std::string, std::set<std::string>> summed_targets() const;
    SynapseScope synapse_scope(const Wiring& w, const Equations& eq, const TextOrigin& mo) const;
    void add_synapse_model(const Connection& c);
    void synapse_values(SynapseBuild& sb, const TextOrigin& mo) const;
    void synapse_neuron_traces(SynapseBuild& sb) const;  // synapse_traces.cpp
    void synapse_pathway(SynapseBuild& sb, const std::string& name) const;
    void synapse_clock_driven(SynapseBuild& sb, const TextOrigin& mo);
    void synapse_summed(SynapseBuild& sb, const TextOrigin& mo) const;
    SynapseIndexing synapse_variables(SynapseBuild& sb);
    SynapseSymbol synapse_symbol(const SynapseBuild& sb, const std::string& symbol) const;
    void synapse_ops(SynapseBuild& sb, const SynapseIndexing& base);
    void add_pathway_op(SynapseBuild& sb, const SynapseIndexing& base, const SynapsePath& path);

    // monitor_builder.cpp
    void add_spike_monitor(const SpikeMonitorSpec& m);
    void add_state_monitor(const StateMonitorSpec& m);
    // A monitor's interval `every` (a time; empty: one step) in steps, at `key`; rounded to
    // the nearest step unless `whole_steps`, which refuses one that is not a whole number.
    std::int64_t record_interval(const ValueSpec& every, const std::string& key,
                                 const TextOrigin& o, const char* what,
                                 bool whole_steps = false) const;
    void add_synapse_monitor(const StateMonitorSpec& m, const TextOrigin& o);
    void add_synapse_state(const SynapseStateSpec& s);
    // The synapse model of `connection` (a located ConfigError for an unknown or static one).
    const SynapseGroupInfo& synapse_group(const std::string& connection, const TextOrigin& o,
                                          const char* what) const;
    const SynapseGroupInfo::Variable* synapse_variable(const SynapseGroupInfo& sg,
                                                       const std::string& name,
                                                       const TextOrigin& o) const;
    std::vector<std::int64_t> chosen_synapses(const StateMonitorSpec& m,
                                              const SynapseGroupInfo& sg,
                                              const TextOrigin& o) const;

    // memory_builder.cpp: `expected` counts the connections from their rules (before any
    // synapse is made), else from the variables built.
    MemoryEstimate estimate_memory(bool expected) const;
    void add_expected_synapses(const Connection& c, MemoryEstimate& e) const;
    void add_monitor_memory(MemoryEstimate& e) const;

    const Network& net_;
    Plan plan_;
    DType real_ = DType::f64;
    BuildResult result_;
    MemoryLimit limit_;  // read once, before the build takes any memory
    std::map<std::string, std::size_t> synapse_counts_;  // per connection, as made
    std::map<std::string, BuiltGroup> groups_;
    std::vector<Population> populations_;
    std::vector<std::shared_ptr<const TimedArray>> timed_arrays_;  // loaded once, shared
    std::vector<OpSpec> currents_, state_monitors_, sources_, updates_, deliveries_,
        post_pathways_, resets_, spike_monitors_, custom_;
};

}  // namespace spikegraph::detail
