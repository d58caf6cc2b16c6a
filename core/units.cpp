#include "core/units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include <spikegraph/error.hpp>
#include "core/expr.hpp"
#include "core/text.hpp"

namespace spikegraph {
namespace {

// SI value of the internal unit of each base (metre, kilogram, second, ampere) as a power of
// ten. Scales and unit prefixes are kept as exponents so that 1 mV is exactly 1 and 10 Hz exactly
// 0.01, not 1.0000000000000002.
constexpr std::array<int, 4> k_base_exp10 = {0, -24, -3, -12};
constexpr std::array<const char*, 4> k_base_name = {"metre", "kilogram", "second", "ampere"};

constexpr Dimension k_area = dim::length().pow(2);

// A power of ten, exact in halves: second^-1/2 has the internal scale 10^1.5.
double scale_exp10(Dimension d) {
    int twice = 0;
    for (std::size_t k = 0; k < 4; ++k) twice += k_base_exp10[k] * d.twice[k];
    return twice / 2.0;
}

double si_scale(Dimension d) { return std::pow(10.0, scale_exp10(d)); }

// One table entry per name; the unit's SI value is 10^si_exp10.
struct UnitSpec {
    std::string_view name;
    Dimension dim;
    int si_exp10;
};

constexpr UnitSpec k_unit_specs[] = {
    {"second", dim::time(), 0}, {"s", dim::time(), 0},
    {"msecond", dim::time(), -3}, {"ms", dim::time(), -3},
    {"usecond", dim::time(), -6}, {"us", dim::time(), -6},
    {"volt", dim::voltage(), 0}, {"V", dim::voltage(), 0},
    {"mvolt", dim::voltage(), -3}, {"mV", dim::voltage(), -3},
    {"uvolt", dim::voltage(), -6}, {"uV", dim::voltage(), -6},
    {"amp", dim::current(), 0}, {"ampere", dim::current(), 0},
    {"amperes", dim::current(), 0}, {"A", dim::current(), 0},
    {"mamp", dim::current(), -3}, {"mA", dim::current(), -3},
    {"uamp", dim::current(), -6}, {"uA", dim::current(), -6},
    {"namp", dim::current(), -9}, {"nA", dim::current(), -9},
    {"pamp", dim::current(), -12}, {"pA", dim::current(), -12},
    {"siemens", dim::conductance(), 0}, {"S", dim::conductance(), 0},
    {"msiemens", dim::conductance(), -3}, {"mS", dim::conductance(), -3},
    {"usiemens", dim::conductance(), -6}, {"uS", dim::conductance(), -6},
    {"nsiemens", dim::conductance(), -9}, {"nS", dim::conductance(), -9},
    {"farad", dim::capacitance(), 0}, {"F", dim::capacitance(), 0},
    {"ufarad", dim::capacitance(), -6}, {"uF", dim::capacitance(), -6},
    {"nfarad", dim::capacitance(), -9}, {"nF", dim::capacitance(), -9},
    {"pfarad", dim::capacitance(), -12}, {"pF", dim::capacitance(), -12},
    {"ohm", dim::resistance(), 0}, {"Ohm", dim::resistance(), 0},
    {"kohm", dim::resistance(), 3}, {"kOhm", dim::resistance(), 3},
    {"Mohm", dim::resistance(), 6}, {"MOhm", dim::resistance(), 6},
    {"Gohm", dim::resistance(), 9}, {"GOhm", dim::resistance(), 9},
    {"hertz", dim::frequency(), 0}, {"Hz", dim::frequency(), 0},
    {"khertz", dim::frequency(), 3}, {"kHz", dim::frequency(), 3},
    {"coulomb", dim::charge(), 0},
    {"pcoulomb", dim::charge(), -12}, {"pC", dim::charge(), -12},
    {"fcoulomb", dim::charge(), -15}, {"fC", dim::charge(), -15},
    {"metre", dim::length(), 0}, {"meter", dim::length(), 0},
    {"cm", dim::length(), -2}, {"mm", dim::length(), -3}, {"um", dim::length(), -6},
    {"metre2", k_area, 0}, {"meter2", k_area, 0},
    {"cm2", k_area, -4}, {"mm2", k_area, -6}, {"um2", k_area, -12},
    {"kilogram", dim::mass(), 0}, {"kg", dim::mass(), 0},
};

const std::vector<Unit>& unit_table() {
    static const std::vector<Unit> table = [] {
        std::vector<Unit> t;
        for (const auto& s : k_unit_specs)
            t.push_back({s.name, s.dim, std::pow(10.0, s.si_exp10 - scale_exp10(s.dim))});
        return t;
    }();
    return table;
}


std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.12g", v);
    return buf;
}

[[noreturn]] void quantity_error(std::string_view text, const std::string& what) {
    throw ConfigError("cannot read \"" + detail::quote_input(text) + "\" as a quantity: " + what +
                      " (write a number and a unit, e.g. \"20 ms\", \"-65 mV\" or \"10 Hz\")");
}

// Recursive-descent reader for constant unit expressions: numbers and unit names combined by
// `*`, `/`, `**` (integer exponents) and parentheses; a unit written right after a number
// ("20 ms", "0.5nA") multiplies it.
class QuantityReader {
public:
    explicit QuantityReader(std::string_view text) : text_(text) {}

