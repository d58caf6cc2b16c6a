// The kernels of synapse models: `synapse_pathway` (on_pre / on_post, event-driven: only the
// synapses of the sources that spiked, delayed, are visited, one after another in a fixed order,
// so results do not depend on the thread count) and `synapse_each` (the clock-driven update and
// summed variables: every synapse, every step, in blocks).

#include "backend/cpu/synapse_kernels.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>

#include <fmt/format.h>

#include "backend/codegen/pathway_kernel.hpp"
#include "backend/cpu/block_program.hpp"
#include "backend/cpu/dispatch.hpp"
#include "backend/cpu/native_compiler.hpp"
#include "builder/op_payloads.hpp"
#include "core/random.hpp"
#include "core/log.hpp"

namespace spikegraph::cpu {

namespace {

using Index = SynapseSymbol::Index;

// A synapse op's symbols bound to the workspace.
template <class T>
struct SynapseBinding {
    std::vector<program::Symbol> symbols;  // varying first-come, as in the payload, then t, dt
    std::vector<const SynapseSymbol*> varying;  // per varying symbol
    std::vector<T*> base;                       // its buffer (nullptr for the numbers)
    std::vector<const T*> uniform_src;          // shared values
    std::vector<double> uniform_values;         // this step's: shared values, then t, dt
    std::vector<const double*> uniform_ptrs;
    const std::int32_t* pre_index = nullptr;
    const std::int32_t* post_index = nullptr;

    SynapseBinding(const SynapseIndexing& syn, Workspace& ws) {
        for (const auto& s : syn.symbols) {
            if (s.index == Index::shared) {
                symbols.push_back({s.symbol, program::Symbol::Kind::uniform});
                uniform_src.push_back(ws.buffer(s.var).as<T>());
                continue;
            }
            symbols.push_back({s.symbol, program::Symbol::Kind::varying});
            varying.push_back(&s);
            base.push_back(s.var.empty() ? nullptr : ws.buffer(s.var).as<T>());
        }
        symbols.push_back({"t", program::Symbol::Kind::uniform});
        symbols.push_back({"dt", program::Symbol::Kind::uniform});
        uniform_values.resize(uniform_src.size() + 2);
        for (double& u : uniform_values) uniform_ptrs.push_back(&u);
        pre_index = ws.buffer(syn.pre_index).as<std::int32_t>();
        post_index = ws.buffer(syn.post_index).as<std::int32_t>();
    }

    void read_uniforms(const StepContext& ctx) {
        const std::size_t n = uniform_src.size();
        for (std::size_t k = 0; k < n; ++k) uniform_values[k] = static_cast<double>(*uniform_src[k]);
        uniform_values[n] = ctx.t_ms;
        uniform_values[n + 1] = ctx.dt_ms;
    }

    // Symbol k's array for batch entry b, offset so that it is indexed by synapse, or by the
    // neuron's index within the connection's slice.
    T* at(std::size_t k, std::size_t b) const {
        const SynapseSymbol& s = *varying[k];
        if (!base[k]) return nullptr;
        T* p = base[k] + (s.batched ? b * s.size : 0);
        return s.index == Index::synapse ? p : p + s.offset;
    }

    // The value of varying symbol k for synapse syn of batch entry b.
    T value(std::size_t k, std::size_t b, std::int64_t syn) const {
        const SynapseSymbol& s = *varying[k];
        switch (s.index) {
            case Index::synapse: return at(k, b)[syn];
            case Index::pre: return at(k, b)[pre_index[syn]];
            case Index::post: return at(k, b)[post_index[syn]];
            case Index::pre_number: return static_cast<T>(pre_index[syn] + static_cast<std::int64_t>(s.offset));
            case Index::post_number: return static_cast<T>(post_index[syn] + static_cast<std::int64_t>(s.offset));
            case Index::shared: break;
        }
        return T(0);
    }

    T* location(std::size_t k, std::size_t b, std::int64_t syn) const {
        const SynapseSymbol& s = *varying[k];
        if (s.index == Index::pre) return at(k, b) + pre_index[syn];
        if (s.index == Index::post) return at(k, b) + post_index[syn];
        return at(k, b) + syn;
    }

