// `spikegraph inspect DIR` without --plot: reads manifest.json, streams every monitor's files
// once (bounded memory: a chunk of values at a time, plus per-neuron and per-bin counters) and
// prints a table per monitor and batch entry, or JSON with --json.

#include "apps/inspect_command.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/npy_stream.hpp"
#include "core/units.hpp"
#include "monitors/spike_statistics.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace inspect_detail {

double parse_time_ms(const std::string& text, const char* option) {
    // The unit parser of configs (core/units.hpp): any time unit; internal times are in ms.
    Quantity q;
    bool ok = true;
    try {
        q = parse_quantity(text);
    } catch (const ConfigError&) {
        ok = false;
    }
    if (!ok || q.dim != dim::time() || !std::isfinite(q.value))
        throw ConfigError(fmt::format("{} '{}' is not a time; give a number and a unit (ms, s "
                                      "or us), e.g. {} 100ms", option, text, option));
    return q.value;
}

std::vector<std::int64_t> parse_indices(const std::string& text, const char* option) {
    const auto bad = [&](const std::string& why) {
        return ConfigError(fmt::format("{} '{}': {}; give a range START:STOP (stop excluded) or "
                                       "indices separated by commas, e.g. {} 0:100 or {} 3,5,9",
                                       option, text, why, option, option));
    };
    const auto integer = [&](const std::string& s) {
        std::size_t used = 0;
        long long v = -1;
        try {
            v = std::stoll(s, &used);
        } catch (const std::exception&) {
            throw bad("'" + s + "' is not an index");
        }
        if (used != s.size() || v < 0) throw bad("'" + s + "' is not an index");
        return static_cast<std::int64_t>(v);
    };
    std::set<std::int64_t> out;
    if (const auto colon = text.find(':'); colon != std::string::npos) {
        const std::int64_t start = integer(text.substr(0, colon));
        const std::int64_t stop = integer(text.substr(colon + 1));
        if (stop <= start) throw bad("the range is empty");
        if (stop - start > (std::int64_t{1} << 31)) throw bad("the range is too long");
        std::vector<std::int64_t> range;
        for (std::int64_t k = start; k < stop; ++k) range.push_back(k);
        return range;
    }
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        out.insert(integer(text.substr(at, comma - at)));
        at = comma + 1;
    }
    return {out.begin(), out.end()};
}

}  // namespace inspect_detail

namespace {

using inspect_detail::parse_indices;
using inspect_detail::parse_time_ms;

constexpr std::size_t k_chunk = std::size_t{1} << 16;  // values read at a time per file

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The manifest, checked: what a monitor's files are and where its neurons lie.
struct Monitor {
    std::string name, kind, group;
    std::map<std::string, json> files;  // variable -> entry
    std::size_t group_size = 0, slice_start = 0, slice_stop = 0;
    bool slice_known = true;            // version 1 manifests do not give the slice's stop
};

struct Run {
    fs::path dir;
    json run;
    int version = 0;
    std::vector<Monitor> monitors;
    std::size_t batch = 1;
    double start_ms = 0, end_ms = 0, dt_ms = 0;
};

Run read_run(const fs::path& dir) {
    const fs::path path = dir / "manifest.json";
    if (!fs::is_directory(dir))
        throw ConfigError(fmt::format("{}: no such directory; give the --out directory of a run",
                                      dir.string()));
    if (!fs::exists(path))
        throw ConfigError(fmt::format("{}: no manifest.json: is it the --out directory of a "
                                      "spikegraph run (a run still going or killed writes none)?",
                                      dir.string()));
    std::ifstream in(path);
    json m;
    try {
        m = json::parse(in);
    } catch (const json::exception& e) {
        throw ConfigError(fmt::format("{}: not valid JSON ({}); was it edited by hand?",
                                      path.string(), e.what()));
    }
    Run r;
    r.dir = dir;
    try {
        if (!m.is_object() || m.value("format", "") != "spikegraph-output")
            throw ConfigError("it is not a spikegraph output manifest (\"format\" is not "
                              "\"spikegraph-output\")");
        r.version = m.at("version").get<int>();
        if (r.version != 1 && r.version != 2)
            throw ConfigError(fmt::format("manifest version {} is not known to this spikegraph "
                                          "(it reads 1 and 2); use a newer spikegraph",
                                          r.version));
        r.run = m.at("run");
        r.batch = r.run.value("batch", std::size_t{1});
        r.dt_ms = r.run.at("dt_ms").get<double>();
        r.start_ms = r.run.value("start_ms", 0.0);
        r.end_ms = r.run.at("t_end_ms").get<double>();
        std::map<std::string, std::size_t> at;
        for (const json& f : m.at("files")) {
            const std::string name = f.at("monitor").get<std::string>();
            if (!at.count(name)) {
                at[name] = r.monitors.size();
                Monitor mon;
                mon.name = name;
                mon.kind = f.at("kind").get<std::string>();
                mon.group = f.value("group", json()).is_string() ? f["group"].get<std::string>() : "";
                r.monitors.push_back(mon);
            }
            Monitor& mon = r.monitors[at[name]];
            mon.files[f.at("variable").get<std::string>()] = f;
            if (f.contains("slice_stop")) {
                mon.group_size = f.at("group_size").get<std::size_t>();
                mon.slice_start = f.at("slice_start").get<std::size_t>();
                mon.slice_stop = f.at("slice_stop").get<std::size_t>();
            } else if (f.contains("slice_start")) {
                mon.slice_start = f.at("slice_start").get<std::size_t>();
                mon.slice_known = false;
            }
        }
    } catch (const json::exception& e) {
        throw ConfigError(fmt::format("{}: a field is missing or of the wrong type ({})",
                                      path.string(), e.what()));
    } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("{}: {}", path.string(), e.what()));
    }
    for (const Monitor& mon : r.monitors)
        for (const auto& [variable, f] : mon.files) {
            const fs::path file = dir / f.at("file").get<std::string>();
            if (!fs::exists(file))
                throw ConfigError(fmt::format("{}: the manifest lists it (monitor '{}') but it "
                                              "is missing; the directory is incomplete",
                                              file.string(), mon.name));
        }
    return r;
}