    Quantity read() {
        skip_space();
        if (pos_ == text_.size()) quantity_error(text_, "the text is empty");
        Quantity q = product();
        skip_space();
        if (pos_ != text_.size())
            quantity_error(text_, "unexpected '" + detail::quote_input(text_.substr(pos_, 1)) +
                                      "' at column " +
                                      std::to_string(pos_ + 1));
        return q;
    }

private:
    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    bool peek_is(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }
    bool at_operand_start() {
        skip_space();
        if (pos_ >= text_.size()) return false;
        const char c = text_[pos_];
        return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
    }

    Quantity product() {
        Quantity q = signed_factor();
        for (;;) {
            if (peek_is('*') && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == '*')) {
                ++pos_;
                q = combine(q, signed_factor(), false);
            } else if (peek_is('/')) {
                ++pos_;
                q = combine(q, signed_factor(), true);
            } else {
                return q;
            }
        }
    }

    static Quantity combine(Quantity a, Quantity b, bool divide) {
        if (divide) return {a.value / b.value, a.dim / b.dim};
        // Dividing by an exact power of ten rounds once: 10 Hz is the double nearest 0.01.
        const double inverse = std::round(1.0 / b.value);
        if (b.value < 1.0 && inverse <= 1e22 && 1.0 / inverse == b.value)
            return {a.value / inverse, a.dim * b.dim};
        return {a.value * b.value, a.dim * b.dim};
    }

    // One level of recursion (a '(' or a sign), refused past expr::k_max_nesting.
    struct Nested {
        explicit Nested(QuantityReader& r) : r_(r) {
            if (++r_.nesting_ > expr::k_max_nesting)
                quantity_error(r_.text_, "it is nested more than " +
                                             std::to_string(expr::k_max_nesting) +
                                             " levels deep (parentheses and signs)");
        }
        ~Nested() { --r_.nesting_; }
        Nested(const Nested&) = delete;
        Nested& operator=(const Nested&) = delete;
        QuantityReader& r_;
    };

    Quantity signed_factor() {
        if (peek_is('-')) {
            ++pos_;
            const Nested guard(*this);
            Quantity q = signed_factor();
            q.value = -q.value;
            return q;
        }
        if (peek_is('+')) ++pos_;
        Quantity q = power();
        if (was_number_ && at_operand_start()) q = combine(q, power(), false);  // "20 ms"
        return q;
    }

    Quantity power() {
        Quantity base = primary();
        skip_space();
        if (text_.substr(pos_, 2) != "**") return base;
        pos_ += 2;
        const double n = exponent();
        was_number_ = false;
        if (n == std::round(n)) {
            if (std::abs(n) > 1e9) detail::unit_exponent_overflow(n);
            const auto whole = static_cast<int>(n);
            return {std::pow(base.value, whole), base.dim.pow(whole)};
        }
        const auto d = base.dim.fractional_pow(n);
        if (!d)
            quantity_error(text_, base.dim.to_string() + "**" + number_text(n) +
                                      " has no unit: exponents of units are whole or half numbers");
        return {std::pow(base.value, n), *d};
    }

    // The exponent after '**': a signed whole number ("metre**-2"), a half written as a decimal
    // ("second**-0.5") or a fraction in parentheses ("second**(-1/2)").
    double exponent() {
        skip_space();
        const bool open = peek_is('(');
        if (open) ++pos_;
        double n = signed_decimal();
        if (open) {
            if (peek_is('/')) {
                ++pos_;
                const double d = signed_decimal();
                if (d == 0.0) quantity_error(text_, "the exponent divides by 0");
                n /= d;
            }
            if (!peek_is(')')) quantity_error(text_, "a '(' in the exponent is not closed");
            ++pos_;
        }
        if (n * 2 != std::round(n * 2))
            quantity_error(text_, "the exponent after '**' must be a whole or half number, as in "
                                  "\"metre**-2\" or \"second**-0.5\"");
        return n;
    }

