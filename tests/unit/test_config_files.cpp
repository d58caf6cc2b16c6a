// What the loader agrees to read as a config (issue 13, item 7): only a regular file of sane size
// holding one YAML document. Anything else is a ConfigError naming the file, at once: a FIFO must
// not block the loader, /dev/zero must not be read until memory runs out, and a second document
// must not be dropped without a word.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "tests/support/temp_dir.hpp"

namespace spikegraph {
namespace {

using testing_support::TempDir;

const char* const k_valid = "groups:\n  neurons: {size: 10, model: lif}\n";

std::string load_error(const std::filesystem::path& file) {
    try {
        load_network(file);
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), file.string()) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError for " << file;
    return "";
}

void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

TEST(ConfigFiles, AFifoIsRefusedWithoutOpeningIt) {
    TempDir dir("sg_config", true);
    const auto fifo = dir / "net.yaml";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Opening a FIFO for reading blocks until a writer comes: were it opened, this test would
    // hang until ctest's timeout.
    const std::string m = load_error(fifo);
    EXPECT_NE(m.find("is a FIFO (named pipe); give the path of a YAML file"), std::string::npos)
        << m;
}

TEST(ConfigFiles, ADeviceIsRefusedWithoutReadingIt) {
    const std::string m = load_error("/dev/zero");
    EXPECT_EQ(m, "config '/dev/zero' is a character device; give the path of a YAML file");
}

TEST(ConfigFiles, ADirectoryIsRefused) {
    TempDir dir("sg_config", true);
    const std::string m = load_error(dir.path());
    EXPECT_NE(m.find("is a directory; give the path of a YAML file"), std::string::npos) << m;
}

TEST(ConfigFiles, AFileOverSixteenMebibytesIsRefusedBeforeItIsRead) {
    TempDir dir("sg_config", true);
    const auto big = dir / "big.yaml";
    write(big, k_valid);
    // A sparse file: its size is what the check reads, no disk is spent.
    std::filesystem::resize_file(big, (std::uintmax_t{16} << 20) + 1);
    EXPECT_NE(load_error(big).find("is 17 MiB; a config may be at most 16 MiB"), std::string::npos);
    std::filesystem::resize_file(big, std::uintmax_t{16} << 20);
    // At the limit it is read (and then fails on the NUL bytes that pad it, as YAML).
    try {
        load_network(big);
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).find("MiB"), std::string::npos) << e.what();
    }
}

TEST(ConfigFiles, ASecondYamlDocumentIsRefusedWhereItStarts) {
    TempDir dir("sg_config", true);
    const auto two = dir / "two.yaml";
    write(two, std::string(k_valid) + "---\ngroups:\n  other: {size: 5, model: lif}\n");
    try {
        load_network(two);
        ADD_FAILURE() << "a second document was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line(), 3) << e.what();  // the '---' line
        EXPECT_EQ(e.column(), 1) << e.what();
        EXPECT_NE(std::string(e.what()).find("a second YAML document starts here"),
                  std::string::npos)
            << e.what();
    }
    // One document, with or without the optional start marker, is read.
    write(two, std::string("---\n") + k_valid);
    EXPECT_EQ(load_network(two).groups.size(), 1u);
    EXPECT_EQ(load_network_from_string(k_valid, "net.yaml").groups.size(), 1u);
}

// Found by fuzz_yaml_loader: on these five bytes YAML::LoadAll produced documents without end
// (memory grew until the fuzzer's limit). The loader now counts at most two documents.
TEST(ConfigFiles, GarbageThatMakesYamlCppReportEndlessDocumentsIsRefusedAtOnce) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(load_network_from_string(",:::6", "net.yaml"), ConfigError);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
}

}  // namespace
}  // namespace spikegraph
