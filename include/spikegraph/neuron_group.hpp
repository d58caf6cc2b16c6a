#pragma once
// A population of identical neurons running one model.

#include <cstddef>
#include <map>
#include <string>

#include <spikegraph/group_ref.hpp>
#include <spikegraph/neuron_model.hpp>
#include <spikegraph/value_spec.hpp>

namespace spikegraph {

class NeuronGroup {
public:
    NeuronGroup(std::string name, std::size_t size, NeuronModel model)
        : name_(std::move(name)), size_(size), model_(std::move(model)), method_(model_.method) {}

    /// Sets a parameter: a constant ("20 ms") is shared; an expression of `i`, `N`, rand(),
    /// randn(), uniform(a, b), normal(mu, sigma) gives each neuron its own value.
    NeuronGroup& set(const std::string& parameter, ValueSpec value) {
        parameters_[parameter] = std::move(value);
        return *this;
    }
    /// Sets the initial value of a state variable (same forms as `set`; default 0).
    NeuronGroup& init(const std::string& variable, ValueSpec value) {
        initial_[variable] = std::move(value);
        return *this;
    }
    NeuronGroup& method(std::string solver) {
        method_ = std::move(solver);
        return *this;
    }

    /// The slice [begin, end) of this group, for connections and monitors.
    GroupRef slice(std::size_t begin, std::size_t end) const {
        GroupRef r;
        r.group = name_;
        r.begin = begin;
        r.end = end;
        return r;
    }
    GroupRef all() const { return slice(0, size_); }

    const std::string& name() const { return name_; }
    std::size_t size() const { return size_; }
    const NeuronModel& model() const { return model_; }
    const std::string& solver() const { return method_; }
    const std::map<std::string, ValueSpec>& parameters() const { return parameters_; }
    const std::map<std::string, ValueSpec>& initial_values() const { return initial_; }

    TextOrigin origin;  // where the group was declared (config) for error messages
    TextOrigin method_origin;

private:
    std::string name_;
    std::size_t size_;
    NeuronModel model_;
    std::string method_;
    std::map<std::string, ValueSpec> parameters_;
    std::map<std::string, ValueSpec> initial_;
};

}  // namespace spikegraph
