#pragma once
// The Plan: what the Builder hands a Backend. Variables (specs, not memory) and operations in
// their derived execution order. A backend sees only this, never frontend types.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/op_payloads.hpp"
#include <spikegraph/dtype.hpp>
#include "core/expr.hpp"

namespace spikegraph {

enum class Role : std::uint8_t {
    state,      // evolves; stored, restored, reset
    parameter,  // set before the run, read by ops
    temporary,  // recomputed every step
    constant,   // never changes after initial_step (connectivity)
    weight,     // synaptic weights (may be plastic)
};

/// How a variable is filled at initial_step. Random kinds draw from Philox with
/// (seed, rng_stream::init or ::weights, object = hash of the variable name, index = element).
struct Initializer {
    // constant | uniform | normal | xavier_uniform | xavier_normal | kaiming_uniform |
    // kaiming_normal | sparse | expression | data
    std::string kind = "constant";
    std::vector<double> args;                        // value / (lo, hi) / (mu, sigma) / gain...
    expr::Ptr expression;                            // kind == expression (symbols `i`, `N`)
    std::shared_ptr<const std::vector<double>> data; // kind == data (row-major, per element)
};

struct VariableSpec {
    std::string name;                 // qualified: "neurons.v", "exc.weight"
    DType dtype = DType::f64;
    std::vector<std::size_t> shape;   // full shape, batch axis first when `batched`
    bool batched = false;             // leading axis is the batch
    Role role = Role::state;
    Initializer init;
    std::string unit;                 // display unit for output ("mV", "ms", "" = none)

    std::size_t size() const {
        std::size_t n = 1;
        for (auto d : shape) n *= d;
        return n;
    }
};

enum class Read : std::uint8_t {
    now,   // the value written earlier in this step: an edge in the graph
    prev,  // the value at the end of the previous step: no edge
};

struct Input {
    std::string var;
    Read when = Read::now;
};

/// How an op writes a variable. Within one step the writers of a variable run in phases:
/// every `assign` first, then every `accumulate` (commuting, e.g. `ge += w`), then every
/// `modify` (reads the accumulated value and rewrites it, e.g. a reset). Readers that do not
/// write the variable come after all of them.
enum class WriteMode : std::uint8_t { assign, accumulate, modify };

struct Output {
    std::string var;
    WriteMode mode = WriteMode::assign;
};

struct OpSpec {
    std::string name;                 // unique: "neurons.update", "exc.deliver"
    std::string kind;                 // key in the backend's op registry
    std::vector<Input> inputs;
    std::vector<Output> outputs;
    nlohmann::json params;            // simple attributes (numbers, strings, lists)
    OpPayload payload;                // structured attributes of the kind (payload_as<T>)
    std::string owner;                // declaring object ("neurons", "exc")
    bool initial = false;             // runs once at initial_step, not every step
    bool barrier = false;             // host callback: not fusable, not on a GPU
    std::size_t declared = 0;         // declaration index: tie-breaker of the sort
    // Reads redirected to a snapshot ("neurons.v" -> "neurons.v@prev"), set by the builder
    // where a `prev` read would otherwise see a value written earlier in the same step.
    std::map<std::string, std::string> read_redirects;
};

namespace detail {
/// @throws BuildError naming the op, its kind, the payload it carries and the one expected.
[[noreturn]] void throw_payload_mismatch(const OpSpec& op, std::size_t expected_index);
}  // namespace detail

/// The payload of `op` as a `T` (one of OpPayload's types): what a backend's factory for the
/// op's kind reads. @throws BuildError naming the op and its kind when it carries another payload.
template <class T>
const T& payload_as(const OpSpec& op) {
    if (const T* p = std::get_if<T>(&op.payload)) return *p;
    detail::throw_payload_mismatch(op, OpPayload(std::in_place_type<T>).index());
}

/// A copy of a variable taken at the start of each step, made where a `prev` read would
/// otherwise see a value already written this step.
struct Snapshot {
    std::string var;       // the variable
    std::string snapshot;  // the copy's variable name ("neurons.v@prev")
};

struct Plan {
    Precision precision = Precision::f64;
    double dt_ms = 0.1;
    std::size_t batch = 1;
    std::uint64_t seed = 1;
    std::vector<VariableSpec> variables;
    std::vector<Snapshot> snapshots;  // taken before the first op of every step
    std::vector<OpSpec> initial_ops;  // in execution order
    std::vector<OpSpec> ops;          // per-step ops in execution order

    const VariableSpec* find_variable(const std::string& name) const {
        for (const auto& v : variables)
            if (v.name == name) return &v;
        return nullptr;
    }
};

}  // namespace spikegraph
