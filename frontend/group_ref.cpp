#include <spikegraph/group_ref.hpp>

#include <charconv>

#include <fmt/format.h>

#include <spikegraph/error.hpp>
#include "frontend/config_location.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {

namespace {

bool parse_index(std::string_view s, std::size_t& out) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

GroupRef GroupRef::parse(const std::string& text, const TextOrigin& origin) {
    return parse(text, origin, {});
}

GroupRef GroupRef::parse(const std::string& text, const TextOrigin& origin,
                         const BoundResolver& resolve) {
    const auto bound = [&](std::string_view s, std::size_t& out) {
        return parse_index(s, out) || (resolve && resolve(s, out));
    };
    GroupRef r;
    r.origin = origin;
    const auto open = text.find('[');
    auto fail = [&](const std::string& why) {
        throw detail::config_error_at(origin, fmt::format(
            "'{}': {}; write a group name or a slice such as 'neurons[0:3200]'", text, why));
    };
    if (open == std::string::npos) {
        r.group = text;
    } else {
        if (text.back() != ']') fail("a slice must end with ']'");
        r.group = text.substr(0, open);
        const std::string inner = text.substr(open + 1, text.size() - open - 2);
        const auto colon = inner.find(':');
        if (colon == std::string::npos) fail("a slice needs a ':' between its bounds");
        const std::string lo = inner.substr(0, colon), hi = inner.substr(colon + 1);
        const char* expected = resolve ? "is neither a non-negative index nor an expression of "
                                         "parameters with a whole non-negative value"
                                       : "is not a non-negative index";
        if (lo.find_first_not_of(' ') != std::string::npos && !bound(lo, r.begin))
            fail(fmt::format("'{}' {}", lo, expected));
        if (hi.find_first_not_of(' ') != std::string::npos && !bound(hi, r.end))
            fail(fmt::format("'{}' {}", hi, expected));
        if (r.end != k_all && r.end < r.begin) fail("the slice end is before its start");
    }
    while (!r.group.empty() && r.group.back() == ' ') r.group.pop_back();
    if (r.group.empty()) fail("the group name is missing");
    return r;
}

std::string GroupRef::to_string() const {
    if (begin == 0 && end == k_all) return group;
    return end == k_all ? fmt::format("{}[{}:]", group, begin)
                        : fmt::format("{}[{}:{}]", group, begin, end);
}

}  // namespace spikegraph
