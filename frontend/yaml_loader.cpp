#include <spikegraph/yaml_loader.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <spikegraph/error.hpp>
#include "core/text.hpp"
#include "frontend/parameters.hpp"
#include "frontend/yaml/loader.hpp"
#include "frontend/yaml/set_overrides.hpp"

// The loader's parts live in frontend/yaml/: set_overrides (the `--set` engine), schema (node
// locations, typed readers, did-you-mean), references and one file per group of sections.

namespace spikegraph {

namespace {

// Records where each document starts; ignores the content.
class DocumentStarts final : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// Where a second document starts, if the text has one. At most two documents are parsed.
std::optional<YAML::Mark> second_document_start(const std::string& yaml) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    DocumentStarts starts;
    for (int k = 0; k < 2 && parser.HandleNextDocument(starts); ++k) {
    }
    if (starts.starts.size() < 2) return std::nullopt;
    return starts.starts[1];
}

}  // namespace

namespace detail::yaml_loader {

Network Loader::load(const YAML::Node& root) {
    net_.source = file();
    if (!root.IsMap())
        fail(root, "", fmt::format("expected a mapping with at least a 'groups:' section, "
                                   "got {}", describe(root)));
    check_keys(root, "", {"parameters", "simulation", "models", "timed_arrays", "groups",
                          "inputs", "connections", "monitors"});
    // Sections are read in dependency order, so references work whatever the file's order.
    // The parameters are resolved here so that a cycle or an unknown name is reported by
    // `validate` too, and so that counts (`size: N_E`) can use them.
    if (const auto n = root["parameters"]) read_parameters(n);
    const ParameterScope parameters(resolve_parameters(net_.parameters));
    if (const auto n = root["simulation"]; n && !n.IsNull()) read_simulation(n);
    if (const auto n = root["models"]) read_models(n);
    if (const auto n = root["timed_arrays"]) read_timed_arrays(n);
    read_groups(required(root, "", "groups", "the neuron groups, e.g. groups: {neurons: "
                                             "{size: 100, model: lif}}"));
    if (const auto n = root["inputs"]) read_inputs(n);
    if (const auto n = root["connections"]) read_connections(n);
    if (const auto n = root["monitors"]) read_monitors(n);
    return std::move(net_);
}

}  // namespace detail::yaml_loader

namespace detail::yaml_loader {

std::string yaml_message(const YAML::Exception& e) {
    // yaml-cpp stops its recursive parser at 2000 nested calls (DepthGuard) and then says only
    // "bad file".
    if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
        return "the YAML is nested too deeply here (the YAML parser stops at 2000 nested calls, "
               "a few hundred levels); a config needs a few levels (section, name, key, list)";
    // The message may quote the input (an unknown escape character, a bad byte).
    return quote_input(e.msg, 200);
}

}  // namespace detail::yaml_loader

namespace {

[[noreturn]] void yaml_error(const std::string& file_name, const YAML::Exception& e) {
    const std::string what = detail::yaml_loader::yaml_message(e);
    if (e.mark.is_null())
        throw ConfigError(fmt::format("{}: {}", file_name, what),
                          ConfigLocation{file_name, 0, 0, ""});
    throw ConfigError(
        fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, what),
        ConfigLocation{file_name, e.mark.line + 1, e.mark.column + 1, ""});
}

// A config is a hand-written text: 16 MiB is hundreds of times the largest shipped one, and
// bounds what the YAML tree of a mistaken file (a log, a data dump) can cost in memory.
constexpr std::uintmax_t k_max_config_bytes = std::uintmax_t{16} << 20;

const char* file_type_name(std::filesystem::file_type t) {
    using std::filesystem::file_type;
    switch (t) {
        case file_type::directory: return "a directory";
        case file_type::fifo: return "a FIFO (named pipe)";
        case file_type::character: return "a character device";
        case file_type::block: return "a block device";
        case file_type::socket: return "a socket";
        default: return "not a regular file";
    }
}

[[noreturn]] void config_file_error(const std::filesystem::path& file, const std::string& why) {
    throw ConfigError(fmt::format("config '{}' {}", file.string(), why),
                      ConfigLocation{file.string(), 0, 0, ""});
}

[[noreturn]] void file_error(const std::filesystem::path& file, const char* verb, int err) {
    throw ConfigError(fmt::format("cannot {} config '{}': {}", verb, file.string(),
                                  std::strerror(err)),
                      ConfigLocation{file.string(), 0, 0, ""});
}

}  // namespace

Network load_network_from_string(const std::string& yaml, const std::string& file_name,
                                 const std::vector<std::string>& overrides) {
    using namespace detail::yaml_loader;
    std::vector<SetValue> sets;
    for (const auto& o : overrides) sets.push_back(parse_set(o));
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
        // A second document would be ignored silently by a plain load. YAML::LoadAll is not used
        // to find it: on some garbage (`,:::6`) yaml-cpp 0.7 reports documents without end, so
        // the documents are counted with a bounded loop of the parser.
        if (const auto second = second_document_start(yaml)) {
            const int line = second->line + 1, column = second->column + 1;
            throw ConfigError(
                fmt::format("{}:{}:{}: a second YAML document starts here; a config is one "
                            "document (remove the '---' and what follows, or put it in a file of "
                            "its own)",
                            file_name, line, column),
                ConfigLocation{file_name, line, column, ""});
        }
    } catch (const YAML::Exception& e) {
        yaml_error(file_name, e);
    }
    std::vector<SetValue> applied = apply_sets(root, std::move(sets));
    try {
        return Loader(file_name, yaml, std::move(applied)).load(root);
    } catch (const YAML::Exception& e) {
        // A conversion this loader did not foresee; still point at the place.
        yaml_error(file_name, e);
    }
}

Network load_network(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    // Only a regular file of sane size is read: opening a FIFO would block until a writer comes,
    // and /dev/zero would be read until memory runs out.
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        config_file_error(file, fmt::format("is {}; give the path of a YAML file",
                                            file_type_name(status.type())));
    std::uintmax_t size = 0;
    if (std::filesystem::exists(status)) {
        size = std::filesystem::file_size(file, ec);
        if (ec) size = 0;
        if (size > k_max_config_bytes)
            config_file_error(file, fmt::format("is {} MiB; a config may be at most {} MiB",
                                                (size + (1 << 20) - 1) >> 20,
                                                k_max_config_bytes >> 20));
    }
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) file_error(file, "open", errno != 0 ? errno : ENOENT);
    // Read what the file holds, and at most one byte past the limit in case it grew since.
    std::string text;
    std::vector<char> chunk(std::size_t{1} << 16);
    text.reserve(static_cast<std::size_t>(size));
    while (in && text.size() <= k_max_config_bytes) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) file_error(file, "read", errno);
    if (text.size() > k_max_config_bytes)
        config_file_error(file, fmt::format("is more than {} MiB; a config may be at most {} MiB",
                                            k_max_config_bytes >> 20, k_max_config_bytes >> 20));
    return load_network_from_string(text, file.string(), overrides);
}

}  // namespace spikegraph
