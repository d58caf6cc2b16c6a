// Fuzz target: the expression parser (frontend/expression_parser). The input is read both as
// one expression (parsed, then dimension-checked against a few symbols) and as statements (a
// reset or on_pre block, each value checked the same way).

#include <cstddef>
#include <cstdint>

#include "frontend/equations.hpp"
#include "frontend/expression_parser.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spikegraph::fuzz::quiet();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace spikegraph;
    const std::string text = fuzz::as_text(data, size);
    const TextOrigin origin{"fuzz.yaml", 7, 12, "models.m.threshold"};
    const SymbolDims symbols{{"v", dim::voltage()},     {"ge", dim::voltage()},
                             {"tau", dim::time()},      {"I", dim::current()},
                             {"g", dim::conductance()}, {"C", dim::capacitance()},
                             {"x", dim::none()},        {"w", dim::voltage()},
                             {"rate", dim::frequency()}};
    fuzz::refusals_are_fine([&] {
        (void)check_expression(parse_expression(text, origin), symbols, origin);
    });
    fuzz::refusals_are_fine([&] {
        for (const Statement& s : parse_statements(text, origin))
            (void)check_expression(s.value, symbols, origin);
    });
    return 0;
}
