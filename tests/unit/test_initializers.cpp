// Initializers and the host expression evaluator.
//
// Statistical checks use 100000 elements and accept a deviation of 5 standard errors: a false
// failure has probability below 1e-6 per check, while a wrong scale or offset (a few percent)
// is far outside. The draws are deterministic, so a passing check passes on every run.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "backend/cpu/buffer.hpp"
#include "builder/initializers.hpp"
#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"

namespace spikegraph {
namespace {

using Shape = std::vector<std::size_t>;
using Values = std::vector<double>;

VariableSpec make_spec(const std::string& name, Shape shape, const std::string& kind,
                       Values args = {}, DType dtype = DType::f64) {
    VariableSpec s;
    s.name = name;
    s.shape = std::move(shape);
    s.dtype = dtype;
    s.init.kind = kind;
    s.init.args = std::move(args);
    return s;
}

VariableSpec expression_spec(const std::string& name, Shape shape, expr::Ptr e,
                             bool batched = false) {
    VariableSpec s = make_spec(name, std::move(shape), "expression");
    s.init.expression = std::move(e);
    s.batched = batched;
    return s;
}

Values init_values(const VariableSpec& spec, std::uint64_t seed = 7) {
    cpu::Buffer buffer(spec.dtype, spec.size());
    initialize(HostArray{buffer.raw(), buffer.type(), buffer.size()}, spec, seed);
    Values out(buffer.size());
    for (std::size_t k = 0; k < out.size(); ++k) {
        switch (spec.dtype) {
            case DType::f32: out[k] = buffer.as<float>()[k]; break;
            case DType::f64: out[k] = buffer.as<double>()[k]; break;
            case DType::i32: out[k] = buffer.as<std::int32_t>()[k]; break;
            case DType::i64: out[k] = static_cast<double>(buffer.as<std::int64_t>()[k]); break;
            case DType::u8: out[k] = buffer.as<std::uint8_t>()[k]; break;
        }
    }
    return out;
}

std::string build_error(const VariableSpec& spec) {
    try {
        init_values(spec);
    } catch (const BuildError& e) {
        return e.what();
    }
    return "";
}

struct Moments {
    double mean, sd;
};

Moments moments(const Values& v) {
    double m = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return {m, std::sqrt(s / static_cast<double>(v.size() - 1))};
}

// Checks mean and standard deviation against a distribution with standard deviation `sd` and
// kurtosis `kurtosis`: SE(mean) = sd / sqrt(n), SE(sd) ~ sd sqrt((kurtosis - 1) / (4 n)).
void expect_moments(const Values& v, double mean, double sd, double kurtosis) {
    const double n = static_cast<double>(v.size());
    const Moments m = moments(v);
    EXPECT_NEAR(m.mean, mean, 5 * sd / std::sqrt(n));
    EXPECT_NEAR(m.sd, sd, 5 * sd * std::sqrt((kurtosis - 1) / (4 * n)));
}

constexpr std::size_t k_n = 100000;

TEST(Initializers, ConstantFillsEveryElement) {
    EXPECT_EQ(init_values(make_spec("g.v", {2, 3}, "constant", {-65.0})), Values(6, -65.0));
    EXPECT_EQ(init_values(make_spec("g.v", {4}, "constant")), Values(4, 0.0));
    EXPECT_EQ(init_values(make_spec("g.v", {3}, "constant", {1.5}, DType::f32)), Values(3, 1.5));
}

TEST(Initializers, IntegerDtypesAreRounded) {
    EXPECT_EQ(init_values(make_spec("g.n", {3}, "constant", {2.6}, DType::i32)), Values(3, 3.0));
    EXPECT_EQ(init_values(make_spec("g.n", {2}, "constant", {-2.4}, DType::i64)), Values(2, -2.0));
    EXPECT_EQ(init_values(make_spec("g.s", {2}, "constant", {1.0}, DType::u8)), Values(2, 1.0));
    const std::string msg = build_error(make_spec("g.s", {2}, "constant", {300.0}, DType::u8));
    EXPECT_NE(msg.find("'g.s'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("300"), std::string::npos) << msg;
}

TEST(Initializers, UniformHasTheRightRangeAndMoments) {
    const double lo = -2.0, hi = 3.0;
    const Values v = init_values(make_spec("g.v", {k_n}, "uniform", {lo, hi}));
    EXPECT_GE(*std::min_element(v.begin(), v.end()), lo);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), hi);
    expect_moments(v, (lo + hi) / 2, (hi - lo) / std::sqrt(12.0), 1.8);
}

TEST(Initializers, NormalHasTheRightMoments) {
    const Values v = init_values(make_spec("g.v", {k_n}, "normal", {-60.0, 4.0}));
    expect_moments(v, -60.0, 4.0, 3.0);
}

TEST(Initializers, UniformDrawsFromTheDocumentedCounter) {
    // Element e takes draw k = 0 of (seed, stream, object_hash(name), e): init stream for
    // state, weights stream for weights.
    VariableSpec spec = make_spec("g.v", {5}, "uniform", {0.0, 1.0});
    const std::uint32_t object = object_hash("g.v");
    Values v = init_values(spec, 11);
    for (std::size_t e = 0; e < 5; ++e)
        EXPECT_EQ(v[e], draw(11, rng_stream::init, object, e, 0).uniform);
    spec.role = Role::weight;
    v = init_values(spec, 11);
    for (std::size_t e = 0; e < 5; ++e)
        EXPECT_EQ(v[e], draw(11, rng_stream::weights, object, e, 0).uniform);
}

TEST(Initializers, SeedAndNameSelectTheNumbers) {
    const VariableSpec a = make_spec("g.v", {1000}, "normal", {0.0, 1.0});
    VariableSpec b = a;
    b.name = "h.v";
    EXPECT_EQ(init_values(a, 1), init_values(a, 1));
    EXPECT_NE(init_values(a, 1), init_values(a, 2));
    EXPECT_NE(init_values(a, 1), init_values(b, 1));
}

TEST(Initializers, ValuesDoNotDependOnTheThreadCount) {
    VariableSpec spec = make_spec("g.w", {300, 400}, "sparse", {0.3, 1.0});
    spec.role = Role::weight;
    const VariableSpec normal = make_spec("g.v", {k_n}, "normal", {0.0, 1.0});
    std::vector<Values> runs;
    for (int threads : {1, 2, 4}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        Values v = init_values(spec);
        const Values n = init_values(normal);
        v.insert(v.end(), n.begin(), n.end());
        runs.push_back(std::move(v));
    }
    EXPECT_EQ(runs[0], runs[1]);
    EXPECT_EQ(runs[0], runs[2]);
}

TEST(Initializers, XavierUniformStaysWithinTheGlorotBound) {
    const std::size_t fan_in = 200, fan_out = 500;
    for (double gain : {1.0, 2.0}) {
        const Values v =
            init_values(make_spec("c.w", {fan_in, fan_out}, "xavier_uniform", {gain}));
        const double bound = gain * std::sqrt(6.0 / (fan_in + fan_out));
        double max_abs = 0;
        for (double x : v) max_abs = std::max(max_abs, std::abs(x));
        EXPECT_LE(max_abs, bound);
        EXPECT_GT(max_abs, 0.99 * bound);  // 100000 draws reach the edge
        expect_moments(v, 0.0, bound / std::sqrt(3.0), 1.8);
    }
    // The gain defaults to 1.
    const Values v = init_values(make_spec("c.w", {fan_in, fan_out}, "xavier_uniform"));
    double max_abs = 0;
    for (double x : v) max_abs = std::max(max_abs, std::abs(x));
    EXPECT_LE(max_abs, std::sqrt(6.0 / (fan_in + fan_out)));
}

TEST(Initializers, XavierAndKaimingNormalScales) {
    const std::size_t fan_in = 250, fan_out = 400;
    expect_moments(init_values(make_spec("c.w", {fan_in, fan_out}, "xavier_normal")), 0.0,
                   std::sqrt(2.0 / (fan_in + fan_out)), 3.0);
    expect_moments(init_values(make_spec("c.w", {fan_in, fan_out}, "kaiming_normal")), 0.0,
                   std::sqrt(2.0 / fan_in), 3.0);
    const Values ku = init_values(make_spec("c.w", {fan_in, fan_out}, "kaiming_uniform", {1.0}));
    const double bound = std::sqrt(3.0 / fan_in);
    for (double x : ku) ASSERT_LE(std::abs(x), bound);
    expect_moments(ku, 0.0, bound / std::sqrt(3.0), 1.8);
    EXPECT_NE(build_error(make_spec("c.w", {fan_in}, "xavier_uniform")).find("[pre, post]"),
              std::string::npos);
}

TEST(Initializers, SparseZeroesExactlyRoundSRowsPerColumn) {
    const std::size_t rows = 37, cols = 50;
    const double s = 0.3;
    const std::size_t zeros = static_cast<std::size_t>(std::llround(s * rows));  // 11
    const VariableSpec spec = make_spec("c.w", {rows, cols}, "sparse", {s, 0.5});
    const Values v = init_values(spec);
    std::vector<Values> rows_of_zeros;
    for (std::size_t c = 0; c < cols; ++c) {
        std::size_t count = 0;
        for (std::size_t r = 0; r < rows; ++r) count += v[r * cols + c] == 0.0;
        EXPECT_EQ(count, zeros) << "column " << c;
    }
    // Which rows are zero differs between columns: the choice is random, not a pattern.
    std::size_t differing = 0;
    for (std::size_t r = 0; r < rows; ++r)
        differing += (v[r * cols] == 0.0) != (v[r * cols + 1] == 0.0);
    EXPECT_GT(differing, 0u);
    EXPECT_EQ(init_values(spec), v);
    EXPECT_NE(build_error(make_spec("c.w", {rows, cols}, "sparse", {1.0})), "");
}

TEST(Initializers, ExpressionWithRandStaysInItsRange) {
    using namespace expr;
    const Ptr e = binary(Kind::add, constant(-60.0),
                         binary(Kind::mul, constant(10.0), call("rand", {})));
    const Values v = init_values(expression_spec("g.v", {k_n}, e));
    EXPECT_GE(*std::min_element(v.begin(), v.end()), -60.0);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), -50.0);
    expect_moments(v, -55.0, 10.0 / std::sqrt(12.0), 1.8);
}