// A file of monitor `mon`, opened and checked against its manifest entry.
NpyStream open_file(const Run& r, const Monitor& mon, const std::string& variable) {
    const auto it = mon.files.find(variable);
    if (it == mon.files.end())
        throw ConfigError(fmt::format("{}: monitor '{}' lists no '{}' file",
                                      (r.dir / "manifest.json").string(), mon.name, variable));
    NpyStream s(r.dir / it->second.at("file").get<std::string>());
    const auto shape = it->second.at("shape").get<std::vector<std::size_t>>();
    if (shape != s.shape())
        throw ConfigError(fmt::format("{}: its shape ({}) is not the manifest's ({}); the file "
                                      "was changed after the run", s.path().string(),
                                      fmt::join(s.shape(), ", "), fmt::join(shape, ", ")));
    return s;
}

struct Selection {
    double from_ms = 0, to_ms = 0, bin_ms = 10;
    std::vector<std::int64_t> neurons;   // empty: every neuron of the slice
    std::vector<std::size_t> batches;    // batch entries reported
};

std::vector<std::int64_t> chosen_neurons(const Selection& s, std::size_t start, std::size_t stop,
                                         const std::string& monitor) {
    std::vector<std::int64_t> out;
    if (s.neurons.empty()) {
        for (std::size_t k = start; k < stop; ++k) out.push_back(static_cast<std::int64_t>(k));
        return out;
    }
    for (auto k : s.neurons)
        if (k >= static_cast<std::int64_t>(start) && k < static_cast<std::int64_t>(stop))
            out.push_back(k);
    if (out.empty())
        throw ConfigError(fmt::format("--neurons: none of the chosen neurons lies in monitor "
                                      "'{}' (neurons {} to {} of its group)",
                                      monitor, start, stop - 1));
    return out;
}

