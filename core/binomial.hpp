#pragma once
// Exact binomial draws from one uniform number: the inverse of the distribution function,
// searched outward from the mode ("chop-down" inversion, Kachitvichyanukul & Schmeiser 1988,
// started at the mode as in their BINV/BTPE setting). A draw costs about one step per standard
// deviation of the distribution: O(1) for N p of order 1 (Brunel's external drive), O(sqrt(N p))
// for large N p, never an approximation. Brian2's PoissonInput (brian2/input/binomial.py) uses
// inversion from 0 unless N p > 5 and N (1 - p) > 5, and there an unrounded normal draw
// N p + sqrt(N p (1 - p)) randn(); this one stays exact (whole counts) at every N p.
//
// Where the distribution's table is short (N p up to a few hundred), the sampler keeps its
// distribution function and a guide table (Chen and Asau 1974) instead: a draw is then one table
// look-up and, on average, less than one comparison. Kernels that hold 32-bit random words draw
// with draw(w), which gives exactly the count of the uniform w / 2^32 through a second, direct
// table indexed by the word's top bits: most words land in an interval of the table that holds
// one count, so the draw is one load; the rest finish with the distribution function.

#include <cmath>
#include <cstdint>
#include <vector>

namespace spikegraph {

class BinomialSampler {
public:
    BinomialSampler() = default;
    /// Binomial(n, p) for 0 <= p <= 1. `tables` false: no tables (no allocation; every draw
    /// searches from the mode), for samplers that serve a single draw.
    BinomialSampler(std::uint64_t n, double p, bool tables = true) : n_(n), p_(p) {
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
        if (tables) {
            build_table(nd, small);
            if (table_) build_direct();
        }
    }

    std::uint64_t n() const { return n_; }
    double p() const { return p_; }

    /// The draw for a uniform `u` in [0, 1).
    std::uint64_t operator()(double u) const {
        if (table_) {
            const std::uint64_t k = table_count(u);
            return flip_ ? n_ - k : k;
        }
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

    /// The draw for the uniform w / 2^32: exactly (*this)(w * 0x1p-32).
    std::uint64_t draw(std::uint32_t w) const {
        if (!table_) return (*this)(static_cast<double>(w) * 0x1p-32);
        const std::uint16_t e = direct_[w >> direct_shift_];
        std::uint64_t k = e & ~k_split;
        if (e & k_split) {
            const double u = static_cast<double>(w) * 0x1p-32;
            while (u >= cdf_[k]) ++k;
        }
        return flip_ ? n_ - k : k;
    }

    /// For kernels that add scale * count to a variable: one value per entry of the direct
    /// table (entry w >> direct_shift() for word w), scale * draw(w) where the entry's words all
    /// have the same count, NaN where they do not (draw(w) then decides). Empty when the sampler
    /// has no tables.
    std::vector<double> direct_values(double scale) const {
        std::vector<double> values(direct_.size());
        for (std::size_t j = 0; j < direct_.size(); ++j) {
            const std::uint64_t k = direct_[j] & ~k_split;
            values[j] = (direct_[j] & k_split) ? std::nan("")
                                               : scale * static_cast<double>(flip_ ? n_ - k : k);
        }
        return values;
    }
    unsigned direct_shift() const { return direct_shift_; }

private:
    static constexpr std::size_t k_max_table = 4096;
    static constexpr std::uint16_t k_split = 0x8000;  // direct_ entry: the interval holds two or more counts
    static_assert(k_max_table < k_split);

    // The count of the uniform u before the flip, through the guide table.
    std::uint64_t table_count(double u) const {
        std::uint64_t k = guide_[static_cast<std::size_t>(u * guide_scale_)];
        while (u >= cdf_[k]) ++k;
        return k;
    }

    // direct_[j] covers the words [j, j + 1) * 2^direct_shift_: the count of all of them, or the
    // count of the first one with k_split set when the interval holds several. About 64 entries
    // per count of the distribution function (2^10 to 2^14 in all) make split intervals rare.
    void build_direct() {
        unsigned bits = 10;
        while (bits < 14 && (std::size_t{1} << bits) < 64 * cdf_.size()) ++bits;
        direct_shift_ = 32 - bits;
        direct_.resize(std::size_t{1} << bits);
        const std::uint64_t width = std::uint64_t{1} << direct_shift_;
        for (std::size_t j = 0; j < direct_.size(); ++j) {
            const std::uint64_t lo = j * width, hi = lo + width - 1;
            const std::uint64_t k_lo = table_count(static_cast<double>(lo) * 0x1p-32);
            const std::uint64_t k_hi = table_count(static_cast<double>(hi) * 0x1p-32);
            direct_[j] = static_cast<std::uint16_t>(k_lo | (k_lo == k_hi ? 0 : k_split));
        }
    }

    // cdf_[k] = P(X <= k) from k = 0 until the rest of the mass is below rounding (the last
    // entry is 1, so every u < 1 finds its k); guide_[g] = the least k with cdf_[k] > g / G.
    void build_table(double nd, double small) {
        const double pmf0 = std::exp(nd * std::log1p(-small));
        if (!(pmf0 > 1e-250) || nd * small > 500.0) return;  // long or underflowing: search
        const double ratio = small / (1.0 - small);
        double f = pmf0, c = pmf0;
        std::vector<double> cdf{c};
        for (std::uint64_t k = 0; k < n_ && c < 1.0 - 0x1p-53; ++k) {
            if (cdf.size() >= k_max_table) return;
            const double kd = static_cast<double>(k);
            f *= (nd - kd) / (kd + 1.0) * ratio;
            if (!(f > 0.0)) break;
            c += f;
            cdf.push_back(c);
        }
        cdf.back() = 1.0;
        const std::size_t g_size = cdf.size();
        std::vector<std::uint32_t> guide(g_size);
        std::size_t k = 0;
        for (std::size_t g = 0; g < g_size; ++g) {
            const double at = static_cast<double>(g) / static_cast<double>(g_size);
            while (cdf[k] <= at) ++k;
            guide[g] = static_cast<std::uint32_t>(k);
        }
        cdf_ = std::move(cdf);
        guide_ = std::move(guide);
        guide_scale_ = static_cast<double>(g_size);
        table_ = true;
    }

    std::vector<double> cdf_;
    std::vector<std::uint32_t> guide_;
    std::vector<std::uint16_t> direct_;
    unsigned direct_shift_ = 32;
    double guide_scale_ = 0.0;
    bool table_ = false;
    std::uint64_t n_ = 0, mode_ = 0;
    double p_ = 0.0, ratio_ = 0.0, pmf_mode_ = 1.0;
    bool flip_ = false, degenerate_ = false;
};

}  // namespace spikegraph
