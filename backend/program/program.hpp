#pragma once
// The program IR: expression trees lowered to a flat register program, backend-neutral.
//
// A group's update (all ODE terms, the threshold, the refractory flag) becomes one Program.
// Sub-trees that are the same for every element (constants, shared parameters, t, dt) are
// hoisted into a scalar prologue run once per step on the host; identical sub-trees are
// computed once (CSE); the rest is per-element code over virtual registers, mapped onto as few
// registers as their lifetimes allow. A backend runs the per-element code its own way: the CPU
// interprets it over blocks (backend/cpu/block_program.hpp) or compiles the C source that
// backend/codegen/ emits from it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/expr.hpp"
#include "core/timed_array.hpp"

namespace spikegraph::program {

/// How a symbol reaches the program.
struct Symbol {
    enum class Kind : std::uint8_t {
        varying,  // one value per element: the caller passes a pointer per block
        uniform,  // one value for all elements: the caller passes a pointer read once per step
        noise,    // white noise: a standard normal draw per element and step (see noise_object)
    };
    std::string name;
    Kind kind = Kind::varying;
};

enum class Op : std::uint8_t {
    copy, index, rand, randn, neg, add, sub, mul, div, pow, lt, le, gt, ge, eq, ne,
    land, lor, lnot, fn1, fn2, where, clip, muladd, noise,
    timed_array,  // a = time [ms], b = column (2-D arrays): Instr::array at (a, b)
};

/// The instruction's name in listings.
const char* op_name(Op op);

struct Operand {
    enum class Type : std::uint8_t {
        none,
        reg,     // a register of the per-element code
        scalar,  // a slot: constant, uniform input or prologue result
        input,   // the k-th varying symbol
    };
    Type type = Type::none;
    std::uint32_t id = 0;
    bool vector() const { return type == Type::reg || type == Type::input; }
};

using Fn1 = double (*)(double);
using Fn2 = double (*)(double, double);

struct Instr {
    Op op = Op::copy;
    Operand dst, a, b, c;
    Fn1 fn1 = nullptr;  // the host function of fn1/fn2, for interpreters and constant folding
    Fn2 fn2 = nullptr;
    std::string fn_name;     // its name in the expression language (exp, log, pow, min, ...)
    std::uint32_t site = 0;  // rand/randn call site; noise: object_hash of the noise's name
    // timed_array: the array (shared, never copied) and its index in Program::arrays.
    std::shared_ptr<const TimedArray> array;
    std::uint32_t array_index = 0;
};

/// rand()/randn() at call site `site` draw from Philox with this `object` word
/// (core/philox.hpp; stream rng_stream::model), so that every call draws its own numbers.
inline std::uint32_t draw_object(std::uint32_t object, std::uint32_t site) {
    return object ^ (site * 0x27D4EB2Du);
}

/// A noise symbol (Symbol::Kind::noise) draws its standard normal from Philox with this
/// `object` word (stream rng_stream::noise), `noise` being object_hash of its name: keyed by
/// (seed, group, noise name, element, step), so one name is one draw per element and step
/// wherever it appears, and distinct names are independent.
inline std::uint32_t noise_object(std::uint32_t object, std::uint32_t noise) {
    return object ^ (noise * 0x165667B1u);
}

struct Program {
    std::vector<double> slots;                // initial slot values (constants; 0 elsewhere)
    std::vector<std::uint32_t> uniform_slot;  // uniform input k -> its slot
    std::vector<Instr> scalar_code;           // the prologue, once per step
    std::vector<Instr> vector_code;           // per element, in order
    std::vector<Operand> outputs;             // always registers
    std::size_t registers = 0;                // after register allocation
    std::uint32_t object = 0;                 // the program's Philox object word
    // The timed arrays the per-element code reads (Instr::array_index); a backend hands their
    // data to compiled code as an array of pointers.
    std::vector<std::shared_ptr<const TimedArray>> arrays;
};

/// Lowers `outputs` over `symbols`. `i` (element index) is always available; rand()/randn()
/// draw per element (see draw_object), noise symbols once per element (see noise_object). @throws BuildError for a symbol that is not in
/// `symbols` or an unknown function.
Program lower(const std::vector<expr::Ptr>& outputs, const std::vector<Symbol>& symbols,
              std::uint32_t object);

/// One instruction on scalars, in double: the prologue's arithmetic and constant folding.
double evaluate_scalar(const Instr& in, double a, double b, double c);

/// Runs the prologue: writes the uniforms into their slots, then the scalar code.
/// `uniforms[k]` points at the value of the k-th uniform symbol; `slots` starts as a copy of
/// `program.slots` and keeps its size.
void run_prologue(const Program& program, const double* const* uniforms,
                  std::vector<double>& slots);

/// The program as text, one instruction a line (for --print-schedule and debugging).
std::string listing(const Program& program);

}  // namespace spikegraph::program
