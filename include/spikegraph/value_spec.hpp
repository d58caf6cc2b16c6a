#pragma once
// A value as the user wrote it: "20 ms", "-49 mV", "uniform(-60 mV, -50 mV)", "-60 mV + 10 mV*rand()".
// Kept as text with its origin, parsed and unit-checked by the builder, so that an error points
// at the place in the config (or names the C++ call) where the value came from.

#include <string>

#include <spikegraph/text_origin.hpp>

namespace spikegraph {

struct ValueSpec {
    std::string text;
    TextOrigin origin;

    ValueSpec() = default;
    ValueSpec(const char* t) : text(t) {}  // NOLINT: implicit on purpose, "20 ms" reads well
    ValueSpec(std::string t) : text(std::move(t)) {}  // NOLINT
    ValueSpec(std::string t, TextOrigin o) : text(std::move(t)), origin(std::move(o)) {}
    bool empty() const { return text.empty(); }
};

}  // namespace spikegraph
