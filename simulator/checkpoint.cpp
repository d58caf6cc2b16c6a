#include "simulator/checkpoint.hpp"

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <system_error>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.hpp"
#include <spikegraph/error.hpp>
#include "simulator/snapshot_checks.hpp"
#include "simulator/variable_sets.hpp"
#include <spikegraph/config.hpp>

namespace spikegraph {

namespace {

constexpr std::array<char, 8> k_magic = {'S', 'G', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr std::size_t k_header_size = 64;

const char* role_name(Role r) {
    switch (r) {
        case Role::state: return "state";
        case Role::parameter: return "parameter";
        case Role::temporary: return "temporary";
        case Role::constant: return "constant";
        case Role::weight: return "weight";
    }
    return "?";
}

void put_u32(unsigned char* p, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) p[k] = static_cast<unsigned char>(v >> (8 * k));
}
void put_u64(unsigned char* p, std::uint64_t v) {
    for (int k = 0; k < 8; ++k) p[k] = static_cast<unsigned char>(v >> (8 * k));
}
std::uint32_t get_u32(const unsigned char* p) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(p[k]) << (8 * k);
    return v;
}
std::uint64_t get_u64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(p[k]) << (8 * k);
    return v;
}

void require_little_endian(const std::filesystem::path& path) {
    if constexpr (std::endian::native != std::endian::little)
        throw IoError(fmt::format("checkpoint '{}': checkpoints hold little-endian data and this "
                                  "machine is big-endian",
                                  path.string()));
}

std::string json_text(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string value_text(const nlohmann::json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_array()) {  // a shape: "[1, 4000]"
        std::string out = "[";
        for (std::size_t k = 0; k < j.size(); ++k) out += (k ? ", " : "") + value_text(j[k]);
        return out + "]";
    }
    return json_text(j);
}

// name -> entry of a JSON array of objects with a "name".
std::map<std::string, nlohmann::json> by_name(const nlohmann::json& list) {
    std::map<std::string, nlohmann::json> out;
    if (list.is_array())
        for (const auto& e : list)
            if (e.is_object() && e.contains("name") && e["name"].is_string())
                out[e["name"].get<std::string>()] = e;
    return out;
}

[[noreturn]] void corrupted(const std::filesystem::path& path, const std::string& why) {
    throw IoError(fmt::format("checkpoint '{}' is corrupted: {}; it was damaged after it was "
                              "written (use an earlier checkpoint, or start again)",
                              path.string(), why));
}

}  // namespace


nlohmann::json plan_structure(const Plan& plan) {
    nlohmann::json s;
    s["dt_ms"] = plan.dt_ms;
    s["batch"] = plan.batch;
    s["seed"] = plan.seed;
    s["precision"] = plan.precision == Precision::f32 ? "float" : "double";
    nlohmann::json vars = nlohmann::json::array();
    for (const auto& v : plan.variables)
        vars.push_back({{"name", v.name},
                        {"dtype", std::string(dtype_name(v.dtype))},
                        {"shape", v.shape},
                        {"role", role_name(v.role)}});
    s["variables"] = std::move(vars);
    for (const auto& [key, list] : {std::pair{"initial_ops", &plan.initial_ops}, std::pair{"ops", &plan.ops}}) {
        nlohmann::json ops = nlohmann::json::array();
        for (const auto& op : *list) ops.push_back({{"name", op.name}, {"kind", op.kind}});
        s[key] = std::move(ops);
    }
    return s;
}

std::uint64_t structure_hash(const nlohmann::json& structure) {
    const std::string text = json_text(structure);
    return fnv1a64(text.data(), text.size());
}