TEST(Initializers, ExpressionSeesIndexLengthAndBatch) {
    using namespace expr;
    const Ptr twice_i = binary(Kind::mul, symbol("i"), constant(2.0));
    EXPECT_EQ(init_values(expression_spec("g.v", {2, 4}, twice_i, true)),
              (Values{0, 2, 4, 6, 0, 2, 4, 6}));
    const Ptr mixed = binary(Kind::add, binary(Kind::mul, symbol("b"), constant(100.0)),
                             binary(Kind::div, symbol("i"), symbol("N")));
    EXPECT_EQ(init_values(expression_spec("g.v", {2, 4}, mixed, true)),
              (Values{0, 0.25, 0.5, 0.75, 100, 100.25, 100.5, 100.75}));
    // Integers from an expression are rounded.
    VariableSpec idx = expression_spec("g.idx", {3}, binary(Kind::mul, symbol("i"), constant(1.6)));
    idx.dtype = DType::i64;
    EXPECT_EQ(init_values(idx), (Values{0, 2, 3}));
}

TEST(Initializers, ExpressionUnknownSymbolNamesTheVariable) {
    const std::string msg =
        build_error(expression_spec("exc.v", {4}, expr::binary(expr::Kind::mul, expr::symbol("tau"),
                                                              expr::constant(2.0))));
    EXPECT_NE(msg.find("'exc.v'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'tau'"), std::string::npos) << msg;
    EXPECT_NE(build_error(expression_spec("exc.v", {4}, expr::call("gamma", {expr::constant(1)}))),
              "");
    EXPECT_NE(build_error(expression_spec("exc.v", {4}, expr::call("exp", {}))), "");
}

