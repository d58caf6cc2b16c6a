#include "monitors/synapse_state.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <spikegraph/error.hpp>
#include "monitors/manifest.hpp"
#include "monitors/npy_writer.hpp"

namespace spikegraph {

std::vector<std::int64_t> synapse_neurons(const Plan& plan, const SynapseGroupInfo& group,
                                          bool pre, const std::vector<std::int64_t>& synapses) {
    const std::string& var = pre ? group.pre_index_var : group.post_index_var;
    const VariableSpec* spec = plan.find_variable(var);
    if (!spec || spec->init.kind != "data" || !spec->init.data ||
        spec->init.data->size() != group.synapses)
        throw BuildError(fmt::format("connection '{}': its index variable '{}' does not hold one "
                                     "constant value per synapse ({})",
                                     group.name, var, group.synapses));
    const std::vector<double>& local = *spec->init.data;
    const auto begin = static_cast<std::int64_t>(pre ? group.pre_begin : group.post_begin);
    std::vector<std::int64_t> out;
    const auto neuron = [&](std::size_t s) {
        return begin + static_cast<std::int64_t>(std::llround(local[s]));
    };
    if (synapses.empty()) {
        out.reserve(local.size());
        for (std::size_t s = 0; s < local.size(); ++s) out.push_back(neuron(s));
        return out;
    }
    out.reserve(synapses.size());
    for (const std::int64_t s : synapses) {
        if (s < 0 || static_cast<std::size_t>(s) >= local.size())
            throw BuildError(fmt::format("connection '{}': synapse {} is out of range ({} "
                                         "synapses)", group.name, s, local.size()));
        out.push_back(neuron(static_cast<std::size_t>(s)));
    }
    return out;
}

const SynapseGroupInfo& find_synapse_group(const BuildResult& build, const std::string& name) {
    for (const auto& g : build.synapse_groups)
        if (g.name == name) return g;
    throw BuildError(fmt::format("'{}' is not a connection with a synapse model", name));
}

SynapseStateWriter::SynapseStateWriter(SynapseStateInfo state, const SynapseGroupInfo& group,
                                       std::size_t batch)
    : state_(std::move(state)), group_(group), batch_(batch) {
    detail::check_output_name("synapse state name", state_.name);
    for (const auto& name : state_.variables) {
        detail::check_output_name("synapse state '" + state_.name + "': variable", name);
        if (name == "pre" || name == "post")
            throw ConfigError(fmt::format("synapse state '{}': variable '{}' clashes with the "
                                          "file {}.{}.npy of the synapses' neurons; rename it "
                                          "in the model", state_.name, name, state_.name, name));
        const SynapseGroupInfo::Variable* found = nullptr;
        for (const auto& v : group_.variables)
            if (v.name == name) found = &v;
        if (!found)
            throw BuildError(fmt::format("synapse state '{}': connection '{}' has no variable "
                                         "'{}'", state_.name, group_.name, name));
        variables_.push_back(*found);
    }
}

// A shared parameter: one value; a variable of each batch entry (in a run of more than one):
// (batch, synapses); else one value per synapse.
std::vector<std::size_t> SynapseStateWriter::shape_of(const SynapseGroupInfo::Variable& v) const {
    if (v.shared) return {1};
    if (v.batched && batch_ > 1) return {batch_, group_.synapses};
    return {group_.synapses};
}

nlohmann::json SynapseStateWriter::manifest_entries(double t_ms) const {
    const auto entry = [&](const std::string& variable, const std::string& unit,
                           const char* dtype, const std::vector<std::size_t>& shape,
                           nlohmann::json axes, const std::string& meaning) {
        nlohmann::json e;
        e["file"] = state_.name + "." + variable + ".npy";
        e["monitor"] = state_.name;
        e["kind"] = "synapse_state";
        add_place(e, {group_.name, group_.synapses, 0, group_.synapses}, batch_);
        e["connection"] = group_.name;
        e["variable"] = variable;
        e["unit"] = unit;
        e["dtype"] = dtype;
        e["shape"] = shape;
        e["axes"] = std::move(axes);
        e["meaning"] = meaning;
        e["synapses"] = group_.synapses;
        e["t_ms"] = t_ms;
        return e;
    };
    nlohmann::json files = nlohmann::json::array();
    for (const bool pre : {true, false}) {
        const std::string& g = pre ? group_.pre : group_.post;
        nlohmann::json e = entry(pre ? "pre" : "post", "1", "int64", {group_.synapses},
                                 {"synapse"},
                                 fmt::format("{}synaptic neuron of each synapse (CSR order), "
                                             "index in '{}'",
                                             pre ? "pre" : "post", g));
        e["neuron_group"] = g;
        files.push_back(std::move(e));
    }
    for (const auto& v : variables_) {
        const auto shape = shape_of(v);
        nlohmann::json axes = v.shared ? nlohmann::json{"shared"}
                              : shape.size() == 2 ? nlohmann::json{"batch", "synapse"}
                                                  : nlohmann::json{"synapse"};
        nlohmann::json e = entry(
            v.name, v.unit, "float64", shape, std::move(axes),
            v.shared ? "value of " + v.name + ", shared by every synapse, at t_ms"
                     : "value of " + v.name + " of each synapse (CSR order) at t_ms");
        e["shared"] = v.shared;
        e["batched"] = v.batched;
        files.push_back(std::move(e));
    }
    return files;
}

void SynapseStateWriter::write(const std::filesystem::path& dir, const Plan& plan,
                               const VariableReader& read) const {
    const auto file = [&](const std::string& variable) {
        return dir / (state_.name + "." + variable + ".npy");
    };
    for (const bool pre : {true, false}) {
        const std::vector<std::int64_t> neurons = synapse_neurons(plan, group_, pre);
        write_npy(file(pre ? "pre" : "post"), "<i8", {neurons.size()}, neurons.data());
    }
    for (const auto& v : variables_) {
        const auto shape = shape_of(v);
        std::size_t n = 1;
        for (const auto d : shape) n *= d;
        const std::vector<double> values = read(v.var);
        if (values.size() != n)
            throw BuildError(fmt::format("synapse state '{}': variable '{}' holds {} values, not "
                                         "the {} of its shape",
                                         state_.name, v.var, values.size(), n));
        write_npy(file(v.name), "<f8", shape, values.data());
    }
}

std::vector<SynapseStateWriter> synapse_state_writers(const BuildResult& build,
                                                      bool every_connection) {
    std::vector<SynapseStateWriter> writers;
    for (const auto& s : build.synapse_states)
        writers.emplace_back(s, find_synapse_group(build, s.connection), build.plan.batch);
    if (writers.empty() && every_connection)
        for (const auto& g : build.synapse_groups) {
            SynapseStateInfo s{g.name, g.name, {}};
            for (const auto& v : g.variables) s.variables.push_back(v.name);
            writers.emplace_back(std::move(s), g, build.plan.batch);
        }
    return writers;
}

}  // namespace spikegraph
