#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <spikegraph/error.hpp>
#include "core/units.hpp"

namespace spikegraph {
namespace {

// Values are products of a few decimal scales; 1e-12 relative covers their rounding.
void expect_quantity(const char* text, double value, Dimension d) {
    SCOPED_TRACE(text);
    const Quantity q = parse_quantity(text);
    EXPECT_NEAR(q.value, value, 1e-12 * std::abs(value));
    EXPECT_EQ(q.dim, d) << q.dim.to_string();
}

TEST(Units, DerivedDimensionsHaveTheirInternalScale) {
    EXPECT_DOUBLE_EQ(internal_scale(dim::time()), 1e-3);
    EXPECT_DOUBLE_EQ(internal_scale(dim::voltage()), 1e-3);
    EXPECT_DOUBLE_EQ(internal_scale(dim::current()), 1e-12);
    EXPECT_DOUBLE_EQ(internal_scale(dim::conductance()), 1e-9);
    EXPECT_DOUBLE_EQ(internal_scale(dim::capacitance()), 1e-12);
    EXPECT_DOUBLE_EQ(internal_scale(dim::resistance()), 1e9);
    EXPECT_DOUBLE_EQ(internal_scale(dim::frequency()), 1e3);
    EXPECT_DOUBLE_EQ(internal_scale(dim::charge()), 1e-15);
}

TEST(Units, DimensionAlgebraIsConsistent) {
    EXPECT_EQ(dim::current() * dim::resistance(), dim::voltage());
    EXPECT_EQ(dim::conductance() * dim::resistance(), dim::none());
    EXPECT_EQ(dim::capacitance() / dim::conductance(), dim::time());
    EXPECT_EQ(dim::time().pow(-1), dim::frequency());
    EXPECT_TRUE((dim::voltage() / dim::voltage()).dimensionless());
    EXPECT_FALSE(dim::voltage().dimensionless());
}

TEST(Units, ParsesQuantitiesIntoInternalUnits) {
    expect_quantity("20 ms", 20.0, dim::time());
    expect_quantity("-65 mV", -65.0, dim::voltage());
    expect_quantity("10Hz", 0.01, dim::frequency());
    expect_quantity("10 Hz", 0.01, dim::frequency());
    expect_quantity("0.5 nA", 500.0, dim::current());
    expect_quantity("1 s", 1000.0, dim::time());
    expect_quantity("3", 3.0, dim::none());
    expect_quantity("1e-3 s", 1.0, dim::time());
    expect_quantity("400ms", 400.0, dim::time());
    expect_quantity("10 nS", 10.0, dim::conductance());
    expect_quantity("200 pF", 200.0, dim::capacitance());
    expect_quantity("2.5 mV/ms", 2.5, dim::voltage() / dim::time());
    expect_quantity("1/ms", 1.0, dim::frequency());
    expect_quantity("0.1 * ms", 0.1, dim::time());
    expect_quantity("100 MOhm", 0.1, dim::resistance());
    expect_quantity("1 msecond", 1.0, dim::time());
    expect_quantity("-70 mvolt", -70.0, dim::voltage());
    expect_quantity("3 nsiemens", 3.0, dim::conductance());
    expect_quantity("1 volt", 1000.0, dim::voltage());
    // 1 uF = 1e6 pF and 1 cm2 = 1e-4 m^2 (metre is its own internal unit).
    expect_quantity("10 uF/cm2", 1e11, dim::capacitance() / dim::length().pow(2));
    expect_quantity("siemens/metre**2", 1e9, dim::conductance() / dim::length().pow(2));
    // Prefixes are exact: the nearest doubles, not a product's rounding.
    EXPECT_EQ(parse_quantity("10 Hz").value, 0.01);
    EXPECT_EQ(find_unit("mV")->value, 1.0);
    EXPECT_EQ(find_unit("nA")->value, 1000.0);
}

TEST(Units, LongAndShortNamesAreTheSameUnit) {
    for (const auto& [a, b] : {std::pair{"mV", "mvolt"}, {"ms", "msecond"}, {"nS", "nsiemens"},
                               {"pA", "pamp"}, {"pF", "pfarad"}, {"MOhm", "Mohm"}, {"us", "usecond"}}) {
        const Unit* ua = find_unit(a);
        const Unit* ub = find_unit(b);
        ASSERT_NE(ua, nullptr) << a;
        ASSERT_NE(ub, nullptr) << b;
        EXPECT_EQ(ua->dim, ub->dim) << a;
        EXPECT_DOUBLE_EQ(ua->value, ub->value) << a;
    }
    EXPECT_EQ(find_unit("mvolts"), nullptr);
}

TEST(Units, DimensionNames) {
    EXPECT_EQ(dim::voltage().to_string(), "volt");
    EXPECT_EQ(dim::time().to_string(), "second");
    EXPECT_EQ(dim::conductance().to_string(), "siemens");
    EXPECT_EQ(dim::frequency().to_string(), "hertz");
    EXPECT_EQ(dim::none().to_string(), "1");
    EXPECT_EQ((dim::voltage() / dim::time()).to_string(), "volt/second");
    EXPECT_EQ((dim::voltage() * dim::time()).to_string(), "metre^2 kilogram second^-2 ampere^-1");
    EXPECT_EQ(dim::time().example(), "20 ms");
    EXPECT_EQ(dim::frequency().example(), "10 Hz");
}

TEST(Units, EveryExampleParsesBackToItsDimension) {
    for (Dimension d : {dim::none(), dim::time(), dim::voltage(), dim::current(),
                        dim::conductance(), dim::capacitance(), dim::resistance(),
                        dim::frequency(), dim::charge(), dim::voltage() * dim::time()}) {
        EXPECT_EQ(parse_quantity(d.example()).dim, d) << d.example();
    }
}

TEST(Units, FormatsWithTheDisplayUnit) {
    EXPECT_EQ(format_quantity(20.0, dim::time()), "20 ms");
    EXPECT_EQ(format_quantity(-65.0, dim::voltage()), "-65 mV");
    EXPECT_EQ(format_quantity(500.0, dim::current()), "500 pA");
    EXPECT_EQ(format_quantity(0.01, dim::frequency()), "10 Hz");
    EXPECT_EQ(format_quantity(0.5, dim::none()), "0.5");
}

TEST(Units, DisplayUnitNamesTheInternalUnit) {
    EXPECT_STREQ(display_unit(dim::time()), "ms");
    EXPECT_STREQ(display_unit(dim::voltage()), "mV");
    EXPECT_STREQ(display_unit(dim::frequency()), "kHz");
    EXPECT_STREQ(display_unit(dim::resistance()), "GOhm");
    EXPECT_STREQ(display_unit(dim::none()), "");
    // mV * ms has no name of its own; it is spelled in internal units.
    EXPECT_STREQ(display_unit(dim::voltage() * dim::time()), "mV ms");
}

TEST(Units, BadQuantitiesSayWhatIsWrong) {
    try {
        parse_quantity("20 mss");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("unknown unit 'mss'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("did you mean 'ms'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("\"20 ms\""), std::string::npos) << msg;
    }
    EXPECT_THROW(parse_quantity(""), ConfigError);
    EXPECT_THROW(parse_quantity("20 ms)"), ConfigError);
    EXPECT_THROW(parse_quantity("ms**x"), ConfigError);
    EXPECT_THROW(parse_quantity("1.2.3 ms"), ConfigError);
}

}  // namespace
}  // namespace spikegraph

