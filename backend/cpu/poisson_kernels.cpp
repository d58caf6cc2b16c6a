// The Poisson ops: `poisson_input`, a group of Poisson spike sources, and `poisson_drive`,
// Brian2's PoissonInput (a binomial count per target neuron and step, no synapses). Every draw
// is Philox keyed by (seed, rng_stream::poisson, object_hash(name), element, step): the results
// do not depend on the thread count or on the order of visits.

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "backend/cpu/block_program.hpp"
#include "backend/cpu/dispatch.hpp"
#include "backend/cpu/io_kernels.hpp"
#include "builder/op_payloads.hpp"
#include "core/binomial.hpp"
#include "core/random.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::cpu {

namespace {

// A rate expression of t, dt, N and i (timed arrays included), evaluated once per step for
// every element, in double.
class RateProgram {
public:
    RateProgram(const expr::Ptr& rate, std::size_t size, std::uint32_t object)
        : program_({rate}, {{"t", program::Symbol::Kind::uniform},
                            {"dt", program::Symbol::Kind::uniform},
                            {"N", program::Symbol::Kind::uniform}},
                   object),
          size_(static_cast<double>(size)), scratch_(program_.make_scratch()) {}

    // rates[k] = rate of element first + k, for k < count.
    void evaluate(const StepContext& ctx, std::size_t first, std::size_t count, double* rates) {
        const double* uniforms[] = {&ctx.t_ms, &ctx.dt_ms, &size_};
        program_.prepare_step(uniforms, ctx.seed, ctx.step);
        constexpr std::size_t kb = BlockProgram<double>::k_block;
        for (std::size_t k0 = 0; k0 < count; k0 += kb) {
            const std::size_t m = std::min(kb, count - k0);
            program_.run_block(nullptr, m, static_cast<std::int64_t>(first + k0), 0, scratch_.data());
            const double* out = program_.output(0, nullptr, scratch_.data());
            std::copy(out, out + m, rates + k0);
        }
    }

private:
    BlockProgram<double> program_;
    double size_;
    std::vector<double> scratch_;
};

// rate * dt of element `i` at `step`, which must be a probability (Brian's PoissonGroup and
// PoissonInput need rate * dt <= 1).
double probability(double rate_kHz, double dt_ms, const std::string& name, std::size_t i,
                   std::int64_t step) {
    const double p = rate_kHz * dt_ms;
    if (p >= 0.0 && p <= 1.0) return p;
    throw SimulationError(
        fmt::format("input '{}': source {} at step {} has rate {} kHz, so rate * dt = {}; it "
                    "must be between 0 and 1 (a negative rate, or more than one spike per "
                    "step); bound the rate expression or lower dt",
                    name, i, step, rate_kHz, p),
        {.variable = name + ".rate", .neuron = static_cast<std::int64_t>(i), .step = step});
}

template <class T>
class PoissonKernel final : public Kernel {
public:
    PoissonKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<PoissonPayload>(op)), batch_(ws.batch()) {
        const Buffer& r = ws.buffer(p_.rate);
        rate_ = r.as<T>();
        per_source_ = r.size() > 1;
        spikes_ = ws.buffer(p_.spikes_var).as<std::int32_t>();
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        total_ = ws.buffer(p_.total_var).as<std::int64_t>();
        next_ = ws.buffer(p_.next_var).as<std::int64_t>();
        object_ = object_hash(p_.name.c_str());
        seen_.assign(per_source_ ? p_.size : 1, T(-1));
    }

    // Each source's next spike is drawn when it spikes (or when it has none yet), so a step
    // costs one comparison per source instead of one random number: the gaps of a Bernoulli
    // process with probability p per step are geometric, P(gap = g) = (1 - p)^(g - 1) p, so
    // the spike trains have the law of Brian's per-step test `rand() < rate * dt`.
    void run(const StepContext& ctx) override {
        const std::size_t n = p_.size;
        const std::int64_t step = ctx.step;
        for (std::size_t b = 0; b < batch_; ++b) {
            std::int32_t* list = spikes_ + b * n;
            std::int64_t* next = next_ + b * n;
            std::int64_t found = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (next[i] > step) continue;
                const double p = probability(i, ctx.dt_ms);
                const std::uint64_t index = b * n + i;
                if (next[i] < step) {  // none drawn yet (or the rate changed): from this step
                    next[i] = step - 1 + gap(p, ctx.seed, index, step, true);
                    if (next[i] != step) continue;
                }
                list[found++] = static_cast<std::int32_t>(i);
                next[i] = step + gap(p, ctx.seed, index, step, false);
            }
            count_[b] = found;
            total_[b] += found;
        }
    }

    // After an outside write, the sources whose rate changed draw their next spike afresh
    // (the process has no memory, so that is exact); a restore, which puts back the rates and
    // the next spikes together, changes nothing.
    void variables_written() override {
        bool changed = false;
        for (std::size_t i = 0; i < seen_.size(); ++i) {
            changed = changed || (seen_[i] != rate_[i] && seen_[i] != T(-1));
            seen_[i] = rate_[i];
        }
        if (!changed) return;
        for (std::size_t b = 0; b < batch_; ++b)
            std::fill(next_ + b * p_.size, next_ + (b + 1) * p_.size, std::int64_t(-1));
    }