    double signed_decimal() {
        skip_space();
        double sign = 1.0;
        if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) {
            sign = text_[pos_] == '-' ? -1.0 : 1.0;
            ++pos_;
        }
        std::size_t end = pos_;
        while (end < text_.size() &&
               (std::isdigit(static_cast<unsigned char>(text_[end])) || text_[end] == '.'))
            ++end;
        double v = 0.0;
        const auto [last, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, v);
        if (ec != std::errc{} || last != text_.data() + end)
            quantity_error(text_, "the exponent after '**' must be a whole or half number, as in "
                                  "\"metre**-2\" or \"second**-0.5\"");
        pos_ = end;
        return sign * v;
    }

    Quantity primary() {
        skip_space();
        was_number_ = false;
        if (pos_ >= text_.size()) quantity_error(text_, "it ends where a number or unit was expected");
        const char c = text_[pos_];
        if (c == '(') {
            ++pos_;
            const Nested guard(*this);
            Quantity q = product();
            if (!peek_is(')')) quantity_error(text_, "a '(' is not closed");
            ++pos_;
            return q;
        }
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return unit_name();
        quantity_error(text_, "unexpected '" + detail::quote_input(text_.substr(pos_, 1)) +
                                  "' at column " +
                                  std::to_string(pos_ + 1));
    }

    Quantity number() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
            ++pos_;
        // An exponent only when digits follow, so that "2 e" is never half a number.
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            std::size_t k = pos_ + 1;
            if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
            if (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) {
                pos_ = k;
                while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
                    ++pos_;
            }
        }
        const std::string digits(text_.substr(start, pos_ - start));
        double v = 0.0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (ec != std::errc{} || end != digits.data() + digits.size())
            quantity_error(text_, "'" + detail::quote_input(digits) + "' is not a number");
        was_number_ = true;
        return {v, dim::none()};
    }

    Quantity unit_name() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            ++pos_;
        const std::string_view name = text_.substr(start, pos_ - start);
        if (const Unit* u = find_unit(name)) return {u->value, u->dim};
        std::string what = "unknown unit '" + detail::quote_input(name) + "'";
        std::vector<std::string> names;
        for (const Unit& u : known_units()) names.emplace_back(u.name);
        const std::string best = detail::closest_name(name, names);
        if (!best.empty()) what += "; did you mean '" + best + "'?";
        quantity_error(text_, what);
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    bool was_number_ = false;
    int nesting_ = 0;
};

struct Named {
    Dimension d;
    const char* name;
    const char* example;
    const char* internal;  // name of the internal unit
    const char* display;   // unit for format_quantity
    double display_value;  // one display unit in internal units
};

const Named k_named[] = {
    {dim::none(), "1", "0.5", "", "", 1.0},
    {dim::time(), "second", "20 ms", "ms", "ms", 1.0},
    {dim::voltage(), "volt", "-65 mV", "mV", "mV", 1.0},
    {dim::current(), "ampere", "0.5 nA", "pA", "pA", 1.0},
    {dim::conductance(), "siemens", "10 nS", "nS", "nS", 1.0},
    {dim::capacitance(), "farad", "200 pF", "pF", "pF", 1.0},
    {dim::resistance(), "ohm", "100 MOhm", "GOhm", "MOhm", 1e-3},
    {dim::frequency(), "hertz", "10 Hz", "kHz", "Hz", 1e-3},
    {dim::charge(), "coulomb", "1 pC", "fC", "fC", 1.0},
    {dim::voltage() / dim::time(), "volt/second", "2.5 mV/ms", "mV/ms", "mV/ms", 1.0},
    {dim::current() / dim::time(), "ampere/second", "10 pA/ms", "pA/ms", "pA/ms", 1.0},
    {dim::conductance() / dim::time(), "siemens/second", "1 nS/ms", "nS/ms", "nS/ms", 1.0},
    {dim::length(), "metre", "10 um", "metre", "metre", 1.0},
    {dim::mass(), "kilogram", "1 kg", "", "", 1.0},
    {k_area, "metre^2", "100 um2", "metre2", "metre2", 1.0},
    {dim::capacitance() / k_area, "farad/metre^2", "1 uF/cm2", "pF/metre2", "uF/cm2", 1e10},
    {dim::conductance() / k_area, "siemens/metre^2", "10 mS/cm2", "nS/metre2", "mS/cm2", 1e10},
    {dim::current() / k_area, "ampere/metre^2", "1 uA/cm2", "pA/metre2", "uA/cm2", 1e10},
};

