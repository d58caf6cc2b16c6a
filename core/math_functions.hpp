#pragma once
// The functions of the expression language that the C math library lacks (Brian2's exprel,
// sign, timestep). Written once, here: the host evaluator and the bytecode interpreter call
// them (core/expr_eval.cpp), and the code generator pastes this very text into the kernels it
// emits (backend/codegen/c_emitter.cpp), so compiled and interpreted results agree bit for
// bit. Hence, as in core/philox.hpp, only plain double arithmetic and <cmath> here.

#if !defined(SPIKEGRAPH_HOST_DEVICE)
#if defined(__CUDACC__)
#define SPIKEGRAPH_HOST_DEVICE __host__ __device__
#else
#define SPIKEGRAPH_HOST_DEVICE
#endif
#endif

#if !defined(__CUDACC_RTC__)
#include <cmath>
#endif

namespace spikegraph {

/// (exp(x) - 1) / x, 1 at x = 0, without the cancellation of the plain formula near 0 (the
/// rate functions of Hodgkin-Huxley models, x / (exp(x) - 1) = 1 / exprel(x)). As Brian2 and
/// scipy.special.exprel: 1 for |x| < 1e-16, +inf above 717 (where exp overflows), NaN for NaN.
SPIKEGRAPH_HOST_DEVICE inline double sg_exprel(double x) {
    if (std::fabs(x) < 1e-16) return 1.0;
    if (x > 717.0) return HUGE_VAL;
    return std::expm1(x) / x;
}

/// -1, 0 or 1 as numpy.sign; NaN stays NaN, so a broken state is still reported as such.
SPIKEGRAPH_HOST_DEVICE inline double sg_sign(double x) {
    if (x > 0.0) return 1.0;
    if (x < 0.0) return -1.0;
    return x == 0.0 ? 0.0 : x;
}

/// Brian2's timestep(t, dt): the step that time t falls in, shifted by 1e-3 dt so that exact
/// multiples of dt are not lost to rounding (truncated toward zero, as Brian's int64 cast).
SPIKEGRAPH_HOST_DEVICE inline double sg_timestep(double t, double dt) {
    return std::trunc((t + 1e-3 * dt) / dt);
}

}  // namespace spikegraph
