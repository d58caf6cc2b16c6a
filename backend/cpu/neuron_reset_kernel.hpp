#pragma once
// The CPU kernel of `neuron_reset`: the reset statements at the neurons that spiked this step.

#include <algorithm>
#include <map>
#include <optional>

#include "backend/cpu/block_program.hpp"
#include "backend/cpu/kernel.hpp"
#include "backend/cpu/neuron_symbols.hpp"
#include "backend/cpu/partition.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu {

// Statements run in order, each seeing the effect of the ones before: they are folded into one
// final expression per target, evaluated on the values gathered from the spiking neurons.
template <class T>
class NeuronResetKernel final : public Kernel {
public:
    NeuronResetKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<NeuronResetPayload>(op)), batch_(ws.batch()) {
        n_ = p_.size;
        std::map<std::string, expr::Ptr> current;
        std::vector<std::string> order;
        for (const auto& st : p_.statements) {
            std::vector<std::string> names;
            std::vector<expr::Ptr> values;
            for (const auto& [k, v] : current) names.push_back(k), values.push_back(v);
            expr::Ptr value = expr::substitute(st.value, names, values);
            expr::Ptr old = current.count(st.target) ? current[st.target] : expr::symbol(st.target);
            switch (st.op) {
                case UpdateStatement::Op::assign: break;
                case UpdateStatement::Op::add: value = expr::add(old, value); break;
                case UpdateStatement::Op::sub: value = expr::sub(old, value); break;
                case UpdateStatement::Op::mul: value = expr::mul(old, value); break;
                case UpdateStatement::Op::div: value = expr::div(old, value); break;
            }
            if (!current.count(st.target)) order.push_back(st.target);
            current[st.target] = value;
        }
        std::vector<expr::Ptr> outputs;
        for (const auto& t : order) {
            outputs.push_back(current[t]);
            const SymbolBinding* target = nullptr;
            for (const auto& s : p_.symbols)
                if (s.symbol == t) target = &s;
            if (!target) throw BuildError(fmt::format("reset of group '{}' writes '{}', which is "
                                                      "not a variable of the group", p_.group, t));
            targets_.push_back(ws.buffer(target->var).as<T>());
            target_stride_.push_back(target->source == SymbolBinding::Source::state ? n_ : 0);
        }
        syms_ = bind_symbols<T>(p_.symbols, ws, n_, true, "i");
        program_.emplace(outputs, syms_.symbols, object_hash(p_.group.c_str()) ^ 0x5bd1e995u);
        // Reset in parallel, each part the spiking neurons it updates (partition.hpp), unless
        // a target is shared by all neurons.
        parts_ = neuron_parts(n_, batch_, ws.threads());
        for (std::size_t stride : target_stride_)
            if (stride == 0) parts_ = 1;
        const std::size_t nv = syms_.varying_base.size() + 1;
        work_.resize(parts_);
        for (PartBuffers& w : work_) {
            w.gathered.assign(nv * BlockProgram<T>::k_block, T(0));
            w.scratch = program_->make_scratch();
        }
        spikes_ = ws.buffer(p_.spikes_var).as<std::int32_t>();
        count_ = ws.buffer(p_.count_var).as<std::int64_t>();
        for (double& u : syms_.uniform_values) uniform_ptrs_.push_back(&u);
    }

    void run(const StepContext& ctx) override { run_partitioned(*this, ctx, parts_); }

    PartitionKey partition() const override {
        return parts_ > 1 ? PartitionKey{n_, parts_} : PartitionKey{};
    }

    // Part p reads and writes the per-neuron variables at its own spiking neurons only.
    std::vector<const void*> part_local() const override {
        std::vector<const void*> local(targets_.begin(), targets_.end());
        local.insert(local.end(), syms_.varying_base.begin(), syms_.varying_base.end());
        return local;
    }

    Split begin_step(const StepContext& ctx, bool) override {
        if (targets_.empty()) return Split::none;
        bool any = false;
        for (std::size_t b = 0; b < batch_; ++b) any = any || count_[b] > 0;
        if (!any) return Split::none;
        const std::size_t nu = syms_.uniform_src.size();
        for (std::size_t k = 0; k < nu; ++k) syms_.uniform_values[k] = *syms_.uniform_src[k];
        syms_.uniform_values[nu] = ctx.t_ms;
        syms_.uniform_values[nu + 1] = ctx.dt_ms;
        program_->prepare_step(uniform_ptrs_.data(), ctx.seed, ctx.step);
        return parts_ > 1 ? Split::parts : Split::whole;
    }

    void run_part(const StepContext&, std::size_t p) override { reset_part(p); }
    void run_whole(const StepContext&) override { reset_part(0); }

private:
    struct PartBuffers {
        std::vector<T> gathered, scratch;
    };

    // The spikes of part p's neurons. Each element's result depends on its values and its
    // position in the spike list only, so the split changes nothing.
    void reset_part(std::size_t p) {
        constexpr std::size_t kb = BlockProgram<T>::k_block;
        const std::size_t nv = syms_.varying_base.size();
        PartBuffers& work = work_[p];
        const T* varying[k_max_varying];
        for (std::size_t b = 0; b < batch_; ++b) {
            const std::int32_t* list = spikes_ + b * n_;
            const std::int32_t* end = list + count_[b];
            const std::int32_t* lo = list;
            const std::int32_t* hi = end;
            if (parts_ > 1) {
                lo = std::lower_bound(list, end, static_cast<std::int32_t>(part_first_neuron(n_, p, parts_)));
                hi = std::lower_bound(lo, end, static_cast<std::int32_t>(part_first_neuron(n_, p + 1, parts_)));
            }
            for (std::size_t s0 = static_cast<std::size_t>(lo - list);
                 s0 < static_cast<std::size_t>(hi - list); s0 += kb) {
                const std::size_t m = std::min(kb, static_cast<std::size_t>(hi - list) - s0);
                for (std::size_t k = 0; k < nv; ++k) {
                    T* g = work.gathered.data() + k * kb;
                    const T* src = syms_.varying_base[k] + b * syms_.varying_stride[k];
                    for (std::size_t j = 0; j < m; ++j) g[j] = src[list[s0 + j]];
                    varying[k] = g;
                }
                T* idx = work.gathered.data() + nv * kb;
                for (std::size_t j = 0; j < m; ++j) idx[j] = static_cast<T>(list[s0 + j]);
                varying[nv] = idx;
                program_->run_block(varying, m, static_cast<std::int64_t>(s0), b * n_,
                                    work.scratch.data());
                for (std::size_t t = 0; t < targets_.size(); ++t) {
                    const T* out = program_->output(t, varying, work.scratch.data());
                    T* dst = targets_[t] + b * target_stride_[t];
                    for (std::size_t j = 0; j < m; ++j) dst[list[s0 + j]] = out[j];
                }
            }
        }
    }

    NeuronResetPayload p_;
    std::size_t batch_, n_ = 0;
    BoundSymbols<T> syms_;
    std::vector<const double*> uniform_ptrs_;
    std::optional<BlockProgram<T>> program_;
    std::vector<T*> targets_;
    std::vector<std::size_t> target_stride_;
    std::size_t parts_ = 1;
    std::vector<PartBuffers> work_;  // per part
    const std::int32_t* spikes_ = nullptr;
    const std::int64_t* count_ = nullptr;
};

}  // namespace spikegraph::cpu