const Named* find_named(Dimension d) {
    for (const auto& n : k_named)
        if (n.d == d && n.name[0] != '\0') return &n;
    return nullptr;
}

// An exponent given as twice its value: "2", "-1", "-1/2", "3/2".
std::string exponent_text(int twice) {
    if (twice % 2 == 0) return std::to_string(twice / 2);
    return std::to_string(twice) + "/2";
}

// "^2", "^-1/2" to read; "**2", "**(-1/2)" to parse back.
std::string power_suffix(int twice, bool parseable) {
    if (!parseable) return "^" + exponent_text(twice);
    if (twice % 2 == 0) return "**" + exponent_text(twice);
    return "**(" + exponent_text(twice) + ")";
}

std::string base_exponents(Dimension d) {
    std::string out;
    for (std::size_t k = 0; k < 4; ++k) {
        if (d.twice[k] == 0) continue;
        if (!out.empty()) out += ' ';
        out += k_base_name[k];
        if (d.twice[k] != 2) out += power_suffix(d.twice[k], false);
    }
    return out;
}

// Expresses any dimension in internal units: kg = mV pA ms^3 / m^2 at internal scale, so
// m^a kg^b s^c A^d = m^(a-2b) mV^b ms^(c+3b) pA^(d+b).
// `parseable` joins with " * " and "**" (for examples) instead of spaces and "^" (for labels).
std::string internal_composite(Dimension d, bool parseable = false) {
    const int b = d.twice[1];  // twice each exponent, as in Dimension
    const std::array<std::pair<const char*, int>, 4> parts = {{{"metre", d.twice[0] - 2 * b},
                                                               {"mV", b},
                                                               {"ms", d.twice[2] + 3 * b},
                                                               {"pA", d.twice[3] + b}}};
    std::string out;
    for (const auto& [name, e] : parts) {
        if (e == 0) continue;
        if (!out.empty()) out += parseable ? " * " : " ";
        out += name;
        if (e != 2) out += power_suffix(e, parseable);
    }
    return out;
}

}  // namespace

std::string Dimension::to_string() const {
    if (const Named* n = find_named(*this)) return n->name;
    return base_exponents(*this);
}

std::string Dimension::example() const {
    if (const Named* n = find_named(*this)) return n->example;
    return "1 " + internal_composite(*this, true);
}

std::optional<Dimension> Dimension::fractional_pow(double n) const {
    Dimension r;
    for (std::size_t k = 0; k < twice.size(); ++k) {
        if (twice[k] == 0) continue;
        const double t = twice[k] * n;
        if (!(std::abs(t) <= 2.0 * k_max_unit_exponent)) detail::unit_exponent_overflow(t / 2);
        // 1/3 is not exact in binary: second**3 ** (1/3) is 2.0000000000000004 halves.
        const double whole = std::round(t);
        if (std::abs(t - whole) > 1e-9) return std::nullopt;
        r.twice[k] = detail::checked_twice(static_cast<long long>(whole));
    }
    return r;
}

const Unit* find_unit(std::string_view name) {
    for (const Unit& u : unit_table())
        if (u.name == name) return &u;
    return nullptr;
}

std::span<const Unit> known_units() { return unit_table(); }

double internal_scale(Dimension d) { return si_scale(d); }

Quantity parse_quantity(std::string_view text) {
    try {
        return QuantityReader(text).read();
    } catch (const ModelError& e) {  // a unit exponent out of range: a bad value, not a bad model
        quantity_error(text, e.what());
    }
}

namespace detail {
void unit_exponent_overflow(double exponent) {
    throw ModelError("a unit's exponent would be " + number_text(exponent) +
                     ", beyond the largest supported, " + std::to_string(k_max_unit_exponent) +
                     " (no physical quantity needs it: check for a runaway product or power)");
}
}  // namespace detail

std::string format_quantity(double internal_value, Dimension d) {
    if (d.dimensionless()) return number_text(internal_value);
    if (const Named* n = find_named(d); n && n->display[0] != '\0')
        return number_text(internal_value / n->display_value) + " " + n->display;
    return number_text(internal_value) + " " + display_unit(d);
}

const char* display_unit(Dimension d) {
    if (const Named* n = find_named(d); n && (n->internal[0] != '\0' || d.dimensionless()))
        return n->internal;
    // Composite names are built once per dimension and kept, so the pointer stays valid.
    static std::mutex mutex;
    static std::map<std::array<std::int16_t, 4>, std::string> cache;
    const std::lock_guard lock(mutex);
    auto [it, inserted] = cache.try_emplace(d.twice);
    if (inserted) it->second = internal_composite(d);
    return it->second.c_str();
}

}  // namespace spikegraph
