// Fuzz target: model equations (frontend/equations): parse, check dimensions with the symbols
// a model sees, and inline sub-expressions into every right-hand side, as the builder does.

#include <cstddef>
#include <cstdint>

#include "frontend/equations.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spikegraph::fuzz::quiet();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace spikegraph;
    const std::string text = fuzz::as_text(data, size);
    const TextOrigin origin{"fuzz.yaml", 3, 5, "models.m.equations"};
    fuzz::refusals_are_fine([&] {
        const Equations eq = parse_equations(text, origin);
        const SymbolDims extra{{"I_ext", dim::current()}, {"g_in", dim::conductance()}};
        const Equations checked = check_equations(eq, extra, origin);
        for (const OdeSpec& ode : checked.odes) (void)inline_subexpressions(ode.rhs, checked);
    });
    return 0;
}