private:
    double probability(std::size_t i, double dt_ms) const {
        return static_cast<double>(per_source_ ? rate_[i] : rate_[0]) * dt_ms;
    }

    // Steps to the next spike, counting the first eligible step as 1: a geometric draw from
    // the Philox counter (source, step); `fresh` draws take the counter's other two words.
    std::int64_t gap(double p, std::uint64_t seed, std::uint64_t index, std::int64_t step,
                     bool fresh) const {
        constexpr auto k_never = std::int64_t(1) << 62;
        if (!(p > 0)) return k_never;
        if (p >= 1) return 1;
        const PhiloxWords r = philox_block(seed, rng_stream::poisson, object_, index,
                                           static_cast<std::uint64_t>(step));
        const double u = 1.0 - (fresh ? u01_from(r[2], r[3]) : u01_from(r[0], r[1]));  // (0, 1]
        const double g = std::floor(std::log(u) / std::log1p(-p));
        return g >= static_cast<double>(k_never) ? k_never : 1 + static_cast<std::int64_t>(g);
    }

    PoissonPayload p_;
    std::size_t batch_;
    const T* rate_ = nullptr;
    bool per_source_ = false;
    std::int32_t* spikes_ = nullptr;
    std::int64_t* count_ = nullptr;
    std::int64_t* total_ = nullptr;
    std::int64_t* next_ = nullptr;
    std::vector<T> seen_;  // the rates the next spikes were drawn with
    std::uint32_t object_ = 0;
};


// A Poisson group whose rate varies in time: Brian's per-step test rand() < rate * dt, with
// the rate evaluated every step (the geometric gaps of PoissonKernel need a constant rate).
class PoissonBernoulliKernel final : public Kernel {
public:
    PoissonBernoulliKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<PoissonPayload>(op)), batch_(ws.batch()),
          object_(object_hash(p_.name.c_str())), rate_(p_.rate_expr, p_.size, object_),
          rates_(p_.size) {
        spikes_ = ws.buffer(p_.spikes_var).as<std::int32_t>();
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        total_ = ws.buffer(p_.total_var).as<std::int64_t>();
    }

    void run(const StepContext& ctx) override {
        const std::size_t n = p_.size;
        rate_.evaluate(ctx, 0, n, rates_.data());
        for (std::size_t i = 0; i < n; ++i)
            rates_[i] = probability(rates_[i], ctx.dt_ms, p_.name, i, ctx.step);
        const auto step = static_cast<std::uint64_t>(ctx.step);
        for (std::size_t b = 0; b < batch_; ++b) {
            std::int32_t* list = spikes_ + b * n;
            std::int64_t found = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (!(rates_[i] > 0.0)) continue;
                const PhiloxWords r = philox_block(ctx.seed, rng_stream::poisson, object_, b * n + i, step);
                if (u01_from(r[0], r[1]) < rates_[i]) list[found++] = static_cast<std::int32_t>(i);
            }
            count_[b] = found;
            total_[b] += found;
        }
    }

private:
    PoissonPayload p_;
    std::size_t batch_;
    std::uint32_t object_;
    RateProgram rate_;
    std::vector<double> rates_;  // this step's probabilities
    std::int32_t* spikes_ = nullptr;
    std::int64_t* count_ = nullptr;
    std::int64_t* total_ = nullptr;
};

