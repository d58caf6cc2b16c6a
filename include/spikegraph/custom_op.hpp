#pragma once
// A user operation placed into the network's step: its kind is looked up in the op registry
// (register_op), what it reads and writes orders it among the built-in ops, like any other op.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spikegraph {

/// A variable a custom op owns (e.g. an accumulator), created with a constant initial value.
struct CustomVariable {
    std::string name;                  // qualified: "counter.total"
    std::vector<std::size_t> shape;    // full shape
    bool real = true;                  // the simulation's precision; false: int64
    double initial = 0.0;
    std::string unit;
};

struct CustomOp {
    std::string name;  // unique op name
    std::string kind;  // registered with register_op
    struct Access {
        std::string var;
        bool now = true;            // reads: now (edge) or prev
        std::string mode = "assign";  // writes: assign | accumulate | modify
    };
    std::vector<Access> reads;
    std::vector<Access> writes;
    nlohmann::json params;
    std::vector<CustomVariable> variables;
};

}  // namespace spikegraph
