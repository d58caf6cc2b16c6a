// The sections that declare neurons: `simulation`, `models` and `groups`.

#include "frontend/yaml/loader.hpp"

#include <limits>
#include <utility>

#include <fmt/format.h>

#include <spikegraph/model_library.hpp>
#include "core/text.hpp"
#include "core/time_steps.hpp"

namespace spikegraph::detail::yaml_loader {

void Loader::read_simulation(const YAML::Node& sim) {
    const std::string path = "simulation";
    check_keys(sim, path,
               {"dt", "duration", "seed", "precision", "batch", "threads", "backend"});
    SimulationSettings& s = net_.settings;
    if (const auto n = sim["dt"]) s.dt_ms = time_ms(n, "simulation.dt", true, "0.1 ms");
    if (const auto n = sim["duration"]) {
        s.duration_ms = time_ms(n, "simulation.duration", true, "1 s");
        // Here, not only when the run starts, so that `validate` refuses it too.
        const std::string why = steps_problem(s.duration_ms, s.dt_ms, k_max_steps, "duration");
        if (!why.empty()) fail(n, "simulation.duration", why);
    }
    if (const auto n = sim["seed"]) s.seed = integer(n, "simulation.seed", 0, "seed: 1");
    if (const auto n = sim["precision"])
        s.precision = choice(n, "simulation.precision", "precision", {"double", "float"}) == "float"
                          ? Precision::f32
                          : Precision::f64;
    if (const auto n = sim["batch"]) s.batch = integer(n, "simulation.batch", 1, "batch: 1");
    if (const auto n = sim["threads"])
        s.threads = static_cast<int>(integer(n, "simulation.threads", 0,
                                             "threads: 4, or 0 for every core",
                                             static_cast<std::uint64_t>(k_max_threads)));
    if (const auto n = sim["backend"]) s.backend = identifier(n, "simulation.backend");
}

void Loader::read_models(const YAML::Node& models) {
    for (const auto& [key, node] : entries(models, "models")) {
        const std::string name = key.Scalar();
        const std::string path = child("models", name);
        expect_mapping(key, node, path, "{equations: \"dv/dt = -v / tau : volt\"}");
        check_keys(node, path, {"equations", "threshold", "reset", "refractory", "method",
                                "parameters", "description"});
        NeuronModel m;
        m.name = name;
        const auto eq = required(node, path, "equations",
                                 "the model's differential equations, e.g. equations: "
                                 "\"dv/dt = -v / tau : volt\"");
        m.equations = scalar(eq, child(path, "equations"));
        m.equations_origin = origin(eq, child(path, "equations"), true);
        m.threshold_origin = m.reset_origin = origin(node, path);
        if (const auto n = node["threshold"]) {
            m.threshold = scalar(n, child(path, "threshold"));
            m.threshold_origin = origin(n, child(path, "threshold"), true);
        }
        if (const auto n = node["reset"]) {
            m.reset = scalar(n, child(path, "reset"));
            m.reset_origin = origin(n, child(path, "reset"), true);
        }
        if (const auto n = node["refractory"]) m.refractory = value(n, child(path, "refractory"));
        if (const auto n = node["method"]) {
            m.method = identifier(n, child(path, "method"));
            m.method_origin = origin(n, child(path, "method"), true);
        }
        if (const auto n = node["description"]) m.description = scalar(n, child(path, "description"));
        const std::string params = child(path, "parameters");
        for (const auto& [p, v] : entries(node["parameters"], params))
            m.parameters[p.Scalar()] = value(v, child(params, p.Scalar()));
        net_.models[name] = std::move(m);
    }
}

void Loader::read_groups(const YAML::Node& groups) {
    const auto list = entries(groups, "groups", false);
    if (list.empty())
        fail(groups, "groups", "expected at least one group, e.g. neurons: {size: 100, "
                               "model: lif}");
    for (const auto& [key, node] : list) {
        const std::string name = key.Scalar();
        const std::string path = child("groups", name);
        check_new_name(key, path);
        expect_mapping(key, node, path, "{size: 100, model: lif}");
        check_keys(node, path, {"size", "model", "method", "parameters", "init"});
        const std::size_t size = count(
            required(node, path, "size", "the number of neurons, e.g. size: 100"),
            child(path, "size"), 1, "size: 100");
        const auto model_node =
            required(node, path, "model", "the neuron model, e.g. model: lif");
        const NeuronModel& model = find_model(model_node, child(path, "model"));
        NeuronGroup& g = net_.add_group(name, size, model);
        g.origin = origin(node, path);
        // Without its own method the group uses the model's, and errors point there.
        g.method_origin = g.model().method_origin.key.empty() ? g.origin : g.model().method_origin;
        if (const auto n = node["method"]) {
            g.method(identifier(n, child(path, "method")));
            g.method_origin = origin(n, child(path, "method"), true);
        }
        const std::string params = child(path, "parameters");
        for (const auto& [p, v] : entries(node["parameters"], params))
            g.set(p.Scalar(), value(v, child(params, p.Scalar())));
        const std::string init = child(path, "init");
        for (const auto& [var, v] : entries(node["init"], init))
            g.init(var.Scalar(), value(v, child(init, var.Scalar())));
    }
}

const NeuronModel& Loader::find_model(const YAML::Node& n, const std::string& path) const {
    const std::string name = scalar(n, path);
    if (const auto it = net_.models.find(name); it != net_.models.end()) return it->second;
    if (has_library_model(name)) return library_model(name);
    Names names = library_model_names();
    for (const auto& [user, m] : net_.models) names.push_back(user);
    fail(n, path, fmt::format("unknown model '{}'; {}", detail::quote_input(name),
                              hint(name, names, "define it under `models:` or use one of")));
}

}  // namespace spikegraph::detail::yaml_loader