std::vector<std::string> structure_differences(const nlohmann::json& was,
                                               const nlohmann::json& now) {
    std::vector<std::string> out;
    const auto scalar = [&](const char* key, const char* what, const char* unit) {
        const nlohmann::json a = was.value(key, nlohmann::json()), b = now.value(key, nlohmann::json());
        if (a != b)
            out.push_back(fmt::format("{} is {}{} in the checkpoint and {}{} here", what,
                                      value_text(a), unit, value_text(b), unit));
    };
    scalar("dt_ms", "dt", " ms");
    scalar("batch", "the batch size", "");
    scalar("seed", "the seed", "");
    scalar("precision", "the precision", "");

    // In declaration order (groups first, then inputs and connections): the first difference
    // listed is usually the one the user changed.
    const nlohmann::json was_list = was.value("variables", nlohmann::json::array());
    const nlohmann::json now_list = now.value("variables", nlohmann::json::array());
    const auto was_vars = by_name(was_list);
    const auto now_vars = by_name(now_list);
    for (const auto& a : was_list) {
        if (!a.is_object() || !a.contains("name") || !a["name"].is_string()) continue;
        const std::string name = a["name"].get<std::string>();
        auto it = now_vars.find(name);
        if (it == now_vars.end()) {
            out.push_back(fmt::format("variable '{}' is in the checkpoint but not in this network", name));
            continue;
        }
        const nlohmann::json& b = it->second;
        if (a.value("shape", nlohmann::json()) != b.value("shape", nlohmann::json()))
            out.push_back(fmt::format("variable '{}' has shape {} in the checkpoint and {} here", name,
                                      value_text(a.value("shape", nlohmann::json())),
                                      value_text(b.value("shape", nlohmann::json()))));
        for (const char* key : {"dtype", "role"})
            if (a.value(key, nlohmann::json()) != b.value(key, nlohmann::json()))
                out.push_back(fmt::format("variable '{}' has {} {} in the checkpoint and {} here",
                                          name, key, value_text(a.value(key, nlohmann::json())),
                                          value_text(b.value(key, nlohmann::json()))));
    }
    for (const auto& b : now_list)
        if (b.is_object() && b.contains("name") && b["name"].is_string() &&
            !was_vars.count(b["name"].get<std::string>()))
            out.push_back(fmt::format("variable '{}' is in this network but not in the checkpoint",
                                      b["name"].get<std::string>()));

    for (const char* list : {"initial_ops", "ops"}) {
        const nlohmann::json a_list = was.value(list, nlohmann::json::array());
        const nlohmann::json b_list = now.value(list, nlohmann::json::array());
        const auto a_ops = by_name(a_list), b_ops = by_name(b_list);
        const std::size_t before = out.size();
        for (const auto& [name, a] : a_ops) {
            auto it = b_ops.find(name);
            if (it == b_ops.end())
                out.push_back(fmt::format("op '{}' ({}) is in the checkpoint but not in this network",
                                          name, value_text(a.value("kind", nlohmann::json()))));
            else if (a.value("kind", nlohmann::json()) != it->second.value("kind", nlohmann::json()))
                out.push_back(fmt::format("op '{}' is of kind {} in the checkpoint and {} here", name,
                                          value_text(a.value("kind", nlohmann::json())),
                                          value_text(it->second.value("kind", nlohmann::json()))));
        }
        for (const auto& [name, b] : b_ops)
            if (!a_ops.count(name))
                out.push_back(fmt::format("op '{}' ({}) is in this network but not in the checkpoint",
                                          name, value_text(b.value("kind", nlohmann::json()))));
        if (out.size() == before && a_list != b_list)
            out.push_back(fmt::format("the {} run in a different order",
                                      std::string(list) == "ops" ? "ops" : "initial ops"));
    }
    if (out.empty() && was != now)
        out.push_back("the variables are declared in a different order");
    return out;
}

void write_checkpoint(const std::filesystem::path& path, const Plan& plan,
                      const StateSnapshot& snapshot, std::int64_t run_end_step) {
    require_little_endian(path);
    const nlohmann::json structure = plan_structure(plan);
    nlohmann::json meta;
    meta["format"] = "spikegraph-checkpoint";
    meta["version"] = k_checkpoint_version;
    meta["spikegraph_version"] = SPIKEGRAPH_VERSION;
    meta["structure"] = structure;
    meta["step"] = snapshot.step;
    meta["t_ms"] = static_cast<double>(snapshot.step) * plan.dt_ms;
    meta["synaptic_events"] = snapshot.synaptic_events;
    if (run_end_step >= 0) {
        meta["run_end_step"] = run_end_step;
        meta["run_end_ms"] = static_cast<double>(run_end_step) * plan.dt_ms;
    }
    nlohmann::json vars = nlohmann::json::array();
    std::uint64_t offset = 0;
    for (const auto& v : snapshot.variables) {
        vars.push_back({{"name", v.name},
                        {"dtype", std::string(dtype_name(v.dtype))},
                        {"shape", v.shape},
                        {"offset", offset},
                        {"bytes", v.bytes.size()}});
        offset += v.bytes.size();
    }
    meta["variables"] = std::move(vars);
    const std::string meta_text = json_text(meta);

    std::uint64_t checksum = fnv1a64(meta_text.data(), meta_text.size());
    for (const auto& v : snapshot.variables) checksum = fnv1a64(v.bytes.data(), v.bytes.size(), checksum);

    std::array<unsigned char, k_header_size> header{};
    std::memcpy(header.data(), k_magic.data(), k_magic.size());
    put_u32(header.data() + 8, k_checkpoint_version);
    put_u32(header.data() + 12, static_cast<std::uint32_t>(k_header_size));
    put_u64(header.data() + 16, meta_text.size());
    put_u64(header.data() + 24, offset);
    put_u64(header.data() + 32, structure_hash(structure));
    put_u64(header.data() + 40, checksum);
    put_u64(header.data() + 48, fnv1a64(header.data(), 48));

    if (const std::string why = checkpoint_path_problem(path); !why.empty())
        throw IoError(fmt::format("cannot write checkpoint '{}': {}", path.string(), why));
    AtomicFileWriter out(path);
    out.write(header.data(), header.size());
    out.write(meta_text.data(), meta_text.size());
    for (const auto& v : snapshot.variables) out.write(v.bytes.data(), v.bytes.size());
    out.commit();
}