    std::size_t varying_of(const std::string& symbol) const {
        for (std::size_t k = 0; k < varying.size(); ++k)
            if (varying[k]->symbol == symbol) return k;
        throw BuildError(fmt::format("synapse op: '{}' is written but not bound", symbol));
    }
};

template <class T>
class PathwayKernel final : public Kernel {
public:
    PathwayKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<SynapsePathwayPayload>(op)), batch_(ws.batch()), bind_(p_.syn, ws) {
        const std::uint32_t object = object_hash(op.name.c_str());
        program_.emplace(p_.values, bind_.symbols, object);
        for (const auto& t : p_.targets) stores_.push_back(bind_.varying_of(t));
        spikes_ = ws.buffer(p_.src_spikes).as<std::int32_t>();
        count_ = ws.buffer(p_.src_count).as<std::int64_t>();
        indptr_ = ws.buffer(p_.indptr).as<std::int64_t>();
        if (!p_.order.empty()) order_ = ws.buffer(p_.order).as<std::int32_t>();
        if (!p_.order_pre.empty()) order_pre_ = ws.buffer(p_.order_pre).as<std::int32_t>();
        if (!p_.delay.empty()) delay_ = ws.buffer(p_.delay).as<std::int32_t>();
        src_n_ = p_.src_end - p_.src_begin;
        const std::int64_t depth = p_.delay.empty() ? p_.delay_steps : p_.max_delay_steps;
        if (depth > 0) {
            ring_ = ws.buffer(p_.ring).as<std::int32_t>();
            ring_count_ = ws.buffer(p_.ring_count).as<std::int64_t>();
            slots_ = static_cast<std::size_t>(depth) + 1;
        }
        ptrs_.resize(bind_.varying.size());
        runs_.reserve(3 * src_n_);
        if (!p_.traces.empty()) bind_traces(ws, object);
        if (native_enabled()) bind_native(op);
    }

    void run(const StepContext& ctx) override {
        if (traces_) rescale_traces(ctx);
        bind_.read_uniforms(ctx);
        program_->prepare_step(bind_.uniform_ptrs.data(), ctx.seed, ctx.step);
        if (traces_) traces_->prepare_step(bind_.uniform_ptrs.data(), ctx.seed, ctx.step);
        const auto step = static_cast<std::size_t>(ctx.step);
        for (std::size_t b = 0; b < batch_; ++b) {
            const auto [first, last] = spikes_in_slice(spikes_ + b * p_.src_size, count_[b],
                                                       p_.src_begin, p_.src_end, p_.src_size);
            const auto offset = static_cast<std::int32_t>(p_.src_begin);
            if (!ring_) {
                for (const std::int32_t* s = first; s != last; ++s) add_row(b, *s - offset, ctx, -1);
                visit(b, ctx);
                continue;
            }
            // Push this step's sources (within the slice) into the ring.
            const std::size_t in = step % slots_;
            std::int32_t* slot_in = ring_ + (in * batch_ + b) * src_n_;
            std::int64_t n_in = 0;
            for (const std::int32_t* s = first; s != last; ++s) slot_in[n_in++] = *s - offset;
            ring_count_[in * batch_ + b] = n_in;
            if (!delay_) {  // uniform: the sources of D steps ago
                const std::size_t out = (step + 1) % slots_;
                const std::int32_t* slot = ring_ + (out * batch_ + b) * src_n_;
                for (std::int64_t q = 0; q < ring_count_[out * batch_ + b]; ++q)
                    add_row(b, slot[q], ctx, -1);
                visit(b, ctx);
                continue;
            }
            // Per-synapse delays: the sources of d steps ago, their synapses of delay d; the
            // oldest first.
            for (std::size_t d = slots_; d-- > 0;) {
                if (d > step) continue;
                const std::size_t s = (step - d) % slots_;
                const std::int32_t* slot = ring_ + (s * batch_ + b) * src_n_;
                for (std::int64_t q = 0; q < ring_count_[s * batch_ + b]; ++q)
                    add_row(b, slot[q], ctx, static_cast<std::int32_t>(d));
            }
            visit(b, ctx);
        }
    }

