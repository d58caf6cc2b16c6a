#include "tests/support/temp_dir.hpp"
#include "monitors/npy_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph {
namespace {

namespace fs = std::filesystem;

// Each test gets its own directory, so tests can run in parallel processes and leave nothing.
class NpyTest : public ::testing::Test {
protected:
    void SetUp() override { fs::create_directories(dir_); }

    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
        std::sort(names.begin(), names.end());
        return names;
    }

    testing_support::TempDir tmp_{"spikegraph_npy"};
    const fs::path dir_ = tmp_.path();
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

// Header length as the file states it: magic(6) + version(2) + le16 length + dict.
std::size_t stated_header_bytes(const std::string& file) {
    return 10 + (static_cast<unsigned char>(file[8]) | static_cast<unsigned char>(file[9]) << 8);
}

bool have_numpy() {
    return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

TEST_F(NpyTest, WriteFileAtomicallyReplacesContentAndLeavesNoTemporary) {
    const fs::path p = dir_ / "a.txt";
    spit(p, "old content that is longer");
    write_file_atomically(p, "new");
    EXPECT_EQ(slurp(p), "new");
    EXPECT_EQ(listing(), std::vector<std::string>{"a.txt"});
}

TEST_F(NpyTest, WriteFileAtomicallyNamesPathAndReasonOnFailure) {
    const fs::path p = dir_ / "missing" / "a.txt";
    try {
        write_file_atomically(p, "x");
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
}

TEST_F(NpyTest, AtomicFileWriterWithoutCommitKeepsOldFileAndRemovesTemporary) {
    const fs::path p = dir_ / "b.bin";
    spit(p, "previous");
    {
        AtomicFileWriter w(p);
        w.write("partial", 7);
        EXPECT_TRUE(fs::exists(w.temp_path()));
    }
    EXPECT_EQ(slurp(p), "previous");
    EXPECT_EQ(listing(), std::vector<std::string>{"b.bin"});
}

TEST_F(NpyTest, AtomicFileWriterPatchesWrittenBytes) {
    const fs::path p = dir_ / "c.bin";
    AtomicFileWriter w(p);
    w.write("hello world", 11);
    w.pwrite_at(6, "WORLD", 5);
    EXPECT_THROW(w.pwrite_at(8, "xyzw", 4), IoError);
    w.write("!", 1);
    w.commit();
    w.commit();  // second call does nothing
    EXPECT_EQ(slurp(p), "hello WORLD!");
    EXPECT_THROW(w.write("x", 1), IoError);
}

TEST_F(NpyTest, HeaderIsAMultipleOf64AndEndsInNewline) {
    for (const auto& shape : std::vector<std::vector<std::size_t>>{
             {}, {0}, {7}, {3, 4}, {2, 1000000, 5}, {std::size_t(-1), 12345678901234}}) {
        const std::string h = npy_header("<f8", shape);
        EXPECT_EQ(h.size() % 64, 0u);
        EXPECT_EQ(h.back(), '\n');
        EXPECT_EQ(stated_header_bytes(h), h.size());
    }
    EXPECT_NE(npy_header("<i8", {5}).find("'shape': (5,)"), std::string::npos);
    EXPECT_THROW(npy_header("f8", {1}), IoError);
    EXPECT_THROW(npy_header(">f8", {1}), IoError);
}

TEST_F(NpyTest, StreamWriterRoundTripsRowsAcrossAppends) {
    const fs::path p = dir_ / "x.npy";
    NpyStreamWriter w(p, "<f8", {3});
    std::vector<double> all;
    for (int r = 0; r < 5; ++r) {
        for (int k = 0; k < 3; ++k) all.push_back(r * 10.0 + k + 0.5);
    }
    w.append(all.data(), 2);
    w.append(all.data() + 6, 3);
    EXPECT_EQ(w.rows(), 5u);
    EXPECT_FALSE(fs::exists(p));
    w.finish();
    w.finish();

    const std::string raw = slurp(p);
    EXPECT_EQ(stated_header_bytes(raw) % 64, 0u);
    const NpyArray a = read_npy(p);
    EXPECT_EQ(a.descr, "<f8");
    EXPECT_FALSE(a.fortran_order);
    EXPECT_EQ(a.shape, (std::vector<std::size_t>{5, 3}));
    EXPECT_EQ(a.as<double>(), all);
    EXPECT_THROW(a.as<std::int64_t>(), Error);
    EXPECT_THROW(a.as<float>(), Error);
    EXPECT_EQ(listing(), std::vector<std::string>{"x.npy"});
}

TEST_F(NpyTest, StreamWriterWithZeroRows) {
    NpyStreamWriter w(dir_ / "empty.npy", "<i8", {});
    w.finish();
    NpyStreamWriter w2(dir_ / "empty2.npy", "<f8", {4});
    w2.finish();
    const NpyArray a = read_npy(dir_ / "empty.npy");
    EXPECT_EQ(a.shape, std::vector<std::size_t>{0});
    EXPECT_TRUE(a.bytes.empty());
    EXPECT_EQ(read_npy(dir_ / "empty2.npy").shape, (std::vector<std::size_t>{0, 4}));
}

TEST_F(NpyTest, StreamWriterDestroyedWithoutFinishLeavesNoFile) {
    {
        NpyStreamWriter w(dir_ / "gone.npy", "<i8", {});
        const std::int64_t v[] = {1, 2, 3};
        w.append(v, 3);
    }
    EXPECT_TRUE(listing().empty());
}

TEST_F(NpyTest, WriteNpyWholeArrayAndScalar) {
    const std::vector<std::int64_t> v{-1, 0, 1, 2, 3, 1LL << 40};
    write_npy(dir_ / "m.npy", "<i8", {2, 3}, v.data());
    const NpyArray a = read_npy(dir_ / "m.npy");
    EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(a.as<std::int64_t>(), v);

    const double s = 2.5;
    write_npy(dir_ / "s.npy", "<f8", {}, &s);
    const NpyArray b = read_npy(dir_ / "s.npy");
    EXPECT_TRUE(b.shape.empty());
    EXPECT_EQ(b.as<double>(), std::vector<double>{2.5});
}

TEST_F(NpyTest, ReadRejectsMalformedFilesWithReason) {
    const std::vector<std::int64_t> v{1, 2, 3};
    write_npy(dir_ / "ok.npy", "<i8", {3}, v.data());
    const std::string good = slurp(dir_ / "ok.npy");

    const auto reason = [&](const std::string& content) {
        spit(dir_ / "bad.npy", content);
        try {
            read_npy(dir_ / "bad.npy");
        } catch (const IoError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(reason("hello").find("magic"), std::string::npos);
    EXPECT_NE(reason(good.substr(0, good.size() - 1)).find("data bytes"), std::string::npos);
    EXPECT_NE(reason(good + "x").find("data bytes"), std::string::npos);
    std::string garbled = good;
    garbled[12] = '?';  // inside the dict
    EXPECT_NE(reason(garbled).find("not a valid .npy"), std::string::npos);
    EXPECT_NE(reason(good.substr(0, 40)).find("past the end"), std::string::npos);
    EXPECT_THROW(read_npy(dir_ / "does_not_exist.npy"), IoError);
}

TEST_F(NpyTest, NumpyLoadsStreamedFile) {
    if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
    NpyStreamWriter w(dir_ / "x.npy", "<f8", {2});
    for (int r = 0; r < 1000; ++r) {
        const double row[2] = {r * 1.0, -r * 0.5};
        w.append(row, 1);
    }
    w.finish();
    const std::string cmd =
        "/usr/bin/python3 -c 'import numpy, sys; a = numpy.load(sys.argv[1]); "
        "r = numpy.arange(1000.0); "
        "sys.exit(0 if a.dtype == numpy.float64 and a.shape == (1000, 2) and "
        "(a[:, 0] == r).all() and (a[:, 1] == -0.5 * r).all() else 1)' '" +
        (dir_ / "x.npy").string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace spikegraph