json spike_summary(const Run& r, Monitor mon, const Selection& s) {
    NpyStream t = open_file(r, mon, "t"), i = open_file(r, mon, "i");
    std::optional<NpyStream> b;
    if (r.batch > 1) b.emplace(open_file(r, mon, "b"));
    if (i.size() != t.size() || (b && b->size() != t.size()))
        throw ConfigError(fmt::format("{}: monitor '{}' has {} times but {} indices; the files "
                                      "do not belong together", t.path().string(), mon.name,
                                      t.size(), i.size()));
    std::vector<double> tv(k_chunk), iv(k_chunk), bv(k_chunk);
    if (!mon.slice_known) {  // version 1: indices relative to the slice, whose size is unknown
        double top = -1;
        while (const std::size_t n = i.read(iv.data(), k_chunk))
            for (std::size_t k = 0; k < n; ++k) top = std::max(top, iv[k]);
        i.seek(0);
        mon.slice_stop = mon.slice_start + static_cast<std::size_t>(top + 1);
    }
    SpikeStatisticsOptions o;
    o.from_ms = s.from_ms;
    o.to_ms = s.to_ms;
    o.bin_ms = s.bin_ms;
    o.batch = r.batch;
    o.neurons = chosen_neurons(s, mon.slice_start, mon.slice_stop, mon.name);
    SpikeStatistics stats(o);
    const double offset = mon.slice_known || r.version > 1 ? 0.0 : double(mon.slice_start);
    while (const std::size_t n = t.read(tv.data(), k_chunk)) {
        i.read(iv.data(), n);
        if (offset != 0)
            for (std::size_t k = 0; k < n; ++k) iv[k] += offset;
        if (b) b->read(bv.data(), n);
        stats.add(tv.data(), iv.data(), b ? bv.data() : nullptr, n);
    }
    json out = {{"name", mon.name}, {"kind", "spike"}, {"group", mon.group},
                {"group_size", mon.group_size}, {"slice", {mon.slice_start, mon.slice_stop}},
                {"slice_known", mon.slice_known}, {"batches", json::array()}};
    const auto rows = stats.finish();
    for (std::size_t be : s.batches) {
        const SpikeStatisticsRow& row = rows.at(be);
        out["neurons"] = row.neurons;
        out["batches"].push_back({{"batch_entry", be}, {"neurons", row.neurons},
                                  {"spikes", row.spikes}, {"mean_rate_hz", row.mean_rate_hz},
                                  {"median_rate_hz", row.median_rate_hz},
                                  {"fraction_active", row.fraction_active},
                                  {"cv_isi", number(row.cv_isi)}, {"cv_neurons", row.cv_neurons},
                                  {"fano", number(row.fano)}, {"fano_neurons", row.fano_neurons},
                                  {"chi", number(row.chi)}, {"whole_bins", row.whole_bins}});
    }
    return out;
}

// Mean, min and max of the values of each batch entry whose time lies in the window; `per_row`
// values per time (neurons or 1), `keep` which of them count.
struct Range {
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::uint64_t n = 0;
    json to_json(const char* mean = "mean", const char* min = "min",
                 const char* max = "max") const {
        return {{mean, n ? number(sum / double(n)) : json(nullptr)},
                {min, n ? number(lo) : json(nullptr)}, {max, n ? number(hi) : json(nullptr)},
                {"values", n}};
    }
};

std::vector<Range> ranges(NpyStream& values, const std::vector<double>& times, std::size_t batch,
                          std::size_t per_row, const std::vector<bool>& keep, const Selection& s) {
    std::vector<Range> out(batch);
    std::vector<double> v(k_chunk);
    std::size_t at = 0;
    const std::size_t rows = times.size();
    const double from = s.from_ms - 1e-9 * std::max(1.0, std::fabs(s.from_ms));
    const double to = s.to_ms - 1e-9 * std::max(1.0, std::fabs(s.to_ms));
    while (const std::size_t n = values.read(v.data(), k_chunk)) {
        for (std::size_t k = 0; k < n; ++k, ++at) {
            const std::size_t col = at % per_row, row = (at / per_row) % rows;
            const std::size_t be = at / (per_row * rows);
            if (!keep[col] || times[row] < from || times[row] >= to) continue;
            Range& r = out[be];
            r.sum += v[k];
            r.lo = std::min(r.lo, v[k]);
            r.hi = std::max(r.hi, v[k]);
            ++r.n;
        }
    }
    return out;
}

std::vector<double> read_all(NpyStream& s) {
    std::vector<double> out(s.size());
    s.read(out.data(), out.size());
    return out;
}

