#pragma once
// A whole group or a contiguous slice of one: "neurons", "neurons[0:3200]".

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include <spikegraph/text_origin.hpp>

namespace spikegraph {

struct GroupRef {
    static constexpr std::size_t k_all = std::numeric_limits<std::size_t>::max();
    std::string group;
    std::size_t begin = 0;
    std::size_t end = k_all;  // exclusive; k_all = up to the group's size
    TextOrigin origin;

    GroupRef() = default;
    GroupRef(const char* text) : GroupRef(parse(text)) {}         // NOLINT
    GroupRef(const std::string& text) : GroupRef(parse(text)) {}  // NOLINT

    /// Parses "name" or "name[a:b]" (either bound may be omitted: "name[:800]").
    /// @throws ConfigError on malformed text.
    static GroupRef parse(const std::string& text, const TextOrigin& origin = {});

    /// Gives the index a slice bound that is not a plain integer stands for (a YAML config's
    /// named parameter, or an expression of them: `exc[0:N_E / 2]`), or false when it is none.
    using BoundResolver = std::function<bool(std::string_view bound, std::size_t& index)>;
    /// As parse(text, origin), with bounds that are not integers given to `resolve`.
    static GroupRef parse(const std::string& text, const TextOrigin& origin,
                          const BoundResolver& resolve);

    std::string to_string() const;
};

}  // namespace spikegraph
