#pragma once
// Writes a config to a file and expects building it to fail with a message that holds `needle`
// and names the file (and the line, when `location` says which: "bad.yaml:4").

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <spikegraph/error.hpp>
#include <spikegraph/simulation.hpp>
#include <spikegraph/yaml_loader.hpp>

namespace spikegraph::testing_support {

inline void expect_config_file_error(const std::filesystem::path& dir, const std::string& yaml,
                                     const std::string& needle,
                                     const std::string& location = "bad.yaml") {
    const std::filesystem::path file = dir / "bad.yaml";
    std::ofstream(file) << yaml;
    try {
        Simulation sim(load_network(file));
        FAIL() << "accepted; expected an error with '" << needle << "'";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(location), std::string::npos) << e.what();
    }
}

}  // namespace spikegraph::testing_support