// Brian2's PoissonInput: target[b, i] += weight * Binomial(N, rate * dt). The elements
// e = b * size + i draw in chunks of 256: element e uses the uniform w / 2^32 with w = word
// r / 64 of the Philox block 64 c + r % 64, where c = e / 256 and r = e % 256, so the 64 blocks
// of a chunk, computed together (philox_blocks, AVX2 where built with it), are the chunk's
// words in element order. A constant rate (or a rate expression whose values are all equal this
// step) adds weight * count through one sampler's direct table: one load per neuron for most
// words. That is what keeps the input within about twice the cost of the neuron update. Rates
// that differ between neurons draw with table-free samplers, rebuilt only where the probability
// changes from one neuron to the next. The uniform's resolution, 2^-32, bounds the error of each
// count's probability by 2.3e-10.
template <class T>
class PoissonDriveKernel final : public Kernel {
public:
    PoissonDriveKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<PoissonDrivePayload>(op)), batch_(ws.batch()),
          object_(object_hash(p_.name.c_str())) {
        target_ = ws.buffer(p_.target).as<T>();
        if (p_.constant) {
            use_probability(p_.rate_kHz * p_.dt_ms);
        } else {
            rate_.emplace(p_.rate_expr, p_.size, object_);
            rates_.resize(p_.end - p_.begin);
        }
    }

    void run(const StepContext& ctx) override {
        bool uniform = true;  // one probability for the whole slice this step
        if (rate_) {
            rate_->evaluate(ctx, p_.begin, p_.end - p_.begin, rates_.data());
            for (std::size_t k = 0; k < rates_.size(); ++k) {
                rates_[k] = probability(rates_[k], ctx.dt_ms, p_.name, p_.begin + k, ctx.step);
                uniform = uniform && rates_[k] == rates_[0];
            }
            if (uniform && !rates_.empty() && rates_[0] != sampler_.p()) use_probability(rates_[0]);
        }
        const auto step = static_cast<std::uint64_t>(ctx.step);
        const std::size_t n = p_.size;
        constexpr std::uint64_t per_chunk = 4 * k_philox_lanes;
        for (std::size_t b = 0; b < batch_; ++b) {
            T* target = target_ + b * n;
            std::size_t i = p_.begin;
            while (i < p_.end) {
                const std::uint64_t e = b * n + i, chunk = e / per_chunk;
                philox_blocks(ctx.seed, rng_stream::poisson, object_, chunk * k_philox_lanes,
                              step, words_);
                const std::size_t offset = static_cast<std::size_t>(e - chunk * per_chunk);
                const std::size_t m = std::min<std::size_t>(p_.end - i, per_chunk - offset);
                const std::uint32_t* w = &words_[0][0] + offset;
                if (uniform)
                    add_counts(target + i, w, m);
                else
                    add_varying(target + i, w, m, rates_.data() + (i - p_.begin));
                i += m;
            }
        }
    }

private:
    // The sampler of this step's common probability and its weighted direct table.
    void use_probability(double p) {
        sampler_ = BinomialSampler(p_.sources, p);
        values_ = sampler_.direct_values(p_.weight);
        shift_ = sampler_.direct_shift();
    }

    void add_counts(T* target, const std::uint32_t* w, std::size_t m) const {
        if (values_.empty()) {
            for (std::size_t k = 0; k < m; ++k)
                target[k] += static_cast<T>(p_.weight * static_cast<double>(sampler_.draw(w[k])));
            return;
        }
        const double* values = values_.data();
        for (std::size_t k = 0; k < m; ++k) {
            double v = values[w[k] >> shift_];
            if (v != v) v = p_.weight * static_cast<double>(sampler_.draw(w[k]));  // split entry
            target[k] += static_cast<T>(v);
        }
    }

    void add_varying(T* target, const std::uint32_t* w, std::size_t m, const double* p) {
        for (std::size_t k = 0; k < m; ++k) {
            if (p[k] != varying_.p()) varying_ = BinomialSampler(p_.sources, p[k], false);
            target[k] += static_cast<T>(p_.weight * static_cast<double>(varying_.draw(w[k])));
        }
    }

    PoissonDrivePayload p_;
    std::size_t batch_;
    std::uint32_t object_;
    T* target_ = nullptr;
    BinomialSampler sampler_;  // tabled: the constant rate, or this step's common rate
    BinomialSampler varying_;  // table-free: the last of per-neuron rates
    std::optional<RateProgram> rate_;
    std::vector<double> rates_;  // this step's probabilities over the slice
    std::vector<double> values_;  // sampler_.direct_values(weight)
    unsigned shift_ = 32;
    PhiloxLaneWords words_ = {};
};

}  // namespace

void register_poisson_ops(OpRegistry& registry) {
    registry.add<OpFactory>("poisson_input", k_backend_name, [](const OpSpec& op, Workspace& ws) {
        if (payload_as<PoissonPayload>(op).rate_expr)
            return std::unique_ptr<Kernel>(std::make_unique<PoissonBernoulliKernel>(op, ws));
        return make_real<PoissonKernel>(op, ws);
    });
    registry.add<OpFactory>("poisson_drive", k_backend_name, make_real<PoissonDriveKernel>);
}

}  // namespace spikegraph::cpu
