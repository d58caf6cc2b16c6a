#pragma once
// What the tests of config values share: the message of the ConfigError that loading and
// building a YAML text throws, and a readable check that a message contains a part.

#include <exception>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>
#include <spikegraph/yaml_loader.hpp>
#include "builder/builder.hpp"

namespace spikegraph::test_build {

/// The message of the ConfigError that loading `yaml` (as "net.yaml", with `sets` as --set
/// overrides) and building it throws; fails the test on any other outcome.
inline std::string config_error(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    try {
        build(load_network_from_string(yaml, "net.yaml", sets));
    } catch (const ConfigError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError, got: " << e.what();
        return {};
    }
    ADD_FAILURE() << "expected ConfigError, nothing was thrown";
    return {};
}

inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

}  // namespace spikegraph::test_build
