#pragma once
// The symbols of a neuron op's equations bound to the workspace: what its block programs read.

#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backend/cpu/workspace.hpp"
#include "backend/program/program.hpp"
#include "builder/op_payloads.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::cpu {

// At most this many per-neuron arrays (inputs plus state, plus one for `i` or `not_refractory`)
// per group: the kernels keep their pointers in fixed arrays on the stack.
constexpr std::size_t k_max_varying = k_max_per_neuron_symbols + 1;

template <class T>
struct BoundSymbols {
    std::vector<program::Symbol> symbols;  // for BlockProgram
    std::vector<const T*> varying_base;     // per varying symbol: base pointer
    std::vector<std::size_t> varying_stride;// per batch entry (0: shared by the batch)
    std::vector<const T*> uniform_src;      // shared parameters
    std::vector<double> uniform_values;     // their values this step, then t, dt
};

template <class T>
BoundSymbols<T> bind_symbols(const std::vector<SymbolBinding>& bindings, Workspace& ws,
                             std::size_t n, bool with_time, const std::string& extra_varying) {
    BoundSymbols<T> b;
    for (const auto& s : bindings) {
        Buffer& buf = ws.buffer(s.var);
        if (s.source == SymbolBinding::Source::shared) {
            b.symbols.push_back({s.symbol, program::Symbol::Kind::uniform});
            b.uniform_src.push_back(buf.as<T>());
        } else {
            b.symbols.push_back({s.symbol, program::Symbol::Kind::varying});
            b.varying_base.push_back(buf.as<T>());
            b.varying_stride.push_back(s.source == SymbolBinding::Source::state ? n : 0);
        }
    }
    if (!extra_varying.empty()) b.symbols.push_back({extra_varying, program::Symbol::Kind::varying});
    if (b.varying_base.size() + 1 > k_max_varying)
        throw BuildError(fmt::format("a group's equations use {} per-neuron variables; at most {} "
                                     "are supported", b.varying_base.size(), k_max_varying - 1));
    if (with_time) {
        b.symbols.push_back({"t", program::Symbol::Kind::uniform});
        b.symbols.push_back({"dt", program::Symbol::Kind::uniform});
    }
    b.uniform_values.resize(b.uniform_src.size() + (with_time ? 2 : 0));
    return b;
}

}  // namespace spikegraph::cpu
