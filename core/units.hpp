#pragma once
// Physical units. Every number inside spikegraph is in one coherent internal unit system (NEST's):
// time ms, potential mV, current pA, capacitance pF, conductance nS, resistance GOhm,
// frequency 1/ms (kHz), charge fC. A dimension is a vector of SI base exponents (metre, kilogram,
// second, ampere); the internal unit of a dimension follows from the scale of each base:
// s -> 1e-3, A -> 1e-12, m -> 1, kg -> 1e-24. Then volt -> 1e-3 (mV), siemens -> 1e-9 (nS),
// farad -> 1e-12 (pF), ohm -> 1e9 (GOhm), hertz -> 1e3 (10 Hz is 0.01 internally).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spikegraph {

/// Largest magnitude of a base exponent. Physical units stay far below it (farad is
/// metre^-2 kilogram^-1 second^4 ampere^2); a product that goes past it (a product of 200 copies of
/// `v`, `metre**100000`) is refused instead of wrapping round into a wrong dimension.
inline constexpr int k_max_unit_exponent = 100;

namespace detail {
/// Throws ModelError: a dimension's exponent `exponent` exceeds k_max_unit_exponent.
[[noreturn]] void unit_exponent_overflow(double exponent);

// Twice an exponent, checked against ±k_max_unit_exponent.
constexpr std::int16_t checked_twice(long long twice) {
    if (twice > 2 * k_max_unit_exponent || twice < -2 * k_max_unit_exponent)
        unit_exponent_overflow(static_cast<double>(twice) / 2);
    return static_cast<std::int16_t>(twice);
}
}  // namespace detail

/// Physical dimension as exponents of the SI base units metre, kilogram, second, ampere. The
/// exponents are whole or half numbers (white noise `xi` is second^-1/2, its coefficient
/// `sigma * sqrt(2 / tau)` volt second^-1/2), stored as twice their value. Products, quotients
/// and powers whose exponents would leave ±k_max_unit_exponent throw ModelError.
struct Dimension {
    std::array<std::int16_t, 4> twice{};  // 2 x the exponent of metre, kilogram, second, ampere

    /// The dimension metre^m kilogram^kg second^s ampere^a (whole exponents).
    static constexpr Dimension of(int m, int kg, int s, int a) {
        return {{detail::checked_twice(2LL * m), detail::checked_twice(2LL * kg),
                 detail::checked_twice(2LL * s), detail::checked_twice(2LL * a)}};
    }

    constexpr bool operator==(const Dimension&) const = default;

    constexpr Dimension operator*(const Dimension& o) const {
        Dimension r;
        for (std::size_t k = 0; k < twice.size(); ++k)
            r.twice[k] = detail::checked_twice(static_cast<long long>(twice[k]) + o.twice[k]);
        return r;
    }
    constexpr Dimension operator/(const Dimension& o) const {
        Dimension r;
        for (std::size_t k = 0; k < twice.size(); ++k)
            r.twice[k] = detail::checked_twice(static_cast<long long>(twice[k]) - o.twice[k]);
        return r;
    }
    constexpr Dimension pow(long long n) const {
        Dimension r;
        for (std::size_t k = 0; k < twice.size(); ++k) {
            if (twice[k] == 0) continue;
            if (n > k_max_unit_exponent || n < -k_max_unit_exponent)
                detail::unit_exponent_overflow(static_cast<double>(n));
            r.twice[k] = detail::checked_twice(static_cast<long long>(twice[k]) * n);
        }
        return r;
    }
    /// This dimension to the power `n` (0.5, -1.5, 1/3 ...), or nullopt where an exponent of
    /// the result would not be a whole or half number (second**0.25). sqrt() is fractional_pow(0.5).
    /// @throws ModelError past ±k_max_unit_exponent.
    std::optional<Dimension> fractional_pow(double n) const;

    /// The exponent of base k (0 metre, 1 kilogram, 2 second, 3 ampere).
    constexpr double exponent(std::size_t k) const { return twice[k] / 2.0; }
    constexpr bool dimensionless() const { return twice == std::array<std::int16_t, 4>{}; }

    /// Readable name: a derived unit where one matches exactly ("volt", "siemens", "volt/second",
    /// "1" when dimensionless), else base exponents ("metre^2 kilogram second^-3 ampere^-1",
    /// "second^-1/2").
    std::string to_string() const;

    /// A typical quantity of this dimension for error messages ("20 ms", "-65 mV", "10 Hz").
    std::string example() const;
};

namespace dim {
constexpr Dimension none() { return {}; }
constexpr Dimension time() { return Dimension::of(0, 0, 1, 0); }
constexpr Dimension current() { return Dimension::of(0, 0, 0, 1); }
constexpr Dimension voltage() { return Dimension::of(2, 1, -3, -1); }
constexpr Dimension conductance() { return Dimension::of(-2, -1, 3, 2); }
constexpr Dimension resistance() { return Dimension::of(2, 1, -3, -2); }
constexpr Dimension capacitance() { return Dimension::of(-2, -1, 4, 2); }
constexpr Dimension frequency() { return Dimension::of(0, 0, -1, 0); }
constexpr Dimension charge() { return Dimension::of(0, 0, 1, 1); }
constexpr Dimension length() { return Dimension::of(1, 0, 0, 0); }
constexpr Dimension mass() { return Dimension::of(0, 1, 0, 0); }
/// second^-1/2: white noise `xi`, whose integral over a step dt has the spread sqrt(dt).
constexpr Dimension noise() { return {{0, 0, -1, 0}}; }
}  // namespace dim

/// A named unit; `value` is one of this unit expressed in internal units (1 mV -> 1, 1 s -> 1000).
struct Unit {
    std::string_view name;
    Dimension dim;
    double value;
};

/// Looks up a unit by name: short ("mV", "nS", "Hz") and Brian-style long names ("mvolt",
/// "nsiemens", "hertz") both work. Returns nullptr for an unknown name.
const Unit* find_unit(std::string_view name);

/// Every unit find_unit knows, for "did you mean" hints.
std::span<const Unit> known_units();

/// SI value of one internal unit of `d` (time -> 1e-3, voltage -> 1e-3, conductance -> 1e-9).
double internal_scale(Dimension d);

/// A number with its dimension; `value` is in internal units.
struct Quantity {
    double value = 0.0;
    Dimension dim;
};

/// Parses a quantity: "20 ms", "-65 mV", "10Hz", "0.5 nA", "3", "1e-3 s", "2.5 mV/ms", "1/ms",
/// "10 uF/cm2", "0.1 * ms", "siemens/metre**2", "mV * ms**-0.5", "second**(-1/2)".
/// @throws ConfigError saying what was wrong, with an example; callers prefix the location.
Quantity parse_quantity(std::string_view text);

/// Prints an internal value with its display unit: "20 ms", "-65 mV", "500 pA", "10 Hz".
std::string format_quantity(double internal_value, Dimension d);

/// Name of the internal unit of `d` ("ms", "mV", "pA", "pF", "nS", "GOhm", "kHz", "fC"; "" when
/// dimensionless; a product of internal units such as "mV ms^-1" or "mV ms^-1/2" otherwise), to
/// label arrays.
const char* display_unit(Dimension d);

}  // namespace spikegraph