std::string checkpoint_path_problem(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (fs::is_directory(status))
        return "is a directory; give a file name such as run.ckpt";
    // The file is replaced by a rename: never over a device, a FIFO or a socket.
    if (fs::exists(status) && !fs::is_regular_file(status))
        return "exists and is not a regular file; give the name of a file to write";
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const auto dir_status = fs::status(dir, ec);
    if (!fs::exists(dir_status))
        return fmt::format("its directory '{}' does not exist; create it first", dir.string());
    if (!fs::is_directory(dir_status))
        return fmt::format("'{}' is not a directory", dir.string());
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return fmt::format("its directory '{}' is not writable ({})", dir.string(),
                           std::strerror(errno));
    return "";
}

namespace {

// An open checkpoint whose header was read and checked (signature, checksum, version, sizes
// against the file's), positioned at the meta text.
struct OpenCheckpoint {
    std::ifstream in;
    std::array<unsigned char, k_header_size> header{};
    std::uint64_t meta_size = 0, data_size = 0;
};

OpenCheckpoint open_checkpoint(const std::filesystem::path& path) {
    require_little_endian(path);
    OpenCheckpoint c;
    const std::string where = path.string();
    std::ifstream& in = c.in;
    in.open(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw IoError(fmt::format("cannot read checkpoint '{}': {}", where,
                                  err ? std::strerror(err) : "cannot open the file"));
    }
    std::error_code ec;
    const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(fmt::format("cannot read checkpoint '{}': {}", where, ec.message()));

    auto& header = c.header;
    const std::size_t got = file_size < k_header_size ? static_cast<std::size_t>(file_size) : k_header_size;
    in.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(got));
    if (got >= k_magic.size() && std::memcmp(header.data(), k_magic.data(), k_magic.size()) != 0)
        throw IoError(fmt::format("'{}' is not a spikegraph checkpoint (it does not start with the "
                                  "checkpoint signature)",
                                  where));
    if (file_size < k_header_size)
        throw IoError(fmt::format("checkpoint '{}' is truncated: it has {} bytes, less than its "
                                  "{}-byte header (was the write interrupted?)",
                                  where, file_size, k_header_size));
    const std::uint32_t version = get_u32(header.data() + 8);
    if (get_u64(header.data() + 48) != fnv1a64(header.data(), 48))
        corrupted(path, "its header checksum does not match");
    if (version != k_checkpoint_version)
        throw IoError(fmt::format("checkpoint '{}' has format version {}; this build of spikegraph "
                                  "({}) reads version {}",
                                  where, version, SPIKEGRAPH_VERSION, k_checkpoint_version));
    const std::uint64_t meta_size = get_u64(header.data() + 16);
    const std::uint64_t data_size = get_u64(header.data() + 24);
    const std::uint64_t expected = k_header_size + meta_size + data_size;
    if (meta_size > file_size || data_size > file_size || file_size < expected)
        throw IoError(fmt::format("checkpoint '{}' is truncated: it has {} bytes where its header "
                                  "announces {} (was the write interrupted?)",
                                  where, file_size, expected));
    if (file_size > expected)
        corrupted(path, fmt::format("it has {} bytes after the {} its header announces",
                                    file_size - expected, expected));
    c.meta_size = meta_size;
    c.data_size = data_size;
    return c;
}

nlohmann::json parse_meta(const std::filesystem::path& path, const std::string& meta_text) {
    try {
        return nlohmann::json::parse(meta_text);
    } catch (const nlohmann::json::exception& e) {
        corrupted(path, fmt::format("its description does not parse ({})", e.what()));
    }
}

}  // namespace