    std::uint64_t synaptic_events() const override { return events_; }

private:
    // The program of the per-neuron traces: inputs each trace and the time of its last update
    // (none for a scaled trace), outputs every trace decayed to t, then every trace after the
    // event.
    void bind_traces(Workspace& ws, std::uint32_t object) {
        std::vector<program::Symbol> symbols;
        std::vector<expr::Ptr> outputs;
        for (const auto& t : p_.traces) {
            symbols.push_back({t.symbol, program::Symbol::Kind::varying});
            trace_.push_back(ws.buffer(t.var).as<T>());
            trace_last_.push_back(t.last_var.empty() ? nullptr : ws.buffer(t.last_var).as<T>());
            trace_ref_.push_back(t.ref_var.empty() ? nullptr : ws.buffer(t.ref_var).as<T>());
            if (trace_last_.back()) symbols.push_back({t.symbol + "@last", program::Symbol::Kind::varying});
            outputs.push_back(t.decayed);
        }
        for (const auto& t : p_.traces) outputs.push_back(t.updated);
        trace_in_.resize(symbols.size());
        for (std::size_t q = 0; q < trace_in_.size(); ++q) trace_inputs_.push_back(&trace_in_[q]);
        for (const auto& sym : bind_.symbols)
            if (sym.kind == program::Symbol::Kind::uniform) symbols.push_back(sym);
        traces_.emplace(outputs, symbols, object ^ 0x5851F42Du);
        trace_scratch_ = traces_->make_scratch();
        trace_after_.reserve(p_.traces.size() * src_n_);
        trace_rows_.reserve(src_n_);
    }

    // A scaled trace whose factor exp(rate (t - ref)) left [e^-k, e^k] is brought to reference
    // time t, for every neuron of every batch entry, before anything reads it this step.
    void rescale_traces(const StepContext& ctx) {
        constexpr double k_limit = std::is_same_v<T, float> ? 20.0 : k_trace_rescale;
        const std::size_t n = batch_ * src_n_;
        for (std::size_t k = 0; k < trace_ref_.size(); ++k) {
            T* ref = trace_ref_[k];
            if (!ref) continue;
            const double x = p_.traces[k].rate * (ctx.t_ms - static_cast<double>(ref[0]));
            if (std::fabs(x) <= k_limit) continue;
            const auto factor = static_cast<T>(std::exp(x));
            for (std::size_t i = 0; i < n; ++i) trace_[k][i] *= factor;
            std::fill(ref, ref + batch_, static_cast<T>(ctx.t_ms));
        }
    }

    // Source `row` of batch entry b fires: its traces go to t (the synapses read them so),
    // and what they become after the event is kept for after the visit.
    void traces_before(std::size_t b, std::int32_t row, const StepContext& ctx) {
        const std::size_t nt = p_.traces.size(), at = b * src_n_ + static_cast<std::size_t>(row);
        std::size_t q = 0;
        for (std::size_t k = 0; k < nt; ++k) {
            trace_in_[q++] = trace_[k][at];
            if (trace_last_[k]) trace_in_[q++] = trace_last_[k][at];
        }
        traces_->run_block(trace_inputs_.data(), 1, row, b * src_n_, trace_scratch_.data());
        for (std::size_t k = 0; k < nt; ++k) {
            trace_[k][at] = traces_->output(k, trace_inputs_.data(), trace_scratch_.data())[0];
            trace_after_.push_back(traces_->output(nt + k, trace_inputs_.data(), trace_scratch_.data())[0]);
            if (trace_last_[k]) trace_last_[k][at] = static_cast<T>(ctx.t_ms);
        }
        trace_rows_.push_back(row);
    }

    // After the visits: each source's traces take the values the event gave them.
    void traces_after(std::size_t b) {
        const std::size_t nt = p_.traces.size();
        for (std::size_t r = 0; r < trace_rows_.size(); ++r) {
            const std::size_t at = b * src_n_ + static_cast<std::size_t>(trace_rows_[r]);
            for (std::size_t k = 0; k < nt; ++k) trace_[k][at] = trace_after_[r * nt + k];
        }
        trace_rows_.clear();
        trace_after_.clear();
    }

    void bind_native(const OpSpec& op) {
        codegen::PathwayKernelSpec spec;
        spec.connection = p_.syn.connection;
        spec.pathway = p_.pathway;
        spec.real_type = std::is_same_v<T, float> ? "float" : "double";
        spec.source_is_post = p_.pathway == "post";
        for (const SynapseSymbol* s : bind_.varying) {
            using A = codegen::SynapseAccess;
            spec.access.push_back(s->index == Index::pre            ? A::pre
                                  : s->index == Index::post         ? A::post
                                  : s->index == Index::pre_number   ? A::pre_number
                                  : s->index == Index::post_number  ? A::post_number
                                                                    : A::synapse);
            spec.offsets.push_back(static_cast<std::int64_t>(s->offset));
        }
        for (std::size_t k : stores_) spec.stores.push_back(static_cast<int>(k));
        const std::string src = codegen::pathway_kernel_source(program_->program(), spec);
        std::string why;
        native_ = reinterpret_cast<codegen::PathwayKernelFn<T>>(compile_native(src, "sg_pathway", why));
        if (native_) count_native_kernel();
        else logger("spikegraph.cpu")->warn("'{}' runs interpreted: {}", op.name, why);
    }

