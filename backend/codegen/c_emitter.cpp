#include "backend/codegen/c_emitter.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/expr_eval.hpp"
#include "core/random.hpp"
#include <spikegraph/error.hpp>
#include "core/timed_array.hpp"
#include "spikegraph/philox_source.hpp"

namespace spikegraph::codegen {

using program::Op;
using program::Operand;

namespace {

// The C++ spelling of a function call instruction: core's table names the very function the
// interpreter calls (std::expm1, spikegraph::sg_exprel of core/math_functions.hpp, ...).
std::string c_function(const program::Instr& in) {
    const expr::FunctionInfo* f = expr::find_function(in.fn_name);
    if (!f || f->c_name.empty())
        throw BuildError(fmt::format("the code generator has no C spelling of '{}'", in.fn_name));
    return std::string(f->c_name);
}

}  // namespace

std::string element_statements(const program::Program& program,
                               const std::vector<std::string>& varying, const EmitOptions& options,
                               std::vector<std::string>* truth) {
    const std::string& real = options.real_type;
    std::vector<std::string> reg_name(std::max<std::size_t>(program.registers, 1));
    // Per register: a bool expression equal to `register != 0`, when it is a comparison.
    std::vector<std::string> reg_truth(reg_name.size());
    auto truth_of = [&](const Operand& o) {
        return o.type == Operand::Type::reg ? reg_truth[o.id] : std::string();
    };
    auto operand = [&](const Operand& o) -> std::string {
        switch (o.type) {
            case Operand::Type::reg: return reg_name[o.id];
            case Operand::Type::scalar: return fmt::format("{}[{}]", options.slots, o.id);
            case Operand::Type::input: return varying.at(o.id);
            default: return "0";
        }
    };
    std::string out;
    std::size_t k = 0;
    for (const auto& in : program.vector_code) {
        const std::string a = operand(in.a), b = operand(in.b), c = operand(in.c);
        std::string e, t;
        switch (in.op) {
            case Op::lt: t = fmt::format("({} < {})", a, b); break;
            case Op::le: t = fmt::format("({} <= {})", a, b); break;
            case Op::gt: t = fmt::format("({} > {})", a, b); break;
            case Op::ge: t = fmt::format("({} >= {})", a, b); break;
            case Op::eq: t = fmt::format("({} == {})", a, b); break;
            case Op::ne: t = fmt::format("({} != {})", a, b); break;
            case Op::land:
            case Op::lor:
                if (!truth_of(in.a).empty() && !truth_of(in.b).empty())
                    t = fmt::format("({} {} {})", truth_of(in.a), in.op == Op::land ? "&" : "|",
                                    truth_of(in.b));
                break;
            case Op::copy: t = truth_of(in.a); break;
            default: break;
        }
        switch (in.op) {
            case Op::copy: e = a; break;
            case Op::index: e = fmt::format("({})({} + {})", real, options.first_index, options.index); break;
            case Op::rand:
            case Op::randn:
                e = fmt::format("({})sg_{}(seed, {}u, random_base + (unsigned long long)({} + {}), step)",
                                real, in.op == Op::randn ? "randn" : "rand",
                                program::draw_object(program.object, in.site), options.first_index,
                                options.index);
                break;
            case Op::noise:
                e = fmt::format("({})sg_noise(seed, {}u, random_base + (unsigned long long)({} + {}), step)",
                                real, program::noise_object(program.object, in.site),
                                options.first_index, options.index);
                break;
            case Op::neg: e = fmt::format("-{}", a); break;
            case Op::lnot: e = fmt::format("({1})({0} == ({1})0)", a, real); break;
            case Op::fn1: e = fmt::format("({})({}((double){}))", real, c_function(in), a); break;
            case Op::fn2:
                e = fmt::format("({})({}((double){}, (double){}))", real, c_function(in), a, b);
                break;
            case Op::add: e = fmt::format("{} + {}", a, b); break;
            case Op::sub: e = fmt::format("{} - {}", a, b); break;
            case Op::mul: e = fmt::format("{} * {}", a, b); break;
            case Op::div: e = fmt::format("{} / {}", a, b); break;
            case Op::pow: e = fmt::format("({})std::pow({}, {})", real, a, b); break;
            case Op::lt: e = fmt::format("({})({} < {})", real, a, b); break;
            case Op::le: e = fmt::format("({})({} <= {})", real, a, b); break;
            case Op::gt: e = fmt::format("({})({} > {})", real, a, b); break;
            case Op::ge: e = fmt::format("({})({} >= {})", real, a, b); break;
            case Op::eq: e = fmt::format("({})({} == {})", real, a, b); break;
            case Op::ne: e = fmt::format("({})({} != {})", real, a, b); break;
            case Op::land: e = fmt::format("({0})(({1} != ({0})0) & ({2} != ({0})0))", real, a, b); break;
            case Op::lor: e = fmt::format("({0})(({1} != ({0})0) | ({2} != ({0})0))", real, a, b); break;
            case Op::where: e = fmt::format("({} != ({})0 ? {} : {})", a, real, b, c); break;
            case Op::clip: e = fmt::format("std::min(std::max({0}, {1}), std::max({1}, {2}))", a, b, c); break;
            case Op::muladd: e = fmt::format("{} * {} + {}", a, b, c); break;
            case Op::timed_array: {
                const TimedArray& ta = *in.array;
                const std::string data =
                    options.arrays.empty()
                        ? fmt::format("((const double*){:#x}ULL)",
                                      reinterpret_cast<std::uintptr_t>(ta.values))
                        : fmt::format("{}[{}]", options.arrays, in.array_index);
                e = fmt::format("({})sg_timed_array({}, {}LL, {}LL, {:a}, {:a}, {:a}, (double){}, "
                                "(double){})",
                                real, data, ta.rows, ta.columns, ta.epsilon_ms, ta.upsampling,
                                ta.scale, a, in.b.type == Operand::Type::none ? "0" : b);
                break;
            }
        }
        const std::string name = fmt::format("t{}", k++);
        out += fmt::format("        const {} {} = {};\n", real, name, e);
        reg_name[in.dst.id] = name;
        reg_truth[in.dst.id] = t;
    }
    for (std::size_t o = 0; o < program.outputs.size(); ++o) {
        out += fmt::format("        const {} o{} = {};\n", real, o, reg_name[program.outputs[o].id]);
        if (truth) {
            const std::string& t = reg_truth[program.outputs[o].id];
            truth->push_back(t.empty() ? fmt::format("(o{} != ({})0)", o, real) : t);
        }
    }
    return out;
}

std::string draw_prelude(const EmitOptions& options) {
    std::string out;
    for (const auto& h : options.includes) out += fmt::format("#include <{}>\n", h);
    // The header's own include guard means nothing in a translation unit of its own.
    for (std::string source : {std::string(k_philox_source), std::string(k_math_source)}) {
        if (auto at = source.find("#pragma once\n"); at != std::string::npos) source.erase(at, 13);
        out += source;
    }
    out += fmt::format(
        "SPIKEGRAPH_HOST_DEVICE inline double sg_rand(unsigned long long seed, unsigned int object,\n"
        "    unsigned long long index, long long step) {{\n"
        "    return spikegraph::uniform01(seed, {0}u, object, index, (unsigned long long)step);\n"
        "}}\n"
        "SPIKEGRAPH_HOST_DEVICE inline double sg_randn(unsigned long long seed, unsigned int object,\n"
        "    unsigned long long index, long long step) {{\n"
        "    return spikegraph::draw(seed, {0}u, object, index, (unsigned long long)step).normal;\n"
        "}}\n"
        "SPIKEGRAPH_HOST_DEVICE inline double sg_noise(unsigned long long seed, unsigned int object,\n"
        "    unsigned long long index, long long step) {{\n"
        "    return spikegraph::draw(seed, {1}u, object, index, (unsigned long long)step).normal;\n"
        "}}\n",
        rng_stream::model, rng_stream::noise);
    out += timed_array_source();
    return out;
}

std::string element_function(const program::Program& program, const std::string& name,
                             const EmitOptions& options) {
    std::vector<std::string> varying;
    std::size_t inputs = 0;
    for (const auto& in : program.vector_code)
        for (const Operand* o : {&in.a, &in.b, &in.c})
            if (o->type == Operand::Type::input)
                inputs = std::max<std::size_t>(inputs, o->id + 1);
    for (std::size_t k = 0; k < inputs; ++k)
        varying.push_back(fmt::format("in[{}][{}]", k, options.index));
    std::string out = draw_prelude(options);
    out += fmt::format(
        "using R = {};\n"
        "{} void {}(const R* const* in, R* const* out, const R* {}, long long {},\n"
        "    long long count, unsigned long long seed, long long step,\n"
        "    unsigned long long random_base) {{\n"
        "    {} {{\n",
        options.real_type, options.qualifier, name, options.slots, options.first_index,
        options.loop);
    EmitOptions inner = options;
    inner.real_type = "R";
    out += element_statements(program, varying, inner);
    for (std::size_t o = 0; o < program.outputs.size(); ++o)
        out += fmt::format("        out[{}][{}] = o{};\n", o, options.index, o);
    return out + "    }\n}\n";
}

}  // namespace spikegraph::codegen
