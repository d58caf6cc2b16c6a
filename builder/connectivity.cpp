#include "builder/connectivity.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <spikegraph/error.hpp>
#include "core/cancel.hpp"
#include "core/random.hpp"

namespace spikegraph {

namespace {

using Rows = std::vector<std::vector<std::int32_t>>;

// Polled once per row (or column): a signal stops even a build of 10^10 pairs within a second.
void poll_cancel(const std::string& where) {
    if (cancel_requested())
        throw_if_cancelled("while building the synapses of " + where + "; nothing was written");
}

SynapseTable to_csr(Rows rows, std::size_t cols) {
    SynapseTable t;
    t.rows = rows.size();
    t.cols = cols;
    t.indptr.assign(rows.size() + 1, 0);
    for (std::size_t i = 0; i < rows.size(); ++i)
        t.indptr[i + 1] = t.indptr[i] + static_cast<std::int64_t>(rows[i].size());
    t.indices.reserve(static_cast<std::size_t>(t.indptr.back()));
    for (auto& r : rows) {
        std::sort(r.begin(), r.end());
        t.indices.insert(t.indices.end(), r.begin(), r.end());
        std::vector<std::int32_t>().swap(r);
    }
    return t;
}

// k distinct values from [0, n) minus `skip` (or -1), by Floyd's algorithm on Philox draws
// keyed by (row, draw number).
std::vector<std::int32_t> choose(std::size_t k, std::size_t n, std::int64_t skip,
                                 std::uint64_t seed, std::uint32_t object, std::uint64_t row) {
    const bool has_skip = skip >= 0 && static_cast<std::size_t>(skip) < n;
    const std::size_t pool = n - (has_skip ? 1 : 0);
    std::vector<std::int32_t> picked;
    picked.reserve(k);
    std::uint64_t draw_no = 0;
    for (std::size_t j = pool - k; j < pool; ++j) {
        const double u = uniform01(seed, rng_stream::connectivity, object, row, draw_no++);
        auto t = static_cast<std::int64_t>(u * static_cast<double>(j + 1));
        if (std::find(picked.begin(), picked.end(), t) != picked.end())
            t = static_cast<std::int64_t>(j);
        picked.push_back(static_cast<std::int32_t>(t));
    }
    // Map pool positions onto [0, n) around the skipped index.
    if (has_skip)
        for (auto& v : picked)
            if (v >= skip) ++v;
    return picked;
}

}  // namespace

SynapseTable make_synapses(const Connectivity& rule, std::size_t pre_n, std::size_t post_n,
                           bool same_group, std::int64_t self_offset, std::uint64_t seed,
                           std::uint32_t object, const std::string& where,
                           const PairFunctions& pairs) {
    auto self_of = [&](std::size_t i) -> std::int64_t {
        if (!same_group || rule.allow_self) return -1;
        return static_cast<std::int64_t>(i) + self_offset;
    };
    Rows rows(pre_n);
    using Rule = Connectivity::Rule;
    if (!pairs.empty() &&
        (rule.rule == Rule::all_to_all || rule.rule == Rule::fixed_probability)) {
        const bool all = rule.rule == Rule::all_to_all;
        if (!all && !pairs.probability && !(rule.p >= 0.0 && rule.p <= 1.0))
            throw ConfigError(fmt::format("{}: p = {} is not a probability in [0, 1]", where,
                                          rule.p));
        // The error reported is that of the first bad row, whatever the thread count.
        std::mutex mutex;
        std::size_t bad_row = pre_n;
        std::exception_ptr bad;
        tbb::parallel_for(std::size_t(0), pre_n, [&](std::size_t i) {
            poll_cancel(where);
            const std::int64_t s = self_of(i);
            try {
                for (std::size_t j = 0; j < post_n; ++j) {
                    if (static_cast<std::int64_t>(j) == s) continue;
                    if (pairs.condition && !pairs.condition(i, j)) continue;
                    if (!all) {
                        const double p = pairs.probability ? pairs.probability(i, j) : rule.p;
                        // Keyed by the pair, so a pair's fate does not depend on the others.
                        if (p < 1.0 &&
                            !(uniform01(seed, rng_stream::connectivity, object, i, j) < p))
                            continue;
                    }
                    rows[i].push_back(static_cast<std::int32_t>(j));
                }
            } catch (const Error&) {
                const std::lock_guard lock(mutex);
                if (i < bad_row) bad_row = i, bad = std::current_exception();
            }
        });
        if (bad) std::rethrow_exception(bad);
        return to_csr(std::move(rows), post_n);
    }
    switch (rule.rule) {
        case Rule::all_to_all:
            tbb::parallel_for(std::size_t(0), pre_n, [&](std::size_t i) {
                poll_cancel(where);
                const std::int64_t s = self_of(i);
                for (std::size_t j = 0; j < post_n; ++j)
                    if (static_cast<std::int64_t>(j) != s)
                        rows[i].push_back(static_cast<std::int32_t>(j));
            });
            break;
        case Rule::one_to_one:
            if (pre_n != post_n)
                throw ConfigError(fmt::format("{}: one_to_one needs slices of equal size, got "
                                              "{} pre and {} post neurons",
                                              where, pre_n, post_n));
            for (std::size_t i = 0; i < pre_n; ++i) rows[i].push_back(static_cast<std::int32_t>(i));
            break;
        case Rule::fixed_probability: {
            if (!(rule.p >= 0.0 && rule.p <= 1.0))
                throw ConfigError(fmt::format("{}: p = {} is not a probability in [0, 1]", where,
                                              rule.p));
            if (rule.p == 0.0) break;
            // Geometric gaps between successive synapses of a row: O(synapses), not O(pre*post).
            const double log_q = std::log1p(-rule.p);
            tbb::parallel_for(std::size_t(0), pre_n, [&](std::size_t i) {
                poll_cancel(where);
                const std::int64_t s = self_of(i);
                std::uint64_t draw_no = 0;
                std::int64_t j = -1;
                while (true) {
                    if (rule.p >= 1.0) {
                        ++j;
                    } else {
                        const double u = 1.0 - uniform01(seed, rng_stream::connectivity, object, i,
                                                         draw_no++);
                        const double gap = std::floor(std::log(u) / log_q);
                        if (gap >= static_cast<double>(post_n)) break;
                        j += 1 + static_cast<std::int64_t>(gap);
                    }
                    if (j >= static_cast<std::int64_t>(post_n)) break;
                    if (j != s) rows[i].push_back(static_cast<std::int32_t>(j));
                }
            });
            break;
        }
        case Rule::fixed_outdegree: {
            const std::size_t pool = post_n - ((same_group && !rule.allow_self) ? 1 : 0);
            if (rule.degree > pool)
                throw ConfigError(fmt::format("{}: out-degree {} is larger than the {} possible "
                                              "targets", where, rule.degree, pool));
            tbb::parallel_for(std::size_t(0), pre_n, [&](std::size_t i) {
                poll_cancel(where);
                rows[i] = choose(rule.degree, post_n, self_of(i), seed, object, i);
            });
            break;
        }
        case Rule::fixed_indegree: {
            const std::size_t pool = pre_n - ((same_group && !rule.allow_self) ? 1 : 0);
            if (rule.degree > pool)
                throw ConfigError(fmt::format("{}: in-degree {} is larger than the {} possible "
                                              "sources", where, rule.degree, pool));
            std::vector<std::vector<std::int32_t>> cols(post_n);
            tbb::parallel_for(std::size_t(0), post_n, [&](std::size_t j) {
                poll_cancel(where);
                std::int64_t skip = -1;
                if (same_group && !rule.allow_self) skip = static_cast<std::int64_t>(j) - self_offset;
                cols[j] = choose(rule.degree, pre_n, skip, seed, object ^ 0x1F3Du, j);
            });
            for (std::size_t j = 0; j < post_n; ++j)
                for (auto i : cols[j]) rows[static_cast<std::size_t>(i)].push_back(static_cast<std::int32_t>(j));
            break;
        }
        case Rule::explicit_list:
            for (const auto& [i, j] : rule.pairs) {
                if (i < 0 || static_cast<std::size_t>(i) >= pre_n || j < 0 ||
                    static_cast<std::size_t>(j) >= post_n)
                    throw ConfigError(fmt::format("{}: pair ({}, {}) is out of range for {} pre "
                                                  "and {} post neurons", where, i, j, pre_n, post_n));
                rows[static_cast<std::size_t>(i)].push_back(static_cast<std::int32_t>(j));
            }
            break;
    }
    return to_csr(std::move(rows), post_n);
}

}  // namespace spikegraph