    // Source `row` (within the slice) fires: its synapses, or with a per-synapse delay only
    // those of delay `d`, join this step's runs. Its traces (with per-neuron traces, whose
    // owner's delay is uniform, a source fires at most once a step) go to t now: every
    // synapse of the row reads them so, and no other row's synapse reads them.
    void add_row(std::size_t b, std::int32_t row, const StepContext& ctx, std::int32_t d) {
        if (traces_) traces_before(b, row, ctx);
        std::int64_t k0 = indptr_[row], k1 = indptr_[row + 1];
        if (d >= 0) {
            const auto range = std::equal_range(delay_ + k0, delay_ + k1, d);
            k0 = range.first - delay_;
            k1 = range.second - delay_;
        }
        if (k0 == k1) return;
        events_ += static_cast<std::uint64_t>(k1 - k0);
        runs_.insert(runs_.end(), {k0, k1, static_cast<std::int64_t>(row)});
    }

    // This step's runs of batch entry b, in the order the sources were added.
    void visit(std::size_t b, const StepContext& ctx) {
        const std::uint64_t random_base = b * p_.syn.synapses;
        const auto n_runs = static_cast<std::int64_t>(runs_.size() / 3);
        if (n_runs > 0 && native_) {
            for (std::size_t k = 0; k < ptrs_.size(); ++k) ptrs_[k] = bind_.at(k, b);
            native_(runs_.data(), n_runs, order_, order_pre_, ptrs_.data(), program_->slots(),
                    bind_.pre_index, bind_.post_index, ctx.seed, ctx.step, random_base);
        } else {
            for (std::size_t r = 0; r < runs_.size(); r += 3)
                interpret(b, runs_[r], runs_[r + 1], random_base);
        }
        runs_.clear();
        if (traces_) traces_after(b);
    }

    // One synapse at a time through the block interpreter (blocks of one).
    void interpret(std::size_t b, std::int64_t k0, std::int64_t k1, std::uint64_t random_base) {
        if (scratch_.empty()) scratch_ = program_->make_scratch();
        const std::size_t nv = bind_.varying.size();
        values_.resize(nv);
        inputs_.resize(nv);
        outputs_.resize(stores_.size());
        for (std::int64_t k = k0; k < k1; ++k) {
            const std::int64_t syn = order_ ? order_[k] : k;
            for (std::size_t v = 0; v < nv; ++v) {
                values_[v] = bind_.value(v, b, syn);
                inputs_[v] = &values_[v];
            }
            program_->run_block(inputs_.data(), 1, syn, random_base, scratch_.data());
            for (std::size_t o = 0; o < stores_.size(); ++o)
                outputs_[o] = program_->output(o, inputs_.data(), scratch_.data())[0];
            for (std::size_t o = 0; o < stores_.size(); ++o)
                *bind_.location(stores_[o], b, syn) = outputs_[o];
        }
    }