json rate_summary(const Run& r, const Monitor& mon, const Selection& s) {
    NpyStream t = open_file(r, mon, "t"), rate = open_file(r, mon, "rate");
    const std::vector<double> times = read_all(t);
    const auto all = ranges(rate, times, r.batch, 1, {true}, s);
    json out = {{"name", mon.name}, {"kind", "rate"}, {"group", mon.group},
                {"slice", {mon.slice_start, mon.slice_stop}},
                {"bin_ms", mon.files.at("rate").value("bin_ms", r.dt_ms)},
                {"batches", json::array()}};
    for (std::size_t be : s.batches) {
        json row = all.at(be).to_json("mean_rate_hz", "min_rate_hz", "max_rate_hz");
        row["batch_entry"] = be;
        out["batches"].push_back(row);
    }
    return out;
}

json state_summary(const Run& r, const Monitor& mon, const Selection& s) {
    NpyStream t = open_file(r, mon, "t"), index = open_file(r, mon, "index");
    const std::vector<double> times = read_all(t), columns = read_all(index);
    const bool synapses = mon.files.count("pre") > 0;
    std::vector<bool> keep(columns.size(), true);
    std::size_t kept = columns.size();
    if (!s.neurons.empty() && !synapses) {
        kept = 0;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            keep[c] = std::binary_search(s.neurons.begin(), s.neurons.end(),
                                         static_cast<std::int64_t>(columns[c]));
            kept += keep[c];
        }
    }
    json out = {{"name", mon.name}, {"kind", "state"}, {"group", mon.group},
                {"synapses", synapses}, {"records", times.size()}, {"columns", kept},
                {"variables", json::object()}};
    for (const auto& [variable, entry] : mon.files) {
        if (variable == "t" || variable == "index" || variable == "pre" || variable == "post")
            continue;
        NpyStream values = open_file(r, mon, variable);
        const auto all = ranges(values, times, r.batch > 1 ? r.batch : 1,
                                std::max<std::size_t>(columns.size(), 1), keep, s);
        json v = {{"unit", entry.value("unit", "")}, {"batches", json::array()}};
        for (std::size_t be : s.batches) {
            json row = all.at(be).to_json();
            row["batch_entry"] = be;
            v["batches"].push_back(row);
        }
        out["variables"][variable] = v;
    }
    return out;
}

std::string cell(const json& v, const char* format = "{:.3g}") {
    if (v.is_null()) return "-";
    if (v.is_number_float()) return fmt::format(fmt::runtime(format), v.get<double>());
    return v.dump();
}

std::string percent(const json& v) {
    return v.is_null() ? "-" : fmt::format("{:.1f}%", 100.0 * v.get<double>());
}

void print_table(const Run& r, const Selection& s, const json& monitors) {
    std::cout << fmt::format("{}: {:g} to {:g} ms (dt {:g} ms, batch {}), bin {:g} ms\n",
                             r.dir.string(), s.from_ms, s.to_ms, r.dt_ms, r.batch, s.bin_ms);
    for (const json& m : monitors) {
        const std::string kind = m["kind"];
        const auto slice = m.value("slice", json::array({0, 0}));
        std::cout << fmt::format("\n{} monitor '{}' of {}[{}:{}]", kind, m["name"].get<std::string>(),
                                 m["group"].get<std::string>(), slice[0].get<std::size_t>(),
                                 slice[1].get<std::size_t>());
        if (kind == "spike") {
            std::cout << fmt::format(", {} neurons{}\n", m["neurons"].get<std::size_t>(),
                                     m["slice_known"].get<bool>() ? ""
                                     : " (version-1 manifest: up to the highest that spiked)");
            std::cout << fmt::format("{:>5} {:>10} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7}\n", "batch",
                                     "spikes", "mean Hz", "median Hz", "active", "CV ISI",
                                     "Fano", "chi");
            for (const json& b : m["batches"])
                std::cout << fmt::format("{:>5} {:>10} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7}\n",
                                         b["batch_entry"].get<std::size_t>(),
                                         b["spikes"].get<std::uint64_t>(), cell(b["mean_rate_hz"]),
                                         cell(b["median_rate_hz"]),
                                         percent(b["fraction_active"]), cell(b["cv_isi"]),
                                         cell(b["fano"]), cell(b["chi"]));
        } else if (kind == "rate") {
            std::cout << fmt::format(", bins of {:g} ms\n{:>5} {:>9} {:>9} {:>9}\n",
                                     m["bin_ms"].get<double>(), "batch", "mean Hz", "min Hz",
                                     "max Hz");
            for (const json& b : m["batches"])
                std::cout << fmt::format("{:>5} {:>9} {:>9} {:>9}\n",
                                         b["batch_entry"].get<std::size_t>(),
                                         cell(b["mean_rate_hz"]), cell(b["min_rate_hz"]),
                                         cell(b["max_rate_hz"]));
        } else {
            std::cout << fmt::format(", {} records x {} {}\n{:>12} {:>5} {:>10} {:>10} {:>10} {}\n",
                                     m["records"].get<std::size_t>(),
                                     m["columns"].get<std::size_t>(),
                                     m["synapses"].get<bool>() ? "synapses" : "neurons",
                                     "variable", "batch", "mean", "min", "max", "unit");
            for (const auto& [name, v] : m["variables"].items())
                for (const json& b : v["batches"])
                    std::cout << fmt::format("{:>12} {:>5} {:>10} {:>10} {:>10} {}\n", name,
                                             b["batch_entry"].get<std::size_t>(), cell(b["mean"]),
                                             cell(b["min"]), cell(b["max"]),
                                             v["unit"].get<std::string>());
        }
    }
}

}  // namespace