TEST(Initializers, DataIsCopiedAndItsSizeChecked) {
    VariableSpec spec = make_spec("g.v", {2, 2}, "data");
    spec.init.data = std::make_shared<const Values>(Values{1, 2, 3, 4});
    EXPECT_EQ(init_values(spec), (Values{1, 2, 3, 4}));
    spec.dtype = DType::f32;
    EXPECT_EQ(init_values(spec), (Values{1, 2, 3, 4}));
    spec.init.data = std::make_shared<const Values>(Values{1, 2, 3});
    const std::string msg = build_error(spec);
    EXPECT_NE(msg.find("'g.v'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3 value(s) for 4"), std::string::npos) << msg;
}

TEST(Initializers, BadArgumentsAndKindsAreBuildErrors) {
    EXPECT_NE(build_error(make_spec("g.v", {3}, "uniform", {1.0})), "");
    EXPECT_NE(build_error(make_spec("g.v", {3}, "uniform", {2.0, 1.0})), "");
    EXPECT_NE(build_error(make_spec("g.v", {3}, "normal", {0.0, -1.0})), "");
    const std::string msg = build_error(make_spec("g.v", {3}, "gaussian"));
    EXPECT_NE(msg.find("'g.v'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("gaussian"), std::string::npos) << msg;
    const std::string typo = build_error(make_spec("g.v", {3}, "unifrom", {0.0, 1.0}));
    EXPECT_NE(typo.find("did you mean 'uniform'"), std::string::npos) << typo;
}

double eval(const expr::Ptr& e, expr::DrawCounter& draws) {
    return expr::evaluate(e, [](const std::string& name) -> double {
        if (name == "x") return 3.0;
        throw ModelError("unknown symbol " + name);
    }, draws);
}

TEST(Evaluate, OperatorsAndFunctions) {
    using namespace expr;
    expr::DrawCounter d;
    const Ptr x = symbol("x");
    const auto c = [](double v) { return constant(v); };
    EXPECT_EQ(eval(binary(Kind::sub, x, c(5)), d), -2.0);
    EXPECT_EQ(eval(binary(Kind::pow, x, c(2)), d), 9.0);
    EXPECT_EQ(eval(unary(Kind::neg, x), d), -3.0);
    EXPECT_EQ(eval(binary(Kind::gt, x, c(2)), d), 1.0);
    EXPECT_EQ(eval(binary(Kind::le, x, c(2)), d), 0.0);
    EXPECT_EQ(eval(binary(Kind::eq, x, c(3)), d), 1.0);
    EXPECT_EQ(eval(binary(Kind::logical_and, c(1), c(0)), d), 0.0);
    EXPECT_EQ(eval(binary(Kind::logical_or, c(1), c(0)), d), 1.0);
    EXPECT_EQ(eval(unary(Kind::logical_not, c(0)), d), 1.0);
    EXPECT_EQ(eval(call("clip", {x, c(0), c(2)}), d), 2.0);
    EXPECT_EQ(eval(call("where", {binary(Kind::lt, x, c(0)), c(1), c(-1)}), d), -1.0);
    EXPECT_EQ(eval(call("max", {x, c(4)}), d), 4.0);
    EXPECT_EQ(eval(call("floor", {c(-1.5)}), d), -2.0);
    EXPECT_DOUBLE_EQ(eval(call("exp", {c(1)}), d), std::exp(1.0));
    EXPECT_DOUBLE_EQ(eval(call("log10", {c(1000)}), d), 3.0);
    EXPECT_EQ(d.next, 0u);  // nothing random was drawn
    EXPECT_THROW(eval(call("gamma", {x}), d), ModelError);
    EXPECT_THROW(eval(call("pow", {x}), d), ModelError);
    EXPECT_THROW(eval(symbol("y"), d), ModelError);
}

TEST(Evaluate, EachRandomCallTakesTheNextDraw) {
    using namespace expr;
    expr::DrawCounter d{5, rng_stream::init, 77, 3, 0};
    const Ptr e = binary(Kind::add, call("rand", {}),
                         binary(Kind::mul, constant(10.0), call("randn", {})));
    const double v = eval(e, d);
    EXPECT_EQ(d.next, 2u);
    EXPECT_EQ(v, draw(5, rng_stream::init, 77, 3, 0).uniform +
                     10.0 * draw(5, rng_stream::init, 77, 3, 1).normal);
    expr::DrawCounter u{5, rng_stream::init, 77, 3, 0};
    EXPECT_EQ(eval(call("uniform", {constant(2), constant(4)}), u),
              2.0 + 2.0 * draw(5, rng_stream::init, 77, 3, 0).uniform);
    EXPECT_EQ(eval(call("normal", {constant(1), constant(3)}), u),
              1.0 + 3.0 * draw(5, rng_stream::init, 77, 3, 1).normal);
}

}  // namespace
}  // namespace spikegraph
