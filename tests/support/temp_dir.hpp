#pragma once
// A fresh directory under the system temp path, named after the running test, removed at the end;
// created at once when `create` is set.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace spikegraph::testing_support {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "spikegraph", bool create = false) {
        static std::atomic<int> counter{0};
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string test = info ? info->name() : "none";
        path_ = std::filesystem::temp_directory_path() /
                (prefix + "_" + test + "_" + std::to_string(::getpid()) + "_" +
                 std::to_string(counter++));
        std::filesystem::remove_all(path_);
        if (create) std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace spikegraph::testing_support
