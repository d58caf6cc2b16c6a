// The C-source emitter (backend/codegen/): compiled emitted code computes bit for bit what the
// CPU interpreter computes, draws the host's Philox numbers, and is spelled as EmitOptions say.
// Compilation goes through the CPU backend's native compiler; where there is none, the tests
// that need it skip and say so.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/codegen/c_emitter.hpp"
#include "backend/codegen/update_kernel.hpp"
#include "backend/cpu/block_program.hpp"
#include "backend/cpu/native_compiler.hpp"
#include "backend/program/program.hpp"
#include "core/expr.hpp"
#include "core/random.hpp"

namespace spikegraph::codegen {
namespace {

using expr::Kind;
using expr::Ptr;

const std::vector<program::Symbol> k_symbols = {
    {"x", program::Symbol::Kind::varying},
    {"a", program::Symbol::Kind::uniform},
    {"y", program::Symbol::Kind::varying},
    {"b", program::Symbol::Kind::uniform},
};
constexpr std::uint32_t k_object = 0xBEEF01u;
constexpr std::uint64_t k_seed = 0x123456789ull;
constexpr std::int64_t k_step = 17;
constexpr long long k_first = 40;           // index of element 0
constexpr std::uint64_t k_random_base = 5000;
constexpr std::size_t k_n = 700;            // two full blocks of 256 and a partial one
const double k_a = 0.25, k_b = -0.75;

Ptr s(const char* name) { return expr::symbol(name); }
Ptr c(double v) { return expr::constant(v); }
Ptr f(const char* name, std::vector<Ptr> args) { return expr::call(name, std::move(args)); }
Ptr bin(Kind k, Ptr a, Ptr b) { return expr::binary(k, std::move(a), std::move(b)); }

// Every instruction the lowering produces: arithmetic, comparisons, logic, the functions,
// where/clip, x**2 and x**3 as products, the index, rand and randn, uniform operands.
std::vector<Ptr> covering_outputs() {
    return {
        f("where", {bin(Kind::gt, s("x"), s("a")), bin(Kind::mul, f("exp", {expr::neg(s("x"))}), s("y")),
                    f("clip", {s("y"), s("b"), s("a")})}),
        bin(Kind::add, bin(Kind::pow, bin(Kind::add, f("abs", {s("x")}), c(1)), s("y")),
            bin(Kind::mul, f("min", {s("x"), s("y")}), f("max", {s("x"), s("b")}))),
        bin(Kind::logical_or,
            bin(Kind::logical_and, bin(Kind::le, s("x"), s("y")),
                expr::unary(Kind::logical_not, bin(Kind::eq, s("y"), c(0)))),
            bin(Kind::ne, s("x"), s("a"))),
        bin(Kind::sub, bin(Kind::div, f("log", {bin(Kind::add, f("abs", {s("y")}), c(1))}),
                           f("sqrt", {bin(Kind::add, f("abs", {s("x")}), c(2))})),
            bin(Kind::add, bin(Kind::pow, s("x"), c(2)), bin(Kind::pow, s("y"), c(3)))),
        bin(Kind::add, bin(Kind::mul, s("i"), c(0.5)), bin(Kind::ge, s("x"), s("b"))),
        bin(Kind::add, f("tanh", {s("x")}), bin(Kind::sub, f("floor", {s("y")}), f("ceil", {s("x")}))),
        bin(Kind::add, f("rand", {}), bin(Kind::mul, f("randn", {}), s("a"))),
        bin(Kind::lt, bin(Kind::add, s("a"), s("b")), s("x")),
        // Brian's functions that libm lacks (core/math_functions.hpp) or spells differently;
        // x takes the value 0 (exprel's special case), x * 300 exceeds 717 (its infinity).
        bin(Kind::add, bin(Kind::add, f("exprel", {s("x")}), bin(Kind::mul, f("sign", {s("x")}), f("int", {s("y")}))),
            bin(Kind::sub, f("arctan", {s("x")}), f("expm1", {s("y")}))),
        bin(Kind::add, bin(Kind::add, f("log1p", {f("abs", {s("y")})}),
                           bin(Kind::mul, f("arcsin", {bin(Kind::div, s("x"), c(4))}),
                               f("arccos", {bin(Kind::div, s("y"), c(4))}))),
            f("timestep", {f("abs", {s("x")}), f("abs", {s("b")})})),
        f("exprel", {bin(Kind::mul, s("x"), c(300))}),
    };
}

template <class T>
struct Inputs {
    std::vector<T> x, y;
    Inputs() {
        for (std::size_t k = 0; k < k_n; ++k) {
            // Quarters in [-3, 3], some equal to each other, to a or to 0.
            x.push_back(static_cast<T>(static_cast<double>((k * 7) % 25) / 4.0 - 3.0));
            y.push_back(static_cast<T>(static_cast<double>((k * 11) % 23) / 4.0 - 2.75));
        }
    }
};

template <class T>
std::vector<std::vector<T>> interpret(const program::Program& p, const Inputs<T>& in) {
    cpu::BlockProgram<T> bp(p);
    const double* uniforms[] = {&k_a, &k_b};
    bp.prepare_step(uniforms, k_seed, k_step);
    auto scratch = bp.make_scratch();
    std::vector<std::vector<T>> out(p.outputs.size());
    constexpr std::size_t kb = cpu::BlockProgram<T>::k_block;
    for (std::size_t i0 = 0; i0 < k_n; i0 += kb) {
        const std::size_t m = std::min(kb, k_n - i0);
        const T* varying[] = {in.x.data() + i0, in.y.data() + i0};
        bp.run_block(varying, m, k_first + static_cast<std::int64_t>(i0), k_random_base,
                     scratch.data());
        for (std::size_t o = 0; o < out.size(); ++o) {
            const T* r = bp.output(o, varying, scratch.data());
            out[o].insert(out[o].end(), r, r + m);
        }
    }
    return out;
}

template <class T>
using ElementFn = void (*)(const T* const*, T* const*, const T*, long long, long long,
                           unsigned long long, long long, unsigned long long);

// Compiles element_function(p) and runs it over the inputs; nullopt (with the reason) when no
// compiler is available.
template <class T>
std::optional<std::vector<std::vector<T>>> compiled(const program::Program& p, const Inputs<T>& in,
                                                    EmitOptions options, std::string& why) {
    options.real_type = std::is_same_v<T, float> ? "float" : "double";
    const auto fn = reinterpret_cast<ElementFn<T>>(
        cpu::compile_native(element_function(p, "sg_eval", options), "sg_eval", why));
    if (!fn) return std::nullopt;
    cpu::BlockProgram<T> bp(p);  // for its slots after the prologue
    const double* uniforms[] = {&k_a, &k_b};
    bp.prepare_step(uniforms, k_seed, k_step);
    std::vector<std::vector<T>> out(p.outputs.size(), std::vector<T>(k_n));
    std::vector<T*> outs;
    for (auto& o : out) outs.push_back(o.data());
    const T* ins[] = {in.x.data(), in.y.data()};
    fn(ins, outs.data(), bp.slots(), k_first, static_cast<long long>(k_n), k_seed, k_step,
       k_random_base);
    return out;
}

template <class T>
void check_agreement(const EmitOptions& options) {
    const program::Program p = program::lower(covering_outputs(), k_symbols, k_object);
    const Inputs<T> in;
    std::string why;
    const auto native = compiled<T>(p, in, options, why);
    if (!native) GTEST_SKIP() << "no native compiler here: " << why;
    const auto reference = interpret<T>(p, in);
    ASSERT_EQ(native->size(), reference.size());
    for (std::size_t o = 0; o < reference.size(); ++o)
        EXPECT_EQ((*native)[o], reference[o]) << "output " << o;  // exact: same operations
}

TEST(CEmitter, CompiledCodeIsBitwiseEqualToTheInterpreterInDouble) {
    check_agreement<double>(EmitOptions{});
}

TEST(CEmitter, CompiledCodeIsBitwiseEqualToTheInterpreterInFloat) {
    check_agreement<float>(EmitOptions{});
}

TEST(CEmitter, OptionsRespellTheCodeWithoutChangingResults) {
    // Another loop (backwards, over j), other names for the slots and the first index.
    EmitOptions options;
    options.index = "j";
    options.loop = "for (long long j = count - 1; j >= 0; --j)";
    options.slots = "slot";
    options.first_index = "base";
    const program::Program p = program::lower(covering_outputs(), k_symbols, k_object);
    const std::string text = element_function(p, "sg_eval", options);
    EXPECT_NE(text.find("extern \"C\" void sg_eval(const R* const* in, R* const* out, const R* slot, "
                        "long long base,"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("for (long long j = count - 1; j >= 0; --j)"), std::string::npos);
    EXPECT_EQ(text.find("s["), std::string::npos);
    check_agreement<double>(options);
}

TEST(CEmitter, PreludeCarriesTheIncludesAndThePhiloxHeader) {
    EmitOptions options;
    options.includes = {"cmath"};
    const std::string text = draw_prelude(options);
    EXPECT_EQ(text.rfind("#include <cmath>\n", 0), 0u) << "the includes come first";
    EXPECT_EQ(text.find("#include <algorithm>"), std::string::npos);
    EXPECT_NE(text.find("philox4x32_10"), std::string::npos);
    EXPECT_NE(text.find("SPIKEGRAPH_HOST_DEVICE inline double sg_randn("), std::string::npos);
    EXPECT_NE(text.find("SPIKEGRAPH_HOST_DEVICE inline double sg_exprel("), std::string::npos);
    EXPECT_EQ(text.find("#pragma once"), std::string::npos);
}

TEST(CEmitter, EmittedDrawsAreTheHostDraws) {
    const program::Program p = program::lower({f("rand", {}), f("randn", {})}, k_symbols, k_object);
    const Inputs<double> in;
    std::string why;
    const auto native = compiled<double>(p, in, EmitOptions{}, why);
    if (!native) GTEST_SKIP() << "no native compiler here: " << why;
    for (std::size_t j = 0; j < k_n; ++j) {
        const std::uint64_t index = k_random_base + static_cast<std::uint64_t>(k_first) + j;
        const Draw first = draw(k_seed, rng_stream::model, program::draw_object(k_object, 0), index,
                                static_cast<std::uint64_t>(k_step));
        const Draw second = draw(k_seed, rng_stream::model, program::draw_object(k_object, 1),
                                 index, static_cast<std::uint64_t>(k_step));
        ASSERT_EQ((*native)[0][j], first.uniform) << j;
        ASSERT_EQ((*native)[1][j], second.normal) << j;
    }
}

TEST(UpdateKernelSource, SpellsTheRefractoryModeAndTheStateReads) {
    const program::Program p = program::lower(
        {bin(Kind::add, s("x"), s("y")), bin(Kind::gt, s("x"), c(1))}, k_symbols, k_object);
    UpdateKernelSpec spec;
    spec.group = "exc";
    spec.state_count = 1;
    spec.threshold = true;
    spec.varying_state = {0, -1};  // x is the state variable, y an input
    spec.refractory = UpdateKernelSpec::Refractory::mirror;
    spec.refractory_steps = 20;
    const std::string mirror = update_kernel_source(p, spec);
    EXPECT_NE(mirror.find("update of group 'exc'"), std::string::npos);
    EXPECT_NE(mirror.find("const R nr = (R)(since_base >= until[i]);"), std::string::npos);
    EXPECT_NE(mirror.find("until[i0 + k] = since_base + 20;"), std::string::npos);
    EXPECT_NE(mirror.find("st0[i] = o0;"), std::string::npos);
    EXPECT_NE(mirror.find("in1[i]"), std::string::npos);

    spec.refractory = UpdateKernelSpec::Refractory::lastspike;
    const std::string lastspike = update_kernel_source(p, spec);
    EXPECT_NE(lastspike.find("const R nr = (R)((step - last[i]) >= 20);"), std::string::npos);
    EXPECT_EQ(lastspike.find("until[i0 + k]"), std::string::npos);

    spec.refractory = UpdateKernelSpec::Refractory::none;
    spec.threshold = false;
    const std::string plain = update_kernel_source(p, spec);
    EXPECT_EQ(plain.find("nr"), std::string::npos);
    EXPECT_EQ(plain.find("spikes[count++]"), std::string::npos);
}

}  // namespace
}  // namespace spikegraph::codegen
