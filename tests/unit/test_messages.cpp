// Issue 13, messages: every refusal is one line of at most a few hundred bytes of valid UTF-8,
// whatever bytes the input held. The helpers of core/text.hpp, then the program end to end.

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/text.hpp"
#include "tests/support/cli_test.hpp"

namespace spikegraph {
namespace {

using namespace cli_test;

// A validator of its own, independent of the one under test: Unicode's table 3-7.
bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (b < 0x80) n = 1;
        else if (b >= 0xC2 && b <= 0xDF) n = 2;
        else if (b == 0xE0) n = 3, lo = 0xA0;
        else if (b == 0xED) n = 3, hi = 0x9F;
        else if (b >= 0xE1 && b <= 0xEF) n = 3;
        else if (b == 0xF0) n = 4, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3) n = 4;
        else if (b == 0xF4) n = 4, hi = 0x8F;
        else return false;
        if (i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return false;
        }
        i += n;
    }
    return true;
}

TEST(Messages, ValidatorOfTheTestsAgreesWithTheLibrary) {
    for (const std::string s : {"", "abc", "v\xc3\xa9", "\xe2\x80\xa6", "\xf0\x9f\x98\x80"})
        EXPECT_TRUE(valid_utf8(s) && detail::is_valid_utf8(s)) << s;
    for (const std::string s : {"\xff", "\xc3", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "a\xe2\x80"})
        EXPECT_FALSE(valid_utf8(s) || detail::is_valid_utf8(s)) << s;
}

TEST(Messages, QuoteInputEscapesControlAndInvalidBytes) {
    EXPECT_EQ(detail::quote_input("v\xff"), "v\\xFF");
    EXPECT_EQ(detail::quote_input("a\nb\tc"), "a\\x0Ab\\x09c");
    EXPECT_EQ(detail::quote_input("v\xc3\xa9"), "v\xc3\xa9");  // é stays
    EXPECT_EQ(detail::quote_input("\x7f"), "\\x7F");
}

TEST(Messages, QuoteInputCutsOnACharacterBoundaryAndSaysHowLong) {
    // 30 × "é" (2 bytes each) cut at 7 bytes: three whole characters, never half of one.
    std::string text;
    for (int k = 0; k < 30; ++k) text += "\xc3\xa9";
    const std::string q = detail::quote_input(text, 7);
    EXPECT_EQ(q, "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6(60 bytes)");
    EXPECT_TRUE(valid_utf8(q));
}

TEST(Messages, OneLineMessageOfRandomBytesIsOneShortValidLine) {
    std::mt19937 rng(13);
    for (int trial = 0; trial < 200; ++trial) {
        std::string bytes(static_cast<std::size_t>(rng() % 3000), '\0');
        for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
        const std::string m = detail::one_line_message(bytes);
        EXPECT_TRUE(valid_utf8(m));
        EXPECT_EQ(m.find('\n'), std::string::npos);
        EXPECT_EQ(m.find('\r'), std::string::npos);
        EXPECT_LE(m.size(), 400u + 40u);
    }
    EXPECT_EQ(detail::one_line_message("a\nb"), "a b");
}

class CliMessages : public Cli {
protected:
    // validate and run of `content` (bytes) as net.yaml: exit 2, one line of at most 400 bytes
    // after the prefix, valid UTF-8, containing `part`.
    void expect_short_message(const std::string& content, const std::string& part) {
        write_text(cwd() / "net.yaml", content);
        for (const std::vector<std::string> args :
             {std::vector<std::string>{"validate", "net.yaml"},
              std::vector<std::string>{"run", "net.yaml", "--out", "o", "--quiet"}}) {
            const CliResult r = run(args);
            EXPECT_TRUE(is_one_line_error(r));
            EXPECT_EQ(r.exit_code, 2) << r;
            EXPECT_LE(r.err.size(), k_error_prefix.size() + 400 + 40) << r.err.size();
            EXPECT_TRUE(valid_utf8(r.err)) << r;
            EXPECT_TRUE(contains(r.err, part));
        }
    }

    static std::string model_with(const std::string& equation) {
        return "models:\n"
               "  m:\n"
               "    equations: |\n"
               "      " + equation + "\n"
               "      tau : second (shared)\n"
               "groups:\n"
               "  g: {size: 2, model: m, parameters: {tau: 10 ms}}\n";
    }
};

TEST_F(CliMessages, BinaryGarbageConfigIsNotEchoedBack) {
    std::mt19937 rng(7);
    std::string garbage(1500000, '\0');
    for (char& c : garbage) c = static_cast<char>(rng() & 0xFF);
    expect_short_message(garbage, "net.yaml");
}

TEST_F(CliMessages, NonAsciiIdentifierGivesValidUtf8) {
    expect_short_message(model_with("dv/dt = -v\xc3\xa9 / tau : 1"),
                         "unexpected character '\xc3\xa9'; names are ASCII");
    expect_short_message(model_with("dv\xc3\xa9/dt = -v / tau : 1"), "is not a derivative");
}

TEST_F(CliMessages, InvalidUtf8ByteInAnEquationIsEscaped) {
    expect_short_message(model_with("dv/dt = -v\xff / tau : 1"), "unexpected character '\\xFF'");
}

TEST_F(CliMessages, MegabyteEquationLineGivesAShortMessage) {
    std::string rhs = "v";
    while (rhs.size() < (1u << 20)) rhs += " + v";
    expect_short_message(model_with("dv/dt = -(" + rhs + ") / tau : 1"), "the limit is 65536 bytes");
    expect_short_message(model_with(std::string(1u << 20, 'x') + " : 1"), "names are at most 256");
}

TEST_F(CliMessages, LongScalarInAConfigValueIsCut) {
    expect_short_message("groups:\n  g: {size: " + std::string(1u << 20, '7') + "x, model: lif}\n",
                         "bytes)");
}

}  // namespace
}  // namespace spikegraph
