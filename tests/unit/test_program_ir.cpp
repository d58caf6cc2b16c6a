// The backend-neutral program IR (backend/program/): what lowering hoists into the per-step
// prologue, what it folds and shares, the register allocation's promise, and its errors.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "backend/program/program.hpp"
#include <spikegraph/error.hpp>
#include "core/expr.hpp"

namespace spikegraph::program {
namespace {

using expr::Kind;

const std::vector<Symbol> k_symbols = {
    {"x", Symbol::Kind::varying},
    {"a", Symbol::Kind::uniform},
    {"y", Symbol::Kind::varying},
    {"b", Symbol::Kind::uniform},
};

expr::Ptr sym(const char* name) { return expr::symbol(name); }

TEST(ProgramIr, UniformSubtreesAreHoistedIntoThePrologue) {
    // x * (a + b): the sum is the same for every element, so it is computed once per step.
    const Program p =
        lower({expr::binary(Kind::mul, sym("x"), expr::binary(Kind::add, sym("a"), sym("b")))},
              k_symbols, 7);
    ASSERT_EQ(p.scalar_code.size(), 1u);
    EXPECT_EQ(p.scalar_code[0].op, Op::add);
    ASSERT_EQ(p.vector_code.size(), 1u);
    EXPECT_EQ(p.vector_code[0].op, Op::mul);

    std::vector<double> slots = p.slots;
    const double a = 2.0, b = 3.5;
    const double* uniforms[] = {&a, &b};
    run_prologue(p, uniforms, slots);
    EXPECT_EQ(slots[p.uniform_slot[0]], 2.0);
    EXPECT_EQ(slots[p.uniform_slot[1]], 3.5);
    // The per-element multiply reads the input x and the prologue's sum.
    const Instr& mul = p.vector_code[0];
    const Operand& scalar = mul.a.type == Operand::Type::scalar ? mul.a : mul.b;
    ASSERT_EQ(scalar.type, Operand::Type::scalar);
    EXPECT_EQ(slots[scalar.id], 5.5);
}

TEST(ProgramIr, ConstantSubtreesAreFoldedAtLowering) {
    // (2 + 3) * x + y: no prologue, and the slot of the product's factor holds 5.
    const Program p = lower({expr::binary(Kind::add,
                                          expr::binary(Kind::mul,
                                                       expr::binary(Kind::add, expr::constant(2),
                                                                    expr::constant(3)),
                                                       sym("x")),
                                          sym("y"))},
                            k_symbols, 7);
    EXPECT_TRUE(p.scalar_code.empty());
    EXPECT_NE(std::find(p.slots.begin(), p.slots.end(), 5.0), p.slots.end());
}

TEST(ProgramIr, EqualSubtreesAreComputedOnce) {
    // exp(x * y) twice, as separate trees: one product and one exp in the program.
    auto e = [] { return expr::call("exp", {expr::binary(Kind::mul, sym("x"), sym("y"))}); };
    const Program p = lower({e(), e()}, k_symbols, 7);
    const auto count = [&](Op op) {
        return std::count_if(p.vector_code.begin(), p.vector_code.end(),
                             [&](const Instr& in) { return in.op == op; });
    };
    EXPECT_EQ(count(Op::fn1), 1);
    EXPECT_EQ(count(Op::mul), 1);
    ASSERT_EQ(p.outputs.size(), 2u);
    EXPECT_EQ(p.outputs[0].id, p.outputs[1].id);
}

TEST(ProgramIr, EveryRandCallHasItsOwnSiteAndObject) {
    const Program p = lower({expr::binary(Kind::sub, expr::call("rand", {}),
                                          expr::call("rand", {}))},
                            k_symbols, 0x1234u);
    std::vector<std::uint32_t> sites;
    for (const Instr& in : p.vector_code)
        if (in.op == Op::rand) sites.push_back(in.site);
    ASSERT_EQ(sites.size(), 2u);
    EXPECT_NE(sites[0], sites[1]);
    EXPECT_NE(draw_object(p.object, sites[0]), draw_object(p.object, sites[1]));
    EXPECT_EQ(draw_object(p.object, 0), 0x1234u);
}

TEST(ProgramIr, ResultsNeverShareARegisterWithTheirOperands) {
    // A chain long enough for registers to be reused.
    expr::Ptr e = sym("x");
    for (int k = 0; k < 12; ++k)
        e = expr::binary(k % 2 ? Kind::mul : Kind::sub, expr::call("exp", {e}), sym("y"));
    const Program p = lower({e, expr::call("sqrt", {sym("x")})}, k_symbols, 7);
    EXPECT_LT(p.registers, p.vector_code.size());  // registers were reused
    for (const Instr& in : p.vector_code) {
        ASSERT_EQ(in.dst.type, Operand::Type::reg);
        EXPECT_LT(in.dst.id, p.registers);
        for (const Operand* o : {&in.a, &in.b, &in.c})
            if (o->type == Operand::Type::reg) EXPECT_NE(o->id, in.dst.id);
    }
}

TEST(ProgramIr, UnknownSymbolsAndFunctionsAreBuildErrors) {
    EXPECT_THROW(lower({sym("z")}, k_symbols, 7), BuildError);
    EXPECT_THROW(lower({expr::call("frobnicate", {sym("x")})}, k_symbols, 7), BuildError);
}

TEST(ProgramIr, ListingShowsThePrologueAndThePerElementCode) {
    const Program p = lower({expr::binary(Kind::mul, sym("x"), expr::binary(Kind::add, sym("a"),
                                                                             sym("b")))},
                            k_symbols, 7);
    const std::string text = listing(p);
    EXPECT_NE(text.find("step:  s"), std::string::npos) << text;
    EXPECT_NE(text.find("block: r0 = mul"), std::string::npos) << text;
}

}  // namespace
}  // namespace spikegraph::program
