#pragma once
// The message of the SimulationError that `f` throws; fails the test when it throws nothing.

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include <spikegraph/error.hpp>

namespace spikegraph::testing_support {

inline std::string simulation_error_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const SimulationError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected SimulationError";
    return "";
}

}  // namespace spikegraph::testing_support
