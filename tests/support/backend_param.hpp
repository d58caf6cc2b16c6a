#pragma once
// Tests run on every backend spikegraph knows. A suite derives from BackendTest (or, with a
// parameter of its own, from BackendCaseTest<Case>) and is instantiated over all_backend_names():
//
//   class StoreRestore : public testing_support::BackendTest {};
//   TEST_P(StoreRestore, ...) { Simulation sim(net); ... }
//   INSTANTIATE_TEST_SUITE_P(Backends, StoreRestore, testing_support::all_backends(),
//                            testing_support::backend_test_name);
//
// Each instance makes its backend the thread's default for the test (BackendScope), so every
// Simulation the test builds without naming a backend runs on it. Where the backend cannot run
// here, the instance is skipped with the reason from backend_statuses(), which gtest prints
// ("[  SKIPPED ] ... Missing the `cuda` backend: no CUDA device is visible ..."), so a missing
// backend is visible in every run instead of silently passing.

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <string>
#include <tuple>

#include "backend/backend_registry.hpp"

namespace spikegraph::testing_support {

/// Every known backend, available or not (the unavailable ones skip with their reason).
inline auto all_backends() { return ::testing::ValuesIn(all_backend_names()); }

/// Why `name` cannot run here, or "" when it can.
inline std::string backend_missing_reason(const std::string& name) {
    for (const auto& s : backend_statuses())
        if (s.name == name) return s.available ? "" : s.reason;
    return "unknown backend";
}

/// A test name made of the letters, digits and underscores of `text`.
inline std::string test_name_part(const std::string& text) {
    std::string out;
    for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

/// Name generator for suites parametrised over the backend alone: "cpu", "cuda".
inline std::string backend_test_name(const ::testing::TestParamInfo<std::string>& info) {
    return test_name_part(info.param);
}

/// Makes `backend` the thread's default until destroyed, or, called from SetUp, skips the
/// current test with the reason it is missing (gtest then does not run the test body).
class BackendUse {
public:
    void enter(const std::string& backend) {
        const std::string why = backend_missing_reason(backend);
        if (!why.empty()) GTEST_SKIP() << "Missing the `" << backend << "` backend: " << why;
        scope_.emplace(backend);
    }

private:
    std::optional<BackendScope> scope_;
};

/// A suite run once per backend; GetParam() is the backend's name.
class BackendTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { use_.enter(GetParam()); }
    const std::string& backend() const { return GetParam(); }

private:
    BackendUse use_;
};

/// A suite with its own parameter `Case`, run once per (backend, case):
/// INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::Combine(all_backends(),
/// ::testing::ValuesIn(cases)), backend_case_name<Case>(case_name)).
template <class Case>
class BackendCaseTest : public ::testing::TestWithParam<std::tuple<std::string, Case>> {
protected:
    void SetUp() override { use_.enter(backend()); }
    const std::string& backend() const { return std::get<0>(this->GetParam()); }
    const Case& param_case() const { return std::get<1>(this->GetParam()); }

private:
    BackendUse use_;
};

/// Name generator for BackendCaseTest suites: "<case name>_<backend>", with `case_name(case)`
/// naming the case as the suite did before it ran per backend.
template <class Case, class CaseName>
auto backend_case_name(CaseName case_name) {
    return [case_name](const ::testing::TestParamInfo<std::tuple<std::string, Case>>& info) {
        return case_name(std::get<1>(info.param)) + "_" +
               test_name_part(std::get<0>(info.param));
    };
}

}  // namespace spikegraph::testing_support
