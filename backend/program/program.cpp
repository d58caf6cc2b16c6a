// The Program's passes, its scalar evaluation and its listing.

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "backend/program/passes.hpp"
#include "backend/program/program.hpp"

namespace spikegraph::program {

const char* op_name(Op op) {
    static const char* names[] = {"copy", "index", "rand", "randn", "neg", "add", "sub", "mul",
                                  "div",  "pow",   "lt",   "le",    "gt",  "ge",  "eq",  "ne",
                                  "and",  "or",    "not",  "fn1",   "fn2", "where", "clip", "muladd",
                                  "noise", "timed_array"};
    return names[static_cast<int>(op)];
}

double evaluate_scalar(const Instr& in, double a, double b, double c) {
    switch (in.op) {
        case Op::copy: return a;
        case Op::neg: return -a;
        case Op::add: return a + b;
        case Op::sub: return a - b;
        case Op::mul: return a * b;
        case Op::div: return a / b;
        case Op::pow: return std::pow(a, b);
        case Op::lt: return a < b;
        case Op::le: return a <= b;
        case Op::gt: return a > b;
        case Op::ge: return a >= b;
        case Op::eq: return a == b;
        case Op::ne: return a != b;
        case Op::land: return (a != 0) && (b != 0);
        case Op::lor: return (a != 0) || (b != 0);
        case Op::lnot: return a == 0;
        case Op::fn1: return in.fn1(a);
        case Op::fn2: return in.fn2(a, b);
        case Op::where: return a != 0 ? b : c;
        case Op::clip: return std::clamp(a, b, std::max(b, c));
        case Op::muladd: return a * b + c;
        case Op::timed_array: return in.array->at(a, b);
        default: return 0;
    }
}

void run_prologue(const Program& program, const double* const* uniforms,
                  std::vector<double>& slots) {
    for (std::size_t k = 0; k < program.uniform_slot.size(); ++k)
        slots[program.uniform_slot[k]] = *uniforms[k];
    for (const auto& in : program.scalar_code) {
        const double a = in.a.type == Operand::Type::none ? 0.0 : slots[in.a.id];
        const double b = in.b.type == Operand::Type::none ? 0.0 : slots[in.b.id];
        const double c = in.c.type == Operand::Type::none ? 0.0 : slots[in.c.id];
        slots[in.dst.id] = evaluate_scalar(in, a, b, c);
    }
}

void eliminate_dead_code(Program& program, std::uint32_t vregs) {
    auto& vector_code = program.vector_code;
    const auto& outputs = program.outputs;
    std::vector<bool> live(vregs, false);
    for (const auto& o : outputs) live[o.id] = true;
    std::vector<Instr> kept;
    for (auto it = vector_code.rbegin(); it != vector_code.rend(); ++it) {
        if (!live[it->dst.id]) continue;
        for (const Operand* o : {&it->a, &it->b, &it->c})
            if (o->type == Operand::Type::reg) live[o->id] = true;
        kept.push_back(*it);
    }
    vector_code.assign(kept.rbegin(), kept.rend());
}

void allocate_registers(Program& program, std::uint32_t vregs) {
    auto& vector_code = program.vector_code;
    auto& outputs = program.outputs;
    const std::size_t n = vector_code.size();
    std::vector<std::size_t> last_use(vregs, 0);
    auto touch = [&](const Operand& o, std::size_t at) {
        if (o.type == Operand::Type::reg) last_use[o.id] = std::max(last_use[o.id], at);
    };
    for (std::size_t k = 0; k < n; ++k) {
        touch(vector_code[k].a, k);
        touch(vector_code[k].b, k);
        touch(vector_code[k].c, k);
    }
    for (const auto& o : outputs) touch(o, n);
    std::vector<std::uint32_t> phys(vregs, 0), free_list;
    std::uint32_t count = 0;
    for (std::size_t k = 0; k < n; ++k) {
        auto& in = vector_code[k];
        std::uint32_t p;
        if (!free_list.empty()) {
            p = free_list.back();
            free_list.pop_back();
        } else {
            p = count++;
        }
        const std::uint32_t v = in.dst.id;
        phys[v] = p;
        std::vector<std::uint32_t> dying;
        for (Operand* o : {&in.a, &in.b, &in.c})
            if (o->type == Operand::Type::reg) {
                const std::uint32_t src = o->id;
                o->id = phys[src];
                if (last_use[src] == k &&
                    std::find(dying.begin(), dying.end(), phys[src]) == dying.end())
                    dying.push_back(phys[src]);
            }
        // Freed after the destination was chosen: a result never aliases its operands.
        free_list.insert(free_list.end(), dying.begin(), dying.end());
        in.dst.id = p;
    }
    for (auto& o : outputs) o.id = phys[o.id];
    program.registers = count;
}

std::string listing(const Program& program) {
    auto name = [&](const Operand& o) -> std::string {
        switch (o.type) {
            case Operand::Type::reg: return fmt::format("r{}", o.id);
            case Operand::Type::scalar: return fmt::format("s{}", o.id);
            case Operand::Type::input: return fmt::format("in{}", o.id);
            default: return "";
        }
    };
    std::string out;
    for (const auto& in : program.scalar_code)
        out += fmt::format("  step:  {} = {} {} {} {}\n", name(in.dst), op_name(in.op), name(in.a),
                           name(in.b), name(in.c));
    for (const auto& in : program.vector_code)
        out += fmt::format("  block: {} = {}{} {} {} {}\n", name(in.dst), op_name(in.op),
                           in.fn_name.empty() ? "" : ":" + in.fn_name, name(in.a), name(in.b),
                           name(in.c));
    return out;
}

}  // namespace spikegraph::program