CheckpointInfo read_checkpoint_info(const std::filesystem::path& path) {
    OpenCheckpoint c = open_checkpoint(path);
    std::string meta_text(c.meta_size, '\0');
    c.in.read(meta_text.data(), static_cast<std::streamsize>(c.meta_size));
    if (!c.in) throw IoError(fmt::format("cannot read checkpoint '{}': the read failed", path.string()));
    const nlohmann::json meta = parse_meta(path, meta_text);
    CheckpointInfo info;
    try {
        info.step = meta.at("step").get<std::int64_t>();
        info.t_ms = meta.at("t_ms").get<double>();
        info.seed = meta.at("structure").at("seed").get<std::uint64_t>();
        info.dt_ms = meta.at("structure").at("dt_ms").get<double>();
        if (meta.contains("run_end_step")) info.run_end_step = meta["run_end_step"].get<std::int64_t>();
    } catch (const nlohmann::json::exception& e) {
        corrupted(path, fmt::format("its description lacks a field ({})", e.what()));
    }
    return info;
}

StateSnapshot read_checkpoint(const std::filesystem::path& path, const Plan& plan) {
    OpenCheckpoint c = open_checkpoint(path);
    const std::string where = path.string();
    std::ifstream& in = c.in;
    const auto& header = c.header;
    const std::uint64_t meta_size = c.meta_size, data_size = c.data_size;

    std::string meta_text(meta_size, '\0');
    std::vector<std::byte> data(data_size);
    in.read(meta_text.data(), static_cast<std::streamsize>(meta_size));
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data_size));
    if (!in) throw IoError(fmt::format("cannot read checkpoint '{}': the read failed", where));
    std::uint64_t checksum = fnv1a64(meta_text.data(), meta_text.size());
    checksum = fnv1a64(data.data(), data.size(), checksum);
    if (checksum != get_u64(header.data() + 40))
        corrupted(path, fmt::format("its content hashes to {:016x}, not to the checksum {:016x} "
                                    "recorded when it was written",
                                    checksum, get_u64(header.data() + 40)));

    const nlohmann::json meta = parse_meta(path, meta_text);
    const nlohmann::json here = plan_structure(plan);
    if (get_u64(header.data() + 32) != structure_hash(here)) {
        auto diffs = structure_differences(meta.value("structure", nlohmann::json::object()), here);
        if (diffs.empty()) diffs.push_back("the structure hashes differ");
        constexpr std::size_t k_shown = 5;
        const std::size_t more = diffs.size() > k_shown ? diffs.size() - k_shown : 0;
        if (more) diffs.resize(k_shown);
        throw SimulationError(fmt::format(
            "checkpoint '{}' was written by a different network: {}{}; resume it into the "
            "network (config, overrides and seed) that wrote it",
            where, fmt::join(diffs, "; "),
            more ? fmt::format(" (and {} more difference{})", more, more > 1 ? "s" : "") : ""));
    }

    StateSnapshot s;
    try {
        s.step = meta.at("step").get<std::int64_t>();
        s.synaptic_events = meta.at("synaptic_events").get<std::uint64_t>();
        for (const auto& e : meta.at("variables")) {
            StateSnapshot::Variable v;
            v.name = e.at("name").get<std::string>();
            const VariableSpec* spec = plan.find_variable(v.name);
            const auto offset = e.at("offset").get<std::uint64_t>();
            const auto bytes = e.at("bytes").get<std::uint64_t>();
            if (!spec || bytes != spec->size() * dtype_size(spec->dtype) || offset > data_size ||
                bytes > data_size - offset)
                corrupted(path, fmt::format("its entry for variable '{}' does not fit", v.name));
            v.dtype = spec->dtype;
            v.shape = spec->shape;
            v.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(offset),
                           data.begin() + static_cast<std::ptrdiff_t>(offset + bytes));
            s.variables.push_back(std::move(v));
        }
    } catch (const nlohmann::json::exception& e) {
        corrupted(path, fmt::format("its description lacks an entry ({})", e.what()));
    }
    detail::check_snapshot_values(plan, s, [&](const std::string& why) { corrupted(path, why); });
    // The structure matched, so the variables to restore are the plan's snapshot variables.
    if (s.variables.size() != detail::variables_of(plan, detail::VariableSet::snapshot).size())
        corrupted(path, "it does not hold every variable of the network's state");
    return s;
}

}  // namespace spikegraph
