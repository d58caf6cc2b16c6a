#pragma once
// Exact binomial draws from one uniform number: the inverse of the distribution function,
// searched outward from the mode ("chop-down" inversion, Kachitvichyanukul & Schmeiser 1988,
// started at the mode as in their BINV/BTPE setting). A draw costs about one step per standard
// deviation of the distribution: O(1) for N p of order 1 (Brunel's external drive), O(sqrt(N p))
// for large N p, never an approximation. Brian2's PoissonInput (brian2/input/binomial.py) uses
// inversion from 0 unless N p > 5 and N (1 - p) > 5, and there an unrounded normal draw
// N p + sqrt(N p (1 - p)) randn(); this one stays exact (whole counts) at every N p.

#include <cmath>
#include <cstdint>

namespace spikegraph {

class BinomialSampler {
public:
    BinomialSampler() = default;
    /// Binomial(n, p) for 0 <= p <= 1.
    BinomialSampler(std::uint64_t n, double p) : n_(n), p_(p) {
        flip_ = p > 0.5;
        const double small = flip_ ? 1.0 - p : p;  // the search runs with the smaller of p, 1 - p
        if (!(small > 0.0) || n == 0) {
            degenerate_ = true;
            return;
        }
        const double q = 1.0 - small;
        ratio_ = small / q;
        const double nd = static_cast<double>(n);
        double m = std::floor((nd + 1.0) * small);
        if (m > nd) m = nd;
        mode_ = static_cast<std::uint64_t>(m);
        pmf_mode_ = std::exp(std::lgamma(nd + 1.0) - std::lgamma(m + 1.0) -
                             std::lgamma(nd - m + 1.0) + m * std::log(small) +
                             (nd - m) * std::log1p(-small));
    }

    std::uint64_t n() const { return n_; }
    double p() const { return p_; }

    /// The draw for a uniform `u` in [0, 1).
    std::uint64_t operator()(double u) const {
        if (degenerate_) return flip_ ? n_ : 0;
        const double nd = static_cast<double>(n_);
        std::uint64_t lo = mode_, hi = mode_, k = mode_;
        double f_lo = pmf_mode_, f_hi = pmf_mode_;
        u -= pmf_mode_;
        while (u > 0.0) {
            bool moved = false;
            if (hi < n_ && f_hi > 0.0) {
                const double h = static_cast<double>(hi);
                f_hi *= (nd - h) / (h + 1.0) * ratio_;
                ++hi;
                moved = true;
                u -= f_hi;
                if (u <= 0.0) {
                    k = hi;
                    break;
                }
            }
            if (lo > 0 && f_lo > 0.0) {
                const double l = static_cast<double>(lo);
                f_lo *= l / ((nd - l + 1.0) * ratio_);
                --lo;
                moved = true;
                u -= f_lo;
                if (u <= 0.0) {
                    k = lo;
                    break;
                }
            }
            if (!moved) break;  // all the mass is spent: u exceeded it by rounding
        }
        return flip_ ? n_ - k : k;
    }

private:
    std::uint64_t n_ = 0, mode_ = 0;
    double p_ = 0.0, ratio_ = 0.0, pmf_mode_ = 1.0;
    bool flip_ = false, degenerate_ = false;
};

}  // namespace spikegraph
