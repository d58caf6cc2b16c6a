#pragma once
// The CPU kernel of `neuron_update`: integrate, threshold and spike list, fused into one pass
// over the group, natively compiled where it can be (native_compiler.hpp) and otherwise run by
// the block-program interpreter, with the same results bit for bit.

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>

#include <tbb/enumerable_thread_specific.h>

#include "backend/codegen/update_kernel.hpp"
#include "backend/cpu/block_program.hpp"
#include "backend/cpu/kernel.hpp"
#include "backend/cpu/native_compiler.hpp"
#include "backend/cpu/neuron_symbols.hpp"
#include "backend/cpu/partition.hpp"
#include "core/log.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu {

template <class T>
class NeuronUpdateKernel final : public Kernel {
    static constexpr std::size_t k_chunk = k_neuron_chunk;
    static_assert(k_chunk % BlockProgram<T>::k_block == 0);

public:
    NeuronUpdateKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<NeuronUpdatePayload>(op)), batch_(ws.batch()) {
        n_ = p_.size;
        refractory_ = p_.refractory_steps > 0 || p_.refractory_condition;
        syms_ = bind_symbols<T>(p_.symbols, ws, n_, true, refractory_ ? "not_refractory" : "");
        if (!refractory_) {
            syms_.symbols.push_back({"not_refractory", program::Symbol::Kind::uniform});
            syms_.uniform_values.push_back(1.0);
        }
        for (const auto& xi : p_.noises) syms_.symbols.push_back({xi, program::Symbol::Kind::noise});
        std::vector<expr::Ptr> outputs = p_.next_value;
        // The threshold is checked on the new values (and, in run_chunk, not while refractory).
        if (p_.threshold)
            outputs.push_back(expr::substitute(p_.threshold, p_.state_vars, p_.next_value));
        program_.emplace(outputs, syms_.symbols, object_hash(p_.group.c_str()));
        if (p_.refractory_condition) {
            condition_.emplace(std::vector<expr::Ptr>{p_.refractory_condition}, syms_.symbols,
                               object_hash(p_.group.c_str()) ^ 0x68E31DA4u);
            not_refractory_ = ws.buffer(p_.not_refractory_var).as<T>();
        }
        for (const auto& v : p_.state_vars) {
            std::string var;
            for (const auto& s : p_.symbols)
                if (s.symbol == v) var = s.var;
            state_.push_back(ws.buffer(var).as<T>());
        }
        lastspike_ = ws.buffer(p_.lastspike_var).as<std::int64_t>();
        spikes_ = ws.buffer(p_.spikes_var).as<std::int32_t>();
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        total_ = ws.buffer(p_.total_var).as<std::int64_t>();
        chunks_ = neuron_chunks(n_);
        parts_ = neuron_parts(n_, batch_, ws.threads());
        chunk_counts_.assign(batch_ * chunks_, 0);
        chunk_spikes_.assign(batch_ * n_, 0);
        for (double& u : syms_.uniform_values) uniform_ptrs_.push_back(&u);
        if (!condition_ && native_enabled()) bind_native();
    }

    void run(const StepContext& ctx) override { run_partitioned(*this, ctx, parts_); }

    // Part p updates the work items (batch entry, chunk) [W p / parts, W (p + 1) / parts) of the
    // W = batch x chunks: with one batch entry, the neurons of part p of the partition.
    PartitionKey partition() const override {
        return parts_ > 1 ? PartitionKey{n_, parts_, batch_ > 1} : PartitionKey{};
    }

    // Every per-neuron array is read and written at the part's own neurons; the spike list
    // only in end_step.
    std::vector<const void*> part_local() const override {
        std::vector<const void*> local(syms_.varying_base.begin(), syms_.varying_base.end());
        local.insert(local.end(), state_.begin(), state_.end());
        local.push_back(lastspike_);
        if (not_refractory_) local.push_back(not_refractory_);
        return local;
    }

    std::vector<const void*> late_writes() const override { return {spikes_, count_, total_}; }

    Split begin_step(const StepContext& ctx, bool) override {
        const std::size_t nu = syms_.uniform_src.size();
        for (std::size_t k = 0; k < nu; ++k) syms_.uniform_values[k] = *syms_.uniform_src[k];
        syms_.uniform_values[nu] = ctx.t_ms;
        syms_.uniform_values[nu + 1] = ctx.dt_ms;
        program_->prepare_step(uniform_ptrs_.data(), ctx.seed, ctx.step);
        // The refractory mirror is rebuilt by the parts, each at its own neurons.
        rebuild_until_ = !until_.empty() && (!until_valid_ || ctx.step < until_base_ ||
                                             ctx.step - until_base_ >= k_until_rebase);
        if (rebuild_until_) {
            until_valid_ = true;
            until_base_ = ctx.step;
        }
        return parts_ > 1 ? Split::parts : Split::whole;
    }

    void run_part(const StepContext& ctx, std::size_t p) override {
        const std::size_t work = batch_ * chunks_;
        for (std::size_t w = work * p / parts_; w < work * (p + 1) / parts_; ++w)
            run_item(w / chunks_, w % chunks_, ctx);
    }

    void run_whole(const StepContext& ctx) override {
        for (std::size_t w = 0; w < batch_ * chunks_; ++w) run_item(w / chunks_, w % chunks_, ctx);
    }

    // Concatenates the chunks' spike lists in chunk order into the group's spike list.
    void end_step(const StepContext&) override {
        for (std::size_t b = 0; b < batch_; ++b) {
            std::int32_t* list = spikes_ + b * n_;
            const std::int32_t* found = chunk_spikes_.data() + b * n_;
            std::size_t filled = 0;
            for (std::size_t c = 0; c < chunks_; ++c) {
                const std::size_t m = chunk_counts_[b * chunks_ + c];
                if (m) std::memcpy(list + filled, found + c * k_chunk, m * sizeof(std::int32_t));
                filled += m;
            }
            count_[b] = static_cast<std::int64_t>(filled);
            total_[b] += static_cast<std::int64_t>(filled);
        }
    }

    void variables_written() override { until_valid_ = false; }