int inspect_command(const InspectArgs& args) {
    if (!args.plot.empty()) return inspect_plot(args);
    if (!args.output.empty())
        throw ConfigError("-o/--output names the figure of --plot; add --plot raster (or rate, "
                          "trace, isi, weights)");
    const Run r = read_run(args.dir);
    Selection s;
    s.from_ms = args.from.empty() ? r.start_ms : parse_time_ms(args.from, "--from");
    s.to_ms = args.to.empty() ? r.end_ms : parse_time_ms(args.to, "--to");
    if (!args.bin.empty()) s.bin_ms = parse_time_ms(args.bin, "--bin");
    if (!(s.bin_ms > 0)) throw ConfigError("--bin must be a positive time, e.g. --bin 10ms");
    const double slack = 1e-9 * std::max(1.0, std::fabs(r.end_ms));
    if (s.from_ms < r.start_ms - slack || s.to_ms > r.end_ms + slack)
        throw ConfigError(fmt::format("the window {:g} to {:g} ms is not within the run ({:g} "
                                      "to {:g} ms); choose --from and --to inside it",
                                      s.from_ms, s.to_ms, r.start_ms, r.end_ms));
    if (!(s.to_ms > s.from_ms))
        throw ConfigError(fmt::format("the window {:g} to {:g} ms is empty; --to must be after "
                                      "--from", s.from_ms, s.to_ms));
    if (!args.neurons.empty()) s.neurons = parse_indices(args.neurons, "--neurons");
    if (args.batch.empty()) {
        for (std::size_t b = 0; b < r.batch; ++b) s.batches.push_back(b);
    } else {
        for (auto b : parse_indices(args.batch, "--batch")) {
            if (static_cast<std::size_t>(b) >= r.batch)
                throw ConfigError(fmt::format("--batch {}: the run has {} batch entr{} (0 to {})",
                                              b, r.batch, r.batch == 1 ? "y" : "ies",
                                              r.batch - 1));
            s.batches.push_back(static_cast<std::size_t>(b));
        }
    }
    std::vector<std::string> names;
    for (const Monitor& m : r.monitors) names.push_back(m.name);
    for (const std::string& want : args.monitors)
        if (std::find(names.begin(), names.end(), want) == names.end())
            throw ConfigError(fmt::format("--monitor {}: {} has no such monitor; it has: {}", want,
                                          (r.dir / "manifest.json").string(),
                                          names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    json monitors = json::array();
    for (const Monitor& m : r.monitors) {
        if (!args.monitors.empty() &&
            std::find(args.monitors.begin(), args.monitors.end(), m.name) == args.monitors.end())
            continue;
        if (m.kind == "spike") monitors.push_back(spike_summary(r, m, s));
        else if (m.kind == "rate") monitors.push_back(rate_summary(r, m, s));
        else if (m.kind == "state") monitors.push_back(state_summary(r, m, s));
    }
    if (args.json) {
        json out = {{"dir", r.dir.string()}, {"manifest_version", r.version},
                    {"window_ms", {s.from_ms, s.to_ms}}, {"bin_ms", s.bin_ms},
                    {"batch", r.batch}, {"monitors", monitors}};
        std::cout << out.dump(2) << "\n";
    } else {
        print_table(r, s, monitors);
    }
    return 0;
}

}  // namespace spikegraph::app
