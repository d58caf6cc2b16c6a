// The one ms-to-steps rule (core/time_steps.hpp): nearest step, halves away from zero, and a
// clear problem for times that no step counter holds.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include <spikegraph/error.hpp>
#include "core/time_steps.hpp"

namespace spikegraph {
namespace {

TEST(TimeSteps, RoundsToTheNearestStep) {
    EXPECT_EQ(ms_to_steps(1.0, 0.1), 10);
    EXPECT_EQ(ms_to_steps(0.0, 0.1), 0);
    EXPECT_EQ(ms_to_steps(0.14, 0.1), 1);
    EXPECT_EQ(ms_to_steps(0.16, 0.1), 2);
    EXPECT_EQ(ms_to_steps(-0.16, 0.1), -2);
}

TEST(TimeSteps, ATimeARoundingErrorFromAWholeStepCountsAsThatStep) {
    // 0.3 / 0.1 and 0.6 / 0.2 fall a hair short of 3 in double precision: a floor would lose a
    // step.
    ASSERT_LT(0.3 / 0.1, 3.0);
    ASSERT_LT(0.6 / 0.2, 3.0);
    EXPECT_EQ(ms_to_steps(0.6, 0.2), 3);
    EXPECT_EQ(ms_to_steps(2.0, 0.1), 20);
    EXPECT_EQ(ms_to_steps(0.3, 0.1), 3);
    ASSERT_LT(0.7 / 0.1, 7.0);
    EXPECT_EQ(ms_to_steps(0.7, 0.1), 7);
    ASSERT_GT(2.1 / 0.3, 7.0);  // and a hair above
    EXPECT_EQ(ms_to_steps(2.1, 0.3), 7);
}

TEST(TimeSteps, HalvesRoundAwayFromZero) {
    EXPECT_EQ(ms_to_steps(2.5, 1.0), 3);
    EXPECT_EQ(ms_to_steps(3.5, 1.0), 4);
    EXPECT_EQ(ms_to_steps(0.5, 1.0), 1);
    EXPECT_EQ(ms_to_steps(-2.5, 1.0), -3);
    EXPECT_EQ(ms_to_steps(0.25, 0.5), 1);
}

TEST(TimeSteps, HugeAndNonFiniteTimesAreReportedNotWrapped) {
    EXPECT_EQ(steps_problem(1.0, 0.1), "");
    const double two_62 = std::ldexp(1.0, 62);
    EXPECT_EQ(steps_problem(two_62, 1.0), "");
    EXPECT_EQ(ms_to_steps(two_62, 1.0), std::int64_t(1) << 62);
    for (const double ms : {std::ldexp(1.0, 63), 1e300, -1e300,
                            std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN()}) {
        EXPECT_NE(steps_problem(ms, 0.1), "") << ms;
        EXPECT_THROW(ms_to_steps(ms, 0.1), ConfigError) << ms;
    }
    EXPECT_NE(steps_problem(1.0, 0.0), "");  // 1 / 0 is not a number of steps
    const std::string message = steps_problem(1e300, 0.1);
    EXPECT_NE(message.find("1e+300 ms"), std::string::npos) << message;
    EXPECT_NE(message.find("dt = 0.1 ms"), std::string::npos) << message;
}

}  // namespace
}  // namespace spikegraph
