// Which event-driven variables of a synapse model can live per neuron instead of per synapse:
// a trace that only one pathway writes, by statements over itself, numbers and shared
// parameters, from one initial value, with a uniform delay, has the same value at every synapse
// of the neuron that triggers that pathway (Apre of all-to-all or nearest pair STDP on the pre
// neuron, Apost on the post neuron, the triplet rule's four traces). Stored once per neuron (as
// GeNN and NEST store them), a pathway visit touches one scattered array fewer per trace; the
// values read are those of the per-synapse form up to rounding (a decay over two intervals is
// exp(a) exp(b) instead of exp(a + b)). Kept per synapse whenever something could tell the
// difference: a state monitor or a final state of the connection, or a read of `lastupdate`.
// A trace that only decays is stored scaled to a reference time (synapse_model.hpp,
// scaled_trace_factor), so that the other pathway reads it without an exponential.

#include <fmt/format.h>

#include "builder/plan_builder.hpp"
#include <spikegraph/error.hpp>
#include "core/units.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph::detail {

void PlanBuilder::synapse_neuron_traces(SynapseBuild& sb) const {
    const Connection& c = sb.c;
    for (const auto& m : net_.state_monitors)
        if (m.group.group == c.name) return;
    for (const auto& s : net_.synapse_states)
        if (s.connection == c.name) return;
    std::set<std::string> event_vars;
    for (const auto& o : sb.eq.odes)
        if (o.event_driven) event_vars.insert(o.var);
    if (event_vars.empty()) return;
    for (const auto& o : sb.eq.odes)
        if (expr::depends_on(o.rhs, "lastupdate")) return;
    for (const auto& sub : sb.eq.subs)
        if (expr::depends_on(sub.value, "lastupdate")) return;

    std::map<std::string, std::set<std::string>> writers;  // trace -> pathways writing it
    std::set<std::string> refused;
    for (const char* name : {"pre", "post"}) {
        const std::string text = pathway_text(c, std::string(name) == "pre");
        if (text.empty()) continue;
        std::vector<Statement> statements;
        try {
            statements = parse_statements(text, {});
        } catch (const Error&) {
            return;  // synapse_pathway reports it, located
        }
        for (const auto& st : statements) {
            if (expr::depends_on(st.value, "lastupdate")) return;
            if (!event_vars.count(st.target)) continue;
            writers[st.target].insert(name);
            std::vector<std::string> used;
            expr::collect_symbols(st.value, used);
            for (const auto& u : used)
                if (u != st.target && !sb.scope.shared.count(u) && !find_unit(u))
                    refused.insert(st.target);
            if (expr::uses_random(st.value)) refused.insert(st.target);
        }
    }
    // The owner's delay must be one for all its synapses.
    static const SymbolDims ij{{"i", dim::none()}, {"j", dim::none()}};
    const auto uniform_delay = [&](const ValueSpec& d) {
        if (d.empty()) return true;
        try {
            return parse_value(d, {}, ij).constant.has_value();
        } catch (const Error&) {
            return false;
        }
    };
    for (const auto& [var, by] : writers) {
        if (by.size() != 1 || refused.count(var)) continue;
        const std::string& owner = *by.begin();
        if (!sb.values.at(var).constant) continue;
        if (!uniform_delay(owner == "pre" ? c.delay : c.post_delay)) continue;
        sb.traces[var] = owner;
    }
    // A trace is kept scaled only where pathways alone read it: a clock-driven equation or a
    // sub-expression reads the value stored at the last event, which the scaled form is not.
    for (auto it = sb.decay_rates.begin(); it != sb.decay_rates.end();) {
        bool read_elsewhere = !sb.traces.count(it->first);
        for (const auto& o : sb.eq.odes)
            if (!o.event_driven && expr::depends_on(o.rhs, it->first)) read_elsewhere = true;
        for (const auto& sub : sb.eq.subs)
            if (expr::depends_on(sub.value, it->first)) read_elsewhere = true;
        it = read_elsewhere ? sb.decay_rates.erase(it) : std::next(it);
    }
}

}  // namespace spikegraph::detail