namespace spikegraph {
namespace {

// Exponents were stored in 8 bits: before the check, a product of 256 copies of a voltage wrapped
// round to a dimensionless number and metre**100000 was undefined behaviour.
TEST(Units, ExponentsBeyondTheLimitAreRefusedNotWrapped) {
    Dimension d = dim::voltage();
    EXPECT_THROW(
        {
            for (int k = 0; k < 200; ++k) d = d * dim::voltage();
        },
        ModelError);
    EXPECT_THROW(dim::length().pow(k_max_unit_exponent + 1), ModelError);
    EXPECT_THROW(dim::capacitance() / dim::time().pow(-k_max_unit_exponent), ModelError);
    EXPECT_EQ(dim::length().pow(k_max_unit_exponent).exponent(0), k_max_unit_exponent);
    EXPECT_TRUE(dim::none().pow(1'000'000).dimensionless());  // 1**n stays 1
    EXPECT_THROW(parse_quantity("metre**100000"), ConfigError);
    EXPECT_THROW(parse_quantity("metre**101"), ConfigError);
    EXPECT_THROW(parse_quantity("metre**99999999999999999999"), ConfigError);
    EXPECT_EQ(parse_quantity("metre**100").dim.exponent(0), 100);
    EXPECT_THROW(parse_quantity("metre**100.5"), ConfigError);
    EXPECT_THROW((void)dim::length().fractional_pow(100.5), ModelError);
}

// Issue 15: white noise xi is second^-1/2, so its coefficients (sigma * sqrt(2 / tau)) have half
// exponents: sqrt(), **0.5 and **(1/2) of odd dimensions, printed as "second^-1/2".
TEST(Units, HalfExponents) {
    const Dimension noise = *dim::time().fractional_pow(-0.5);
    EXPECT_EQ(noise, dim::noise());
    EXPECT_EQ(noise.exponent(2), -0.5);
    EXPECT_EQ(noise * noise, dim::frequency());
    EXPECT_EQ(dim::frequency().fractional_pow(0.5), noise);
    EXPECT_EQ(dim::voltage().fractional_pow(0.5)->pow(2), dim::voltage());
    EXPECT_EQ(dim::time().pow(3).fractional_pow(1.0 / 3.0), dim::time());  // 1/3 is inexact
    EXPECT_FALSE(dim::time().fractional_pow(0.25).has_value());  // a quarter has no unit
    EXPECT_FALSE(noise.fractional_pow(0.5).has_value());
    EXPECT_EQ(noise.to_string(), "second^-1/2");
    EXPECT_EQ((dim::voltage() * noise).to_string(), "metre^2 kilogram second^-7/2 ampere^-1");
    EXPECT_EQ(std::string(display_unit(noise)), "ms^-1/2");
    EXPECT_EQ(std::string(display_unit(dim::voltage() * noise)), "mV ms^-1/2");
    // Scales: one second^-1/2 is 1000^-1/2 of the internal ms^-1/2.
    EXPECT_NEAR(internal_scale(noise), std::sqrt(1e3), 1e-12);
}

TEST(Units, ParsesHalfExponents) {
    const Dimension noise = dim::noise();
    // 1 second**-0.5 = 1000**-0.5 ms**-0.5; 1e-12 relative: one pow rounding.
    expect_quantity("second**-0.5", 1.0 / std::sqrt(1000.0), noise);
    expect_quantity("second**(-1/2)", 1.0 / std::sqrt(1000.0), noise);
    expect_quantity("ms ** (1/2)", 1.0, *dim::time().fractional_pow(0.5));
    expect_quantity("mV * ms**-0.5", 1.0, dim::voltage() * noise);
    expect_quantity("2 mV / second**1.5", 2.0 / std::pow(1000.0, 1.5),
                    dim::voltage() / dim::time().pow(3).fractional_pow(0.5).value());
    EXPECT_THROW(parse_quantity("second**0.25"), ConfigError);
    EXPECT_THROW(parse_quantity("second**(1/3)"), ConfigError);
    EXPECT_THROW(parse_quantity("second**(1/0)"), ConfigError);
    EXPECT_THROW(parse_quantity("second**(1/2"), ConfigError);
    // Every dimension's example parses back to it, half exponents included.
    for (const Dimension d : {noise, dim::voltage() * noise, dim::current() / noise})
        EXPECT_EQ(parse_quantity(d.example()).dim, d) << d.example();
}

}  // namespace
}  // namespace spikegraph