private:
    // The refractory mirror: until[i] = lastspike[i] + refractory_steps - base, clamped to
    // +-k_until_clamp, so that `step - base >= until[i]` is `step - lastspike[i] >=
    // refractory_steps` (a clamped entry is far enough in the past, or the future, for the test
    // to come out the same). It is rebuilt from lastspike after any outside write, and with a
    // new base every k_until_rebase steps (about 15 hours at dt 0.1 ms), before step - base
    // could reach the clamp.
    void build_until(std::size_t first, std::size_t last, std::int64_t step) {
        const std::int64_t r = p_.refractory_steps;
        for (std::size_t k = first; k < last; ++k) {
            const std::int64_t last = lastspike_[k];  // any value: written from outside
            std::int64_t left = k_until_clamp;
            if (last <= step - k_until_clamp) left = -k_until_clamp;
            else if (last < step + k_until_clamp) left = std::clamp(last + r - step, -k_until_clamp, k_until_clamp);
            until_[k] = static_cast<std::int32_t>(left);
        }
    }

    // The whole per-neuron update as one compiled loop (backend/codegen/update_kernel.hpp).
    void bind_native() {
        codegen::UpdateKernelSpec spec;
        spec.group = p_.group;
        spec.real_type = std::is_same_v<T, float> ? "float" : "double";
        spec.state_count = state_.size();
        spec.threshold = static_cast<bool>(p_.threshold);
        for (std::size_t k = 0; k < syms_.varying_base.size(); ++k) {
            int state = -1;
            for (std::size_t s = 0; s < state_.size(); ++s)
                if (syms_.varying_base[k] == state_[s] && syms_.varying_stride[k] == n_)
                    state = static_cast<int>(s);
            spec.varying_state.push_back(state);
        }
        const bool mirror = refractory_ && p_.refractory_steps < k_until_rebase;
        spec.refractory = mirror        ? codegen::UpdateKernelSpec::Refractory::mirror
                          : refractory_ ? codegen::UpdateKernelSpec::Refractory::lastspike
                                        : codegen::UpdateKernelSpec::Refractory::none;
        spec.refractory_steps = p_.refractory_steps;
        const std::string src = codegen::update_kernel_source(program_->program(), spec);
        for (const auto& a : program_->program().arrays) arrays_.push_back(a->values);
        std::string why;
        native_ = reinterpret_cast<codegen::UpdateKernelFn<T>>(compile_native(src, "sg_update", why));
        if (native_ && mirror) until_.assign(batch_ * n_, 0);
        if (native_) count_native_kernel();
        else logger("spikegraph.cpu")->warn("group '{}' runs interpreted: {}", p_.group, why);
    }

    // One work item: chunk c of batch entry b. Its spikes go to its own place in chunk_spikes_.
    void run_item(std::size_t b, std::size_t c, const StepContext& ctx) {
        if (rebuild_until_)
            build_until(b * n_ + c * k_chunk, b * n_ + std::min(n_, (c + 1) * k_chunk), ctx.step);
        if (native_) run_native(b, c, ctx.step, ctx.seed);
        else run_chunk(b, c, ctx.step);
    }

    void run_native(std::size_t b, std::size_t c, std::int64_t step, std::uint64_t seed) {
        const std::size_t begin = c * k_chunk, end = std::min(n_, begin + k_chunk);
        const T* in[k_max_varying];
        T* state[k_max_varying];
        for (std::size_t k = 0; k < syms_.varying_base.size(); ++k)
            in[k] = syms_.varying_base[k] + b * syms_.varying_stride[k];
        for (std::size_t s = 0; s < state_.size(); ++s) state[s] = state_[s] + b * n_;
        const std::int64_t found = native_(
            in, state, program_->slots(), arrays_.data(), lastspike_ + b * n_,
            until_.empty() ? nullptr : until_.data() + b * n_,
            static_cast<std::int32_t>(step - until_base_), chunk_spikes_.data() + b * n_ + begin,
            static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end), step, seed, b * n_);
        chunk_counts_[b * chunks_ + c] = static_cast<std::size_t>(found);
    }

    void run_chunk(std::size_t b, std::size_t c, std::int64_t step) {
        auto& scratch = scratch_.local();
        if (scratch.empty()) {
            scratch = program_->make_scratch();
            if (condition_ && condition_->make_scratch().size() > scratch.size())
                scratch = condition_->make_scratch();
        }
        constexpr std::size_t kb = BlockProgram<T>::k_block;
        const std::size_t begin = c * k_chunk, end = std::min(n_, begin + k_chunk);
        std::int32_t* list = chunk_spikes_.data() + b * n_ + begin;
        std::size_t found = 0;
        const std::size_t nv = syms_.varying_base.size();
        const T* varying[k_max_varying];
        T not_refractory[kb];
        std::int64_t* last = lastspike_ + b * n_;
        const std::size_t ns = state_.size();
        for (std::size_t i0 = begin; i0 < end; i0 += kb) {
            const std::size_t m = std::min(kb, end - i0);
            for (std::size_t k = 0; k < nv; ++k)
                varying[k] = syms_.varying_base[k] + b * syms_.varying_stride[k] + i0;
            if (condition_) {
                // Refractory since the last spike until the condition is false.
                varying[nv] = not_refractory;
                condition_->run_block(varying, m, static_cast<std::int64_t>(i0), b * n_,
                                      scratch.data());
                const T* holds = condition_->output(0, varying, scratch.data());
                const T* was = not_refractory_ + b * n_ + i0;
                for (std::size_t k = 0; k < m; ++k)
                    not_refractory[k] = (was[k] != T(0) || holds[k] == T(0)) ? T(1) : T(0);
            } else if (refractory_) {
                for (std::size_t k = 0; k < m; ++k)
                    not_refractory[k] = (step - last[i0 + k]) >= p_.refractory_steps ? T(1) : T(0);
                varying[nv] = not_refractory;
            }
            program_->run_block(varying, m, static_cast<std::int64_t>(i0), b * n_, scratch.data());
            for (std::size_t s = 0; s < ns; ++s) {
                const T* src = program_->output(s, varying, scratch.data());
                std::copy(src, src + m, state_[s] + b * n_ + i0);
            }
            if (p_.threshold) {
                const T* thr = program_->output(ns, varying, scratch.data());
                for (std::size_t k = 0; k < m; ++k) {
                    const bool fire = thr[k] != T(0) && (!refractory_ || not_refractory[k] != T(0));
                    if (fire) {
                        list[found++] = static_cast<std::int32_t>(i0 + k);
                        last[i0 + k] = step;
                    }
                }
            }
            if (condition_) {
                T* flag = not_refractory_ + b * n_ + i0;
                for (std::size_t k = 0; k < m; ++k) flag[k] = not_refractory[k];
                for (std::size_t k = 0; k < m; ++k)
                    if (last[i0 + k] == step) flag[k] = T(0);
            }
        }
        chunk_counts_[b * chunks_ + c] = found;
    }

    NeuronUpdatePayload p_;
    std::size_t batch_, n_ = 0, chunks_ = 0, parts_ = 1;  // parts_: see partition.hpp
    bool refractory_ = false;
    BoundSymbols<T> syms_;
    std::vector<const double*> uniform_ptrs_;
    std::optional<BlockProgram<T>> program_;
    std::optional<BlockProgram<T>> condition_;
    codegen::UpdateKernelFn<T> native_ = nullptr;
    std::vector<const double*> arrays_;  // the data of the program's timed arrays
    T* not_refractory_ = nullptr;
    std::vector<T*> state_;
    std::int64_t* lastspike_ = nullptr;
    static constexpr std::int64_t k_until_clamp = std::int64_t(1) << 30;
    static constexpr std::int64_t k_until_rebase = std::int64_t(1) << 29;
    std::vector<std::int32_t> until_;  // per neuron, when the native update is refractory
    std::int64_t until_base_ = 0;
    bool until_valid_ = false, rebuild_until_ = false;
    std::vector<std::int32_t> chunk_spikes_;  // each chunk's spikes at its own start
    std::int32_t* spikes_ = nullptr;
    std::int64_t* count_ = nullptr;
    std::int64_t* total_ = nullptr;
    std::vector<std::size_t> chunk_counts_;
    tbb::enumerable_thread_specific<std::vector<T>> scratch_;
};

}  // namespace spikegraph::cpu