    SynapsePathwayPayload p_;
    std::size_t batch_, src_n_ = 0, slots_ = 0;
    SynapseBinding<T> bind_;
    std::optional<BlockProgram<T>> program_;
    codegen::PathwayKernelFn<T> native_ = nullptr;
    std::vector<std::size_t> stores_;
    std::vector<T*> ptrs_;
    std::optional<BlockProgram<T>> traces_;  // per-neuron traces (SynapsePathwayPayload::Trace)
    std::vector<T*> trace_, trace_last_, trace_ref_;
    std::vector<T> trace_scratch_, trace_in_, trace_after_;  // after: per row of trace_rows_
    std::vector<std::int32_t> trace_rows_;
    std::vector<std::int64_t> runs_;  // this step's (k0, k1, row) of one batch entry
    std::vector<const T*> trace_inputs_;
    const std::int32_t* spikes_ = nullptr;
    const std::int64_t* count_ = nullptr;
    const std::int64_t* indptr_ = nullptr;
    const std::int32_t* order_ = nullptr;
    const std::int32_t* order_pre_ = nullptr;
    const std::int32_t* delay_ = nullptr;
    std::int32_t* ring_ = nullptr;
    std::int64_t* ring_count_ = nullptr;
    std::uint64_t events_ = 0;
    std::vector<T> scratch_, values_, outputs_;
    std::vector<const T*> inputs_;
};

// Every synapse every step, in blocks: the inputs gathered, the program run, the results stored
// (clock-driven variables) or added to the post neuron, in synapse order (summed variables).
template <class T>
class SynapseEachKernel final : public Kernel {
    static constexpr std::size_t k_block = BlockProgram<T>::k_block;

public:
    SynapseEachKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<SynapseEachPayload>(op)), batch_(ws.batch()), bind_(p_.syn, ws) {
        program_.emplace(p_.values, bind_.symbols, object_hash(op.name.c_str()));
        for (const auto& t : p_.targets) stores_.push_back(bind_.varying_of(t));
        if (!p_.sum_target.empty()) sum_ = ws.buffer(p_.sum_target).as<T>();
        scratch_ = program_->make_scratch();
        gathered_.assign(bind_.varying.size() * k_block, T(0));
        results_.assign(std::max<std::size_t>(1, p_.values.size()) * k_block, T(0));
        inputs_.resize(bind_.varying.size());
    }

    void run(const StepContext& ctx) override {
        bind_.read_uniforms(ctx);
        program_->prepare_step(bind_.uniform_ptrs.data(), ctx.seed, ctx.step);
        const std::size_t nnz = p_.syn.synapses, nv = bind_.varying.size();
        for (std::size_t b = 0; b < batch_; ++b) {
            T* sum = sum_ ? sum_ + b * p_.post_size + p_.post_begin : nullptr;
            if (sum) std::fill(sum, sum + (p_.post_end - p_.post_begin), T(0));
            for (std::size_t s0 = 0; s0 < nnz; s0 += k_block) {
                const std::size_t m = std::min(k_block, nnz - s0);
                for (std::size_t v = 0; v < nv; ++v) {
                    const SynapseSymbol& s = *bind_.varying[v];
                    if (s.index == Index::synapse) {
                        inputs_[v] = bind_.at(v, b) + s0;
                        continue;
                    }
                    // A neuron's value or number through the block's pre or post indices.
                    T* g = gathered_.data() + v * k_block;
                    const bool pre = s.index == Index::pre || s.index == Index::pre_number;
                    const std::int32_t* index = (pre ? bind_.pre_index : bind_.post_index) + s0;
                    if (s.index == Index::pre || s.index == Index::post) {
                        const T* base = bind_.at(v, b);
                        for (std::size_t q = 0; q < m; ++q) g[q] = base[index[q]];
                    } else {
                        const auto offset = static_cast<std::int64_t>(s.offset);
                        for (std::size_t q = 0; q < m; ++q) g[q] = static_cast<T>(index[q] + offset);
                    }
                    inputs_[v] = g;
                }
                program_->run_block(inputs_.data(), m, static_cast<std::int64_t>(s0), b * nnz,
                                    scratch_.data());
                if (sum) {
                    const T* x = program_->output(0, inputs_.data(), scratch_.data());
                    for (std::size_t q = 0; q < m; ++q) sum[bind_.post_index[s0 + q]] += x[q];
                    continue;
                }
                // All results first: an output may be an input that another store overwrites.
                for (std::size_t o = 0; o < stores_.size(); ++o) {
                    const T* x = program_->output(o, inputs_.data(), scratch_.data());
                    std::copy(x, x + m, results_.data() + o * k_block);
                }
                for (std::size_t o = 0; o < stores_.size(); ++o)
                    std::copy(results_.data() + o * k_block, results_.data() + o * k_block + m,
                              bind_.at(stores_[o], b) + s0);
            }
        }
    }

private:
    SynapseEachPayload p_;
    std::size_t batch_;
    SynapseBinding<T> bind_;
    std::optional<BlockProgram<T>> program_;
    std::vector<std::size_t> stores_;
    T* sum_ = nullptr;
    std::vector<T> scratch_, gathered_, results_;
    std::vector<const T*> inputs_;
};

}  // namespace

void register_synapse_model_ops(OpRegistry& registry) {
    registry.add<OpFactory>("synapse_pathway", k_backend_name, make_real<PathwayKernel>);
    registry.add<OpFactory>("synapse_each", k_backend_name, make_real<SynapseEachKernel>);
}

}  // namespace spikegraph::cpu
