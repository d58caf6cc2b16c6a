// The .csv reader of numeric arrays (core/array_file.hpp).

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "core/array_file.hpp"
#include "core/text.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {

namespace {

// The fields of one line, split at commas, semicolons, blanks and tabs.
std::vector<std::string> fields(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool comma = false;  // a separator other than blanks was seen: empty fields count
    auto flush = [&](bool forced) {
        if (!cur.empty() || forced) out.push_back(cur);
        cur.clear();
    };
    for (char c : line) {
        if (c == ',' || c == ';') {
            flush(true);
            comma = true;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            flush(false);
        } else {
            cur += c;
        }
    }
    flush(comma);
    return out;
}

bool number(const std::string& text, double& v) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    v = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size();
}

}  // namespace

NumericArray load_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw ConfigError(fmt::format("{}: no such file or it cannot be read; check the path "
                                      "(a relative path is taken from the config file's folder)",
                                      path));
    auto values = std::make_shared<std::vector<double>>();
    std::size_t columns = 0, rows = 0, line_no = 0;
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        ++line_no;
        const auto f = fields(line);
        if (f.empty() || f[0][0] == '#') continue;
        double v = 0;
        if (first && !number(f[0], v)) {  // a header line
            first = false;
            continue;
        }
        first = false;
        if (columns == 0) columns = f.size();
        if (f.size() != columns)
            throw ConfigError(fmt::format("{}:{}: this row has {} values but the first row has "
                                          "{}; every row needs the same number",
                                          path, line_no, f.size(), columns));
        for (const auto& text : f) {
            if (!number(text, v))
                throw ConfigError(fmt::format("{}:{}: '{}' is not a number", path, line_no,
                                              detail::quote_input(text)));
            values->push_back(v);
        }
        ++rows;
    }
    if (rows == 0) throw ConfigError(fmt::format("{}: the file holds no numbers", path));
    NumericArray out;
    out.shape = columns == 1 ? std::vector<std::size_t>{rows} : std::vector<std::size_t>{rows, columns};
    out.size = values->size();
    out.values = values->data();
    out.storage = std::move(values);
    return out;
}

}  // namespace spikegraph
