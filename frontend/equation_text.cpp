// Equation text cut into definitions. As in Brian2's equation grammar, a definition may
// continue over several lines: it ends with the line that holds its ':' (the unit and flags).

#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/equation_text.hpp"
#include "frontend/expression_parser.hpp"

namespace spikegraph {
namespace {

[[noreturn]] void fail(const TextOrigin& origin, expr::SourceLoc loc, const std::string& message) {
    throw ModelError(located(origin, loc, message));
}

bool blank(std::string_view s) {
    for (const char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Whether a line starts a definition ('dx/dt =', 'name =', not 'a == b'; or declares a
// parameter, 'name : unit'): inside a definition continued over several lines, it means the
// definition above it lacks its ': <unit>'.
bool starts_definition(std::string_view line) {
    std::size_t k = 0;
    while (k < line.size() && std::isspace(static_cast<unsigned char>(line[k]))) ++k;
    const std::size_t name = k;
    while (k < line.size() && (std::isalnum(static_cast<unsigned char>(line[k])) ||
                               line[k] == '_' || line[k] == '/'))
        ++k;
    if (k == name) return false;
    while (k < line.size() && std::isspace(static_cast<unsigned char>(line[k]))) ++k;
    if (k < line.size() && line[k] == ':') return true;
    return k < line.size() && line[k] == '=' && (k + 1 == line.size() || line[k + 1] != '=');
}

// A definition of several lines whose later line starts another definition: the first one
// lacks its unit. Said here, where the parser of the joined text would only see a stray '='.
void check_continuation(std::string_view definition, int line_no, const TextOrigin& origin) {
    std::size_t from = definition.find('\n');
    for (int line = line_no + 1; from != std::string_view::npos; ++line) {
        const std::size_t end = definition.find('\n', from + 1);
        const std::string_view text = definition.substr(from + 1, end - from - 1);
        if (starts_definition(text))
            fail(origin, {line_no, 1},
                 "this definition has no ': <unit>' before line " +
                     std::to_string(origin.line + line - 1) + " starts the next one ('" +
                     detail::quote_input(trim(text), 40) +
                     "'); end each definition with its unit, as in 'dv/dt = -v/tau : volt' (a "
                     "definition may continue over several lines, its ': <unit>' after the last)");
        from = end;
    }
}

}  // namespace

Equations parse_equations(std::string_view text, const TextOrigin& origin) {
    Equations eq;
    struct Seen {
        std::string name;
        int line;
    };
    std::vector<Seen> seen;
    // As in Brian2, a definition may continue over several lines: it ends with the line that
    // holds its ':' (the unit and flags follow on that line). Comments are cut line by line.
    int next_line = 1;
    std::size_t pos = 0;
    std::string definition;
    for (;;) {
        definition.clear();
        int line_no = 0;
        while (pos <= text.size()) {
            std::size_t end = text.find('\n', pos);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;
            const int this_line = next_line++;
            if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
                line = line.substr(0, hash);
            if (line_no == 0) {
                if (blank(line)) continue;
                line_no = this_line;
            } else {
                definition += '\n';
            }
            definition += line;
            if (line.find(':') != std::string_view::npos) break;
        }
        if (line_no == 0) break;
        check_continuation(definition, line_no, origin);
        if (seen.size() == k_max_definitions)
            fail(origin, {line_no, 1},
                 "more than " + std::to_string(k_max_definitions) +
                     " definitions in one model's equations; split the model");
        const std::size_t odes = eq.odes.size(), subs = eq.subs.size();
        detail::parse_definition(definition, line_no, origin, eq);
        // Exactly one definition was added; find its name to check that it is new.
        const auto [name, loc] =
            eq.odes.size() > odes   ? std::pair{eq.odes.back().var, eq.odes.back().loc}
            : eq.subs.size() > subs ? std::pair{eq.subs.back().name, eq.subs.back().loc}
                                    : std::pair{eq.params.back().name, eq.params.back().loc};
        for (const Seen& s : seen)
            if (s.name == name)
                fail(origin, loc,
                     "'" + name + "' is defined twice (first on line " +
                         std::to_string(origin.line + s.line - 1) + ")");
        seen.push_back({name, line_no});
    }
    return eq;
}

}  // namespace spikegraph
