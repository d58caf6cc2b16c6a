// CPU kernels of the neuron ops: the fused update (integrate, threshold, spike list) and the
// reset of the neurons that spiked.

#include "backend/cpu/neuron_kernels.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <type_traits>

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>

#include "backend/cpu/block_program.hpp"
#include "backend/cpu/native_compiler.hpp"
#include "backend/cpu/partition.hpp"
#include "core/log.hpp"
#include "backend/cpu/dispatch.hpp"
#include "builder/op_payloads.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu {

namespace {

constexpr std::size_t k_chunk = k_neuron_chunk;
static_assert(k_chunk % BlockProgram<double>::k_block == 0);
constexpr std::size_t k_max_varying = 64;

template <class T>
struct BoundSymbols {
    std::vector<ProgramSymbol> symbols;     // for BlockProgram
    std::vector<const T*> varying_base;     // per varying symbol: base pointer
    std::vector<std::size_t> varying_stride;// per batch entry (0: shared by the batch)
    std::vector<const T*> uniform_src;      // shared parameters
    std::vector<double> uniform_values;     // their values this step, then t, dt
};

template <class T>
BoundSymbols<T> bind_symbols(const std::vector<SymbolBinding>& bindings, Workspace& ws,
                             std::size_t n, bool with_time, const std::string& extra_varying) {
    BoundSymbols<T> b;
    for (const auto& s : bindings) {
        Buffer& buf = ws.buffer(s.var);
        if (s.source == SymbolBinding::Source::shared) {
            b.symbols.push_back({s.symbol, ProgramSymbol::Kind::uniform});
            b.uniform_src.push_back(buf.as<T>());
        } else {
            b.symbols.push_back({s.symbol, ProgramSymbol::Kind::varying});
            b.varying_base.push_back(buf.as<T>());
            b.varying_stride.push_back(s.source == SymbolBinding::Source::state ? n : 0);
        }
    }
    if (!extra_varying.empty()) b.symbols.push_back({extra_varying, ProgramSymbol::Kind::varying});
    if (b.varying_base.size() + 1 > k_max_varying)
        throw BuildError(fmt::format("a group's equations use {} per-neuron variables; at most {} "
                                     "are supported", b.varying_base.size(), k_max_varying - 1));
    if (with_time) {
        b.symbols.push_back({"t", ProgramSymbol::Kind::uniform});
        b.symbols.push_back({"dt", ProgramSymbol::Kind::uniform});
    }
    b.uniform_values.resize(b.uniform_src.size() + (with_time ? 2 : 0));
    return b;
}

template <class T>
class NeuronUpdateKernel final : public Kernel {
public:
    NeuronUpdateKernel(const OpSpec& op, Workspace& ws)
        : p_(payload_as<NeuronUpdatePayload>(op)), batch_(ws.batch()) {
        n_ = p_.size;
        refractory_ = p_.refractory_steps > 0 || p_.refractory_condition;
        syms_ = bind_symbols<T>(p_.symbols, ws, n_, true, refractory_ ? "not_refractory" : "");
        if (!refractory_) {
            syms_.symbols.push_back({"not_refractory", ProgramSymbol::Kind::uniform});
            syms_.uniform_values.push_back(1.0);
        }
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

    using NativeUpdate = std::int64_t (*)(const T* const* in, T* const* state, const T* s,
                                          std::int64_t* last, std::int32_t* until,
                                          std::int32_t since_base, std::int32_t* spikes,
                                          std::int64_t begin, std::int64_t end, std::int64_t step,
                                          std::uint64_t seed, std::uint64_t random_base,
                                          double (*draw)(std::uint64_t, std::uint32_t,
                                                         std::uint64_t, std::int64_t, int));

    static double draw_model(std::uint64_t seed, std::uint32_t object, std::uint64_t index,
                             std::int64_t step, int normal) {
        const auto r = draw(seed, rng_stream::model, object, index, static_cast<std::uint64_t>(step));
        return normal ? r.normal : r.uniform;
    }

    // The whole per-neuron update as one compiled loop: the block program's statements for one
    // element, the refractory mask, the write-back and the threshold, fused.
    void bind_native() {
        const std::string real = std::is_same_v<T, float> ? "float" : "double";
        const std::size_t nv = syms_.varying_base.size(), ns = state_.size();
        // Each array gets one local restrict pointer; a state variable is read and written
        // through the same one (element i is read before it is written).
        std::string locals;
        for (std::size_t s = 0; s < ns; ++s)
            locals += fmt::format("    R* __restrict st{0} = state[{0}];\n", s);
        std::vector<std::string> varying;
        for (std::size_t k = 0; k < nv; ++k) {
            std::string name;
            for (std::size_t s = 0; s < ns; ++s)
                if (syms_.varying_base[k] == state_[s] && syms_.varying_stride[k] == n_)
                    name = fmt::format("st{}[i]", s);
            if (name.empty()) {
                locals += fmt::format("    const R* __restrict in{0} = in[{0}];\n", k);
                name = fmt::format("in{}[i]", k);
            }
            varying.push_back(name);
        }
        if (refractory_) varying.push_back("nr");
        // The spike flags' type: what the vectorised threshold test packs its lanes into most
        // cheaply. Measured with AVX-512 on Zen 4: for double, 32-bit flags (bytes made CUBA-4k's
        // loop 16% slower, 64-bit flags COBA-4k's 13%); for float, bytes (32-bit flags cost 10%).
        const char* flag_type = std::is_same_v<T, float> ? "unsigned char" : "std::int32_t";
        std::string src = fmt::format(
            "// Generated by spikegraph for the update of group '{}'.\n"
            "#include <algorithm>\n#include <cmath>\n#include <cstdint>\n#include <cstring>\n"
            "using R = {};\n"
            "extern \"C\" std::int64_t sg_update(const R* const* in, R* const* state, const R* s,\n"
            "    std::int64_t* __restrict last, std::int32_t* __restrict until, std::int32_t since_base,\n"
            "    std::int32_t* __restrict spikes, std::int64_t begin,\n"
            "    std::int64_t end, std::int64_t step, std::uint64_t seed, std::uint64_t random_base,\n"
            "    double (*sg_draw)(std::uint64_t, std::uint32_t, std::uint64_t, std::int64_t, int)) {{\n"
            "    const std::int64_t first_index = 0;\n"
            "{}"
            "    std::int64_t count = 0;\n"
            "    using F = {};\n"
            "    F fire[256 + 8] = {{}};\n"
            "    for (std::int64_t i0 = begin; i0 < end; i0 += 256) {{\n"
            "      const std::int64_t i1 = std::min<std::int64_t>(end, i0 + 256);\n",
            p_.group, real, locals, flag_type);
        // Two loops per block: the update (with the refractory mask computed in it: GCC 12
        // vectorises the int64 test beside the real arithmetic, for AVX2 and AVX-512, and a
        // separate mask loop cost COBA-4k 7%), then the spike scan. Conditions are cast to R
        // rather than written `? 1 : 0`, which GCC vectorises only in part.
        src += "      for (std::int64_t i = i0; i < i1; ++i) {\n";
        // Refractory while (step - base) < until[i], an int32 mirror of lastspike + refractory
        // (see build_until): the update then reads 4 bytes per neuron for it, not lastspike's 8,
        // which took CUBA-40k's update from 0.133 to 0.113 s (a one-byte countdown, read and
        // written, was slower still than lastspike: GCC vectorises bytes beside doubles poorly).
        const bool mirror = refractory_ && p_.refractory_steps < k_until_rebase;
        if (mirror)
            src += "        const R nr = (R)(since_base >= until[i]);\n";
        else if (refractory_)
            src += fmt::format("        const R nr = (R)((step - last[i]) >= {});\n",
                               p_.refractory_steps);
        std::vector<std::string> truth;
        src += program_->element_source(varying, "R", &truth);
        for (std::size_t s = 0; s < ns; ++s) src += fmt::format("        st{0}[i] = o{0};\n", s);
        if (p_.threshold) {
            // The flag after the stores (GCC schedules that better: CUBA-4k 8% faster), so its
            // expression must not read a state array, which now holds the new values.
            std::string fires = truth.at(ns);
            for (std::size_t s = 0; s < ns; ++s)
                if (fires.find(fmt::format("st{}[", s)) != std::string::npos)
                    fires = fmt::format("(o{} != R(0))", ns);
            src += fmt::format("        fire[i - i0] = (F)({}{});\n", fires,
                               refractory_ ? " & (nr != R(0))" : "");
        }
        src += "      }\n";
        if (p_.threshold)
            // Eight flags per test: most neurons do not spike in a step.
            src += "      {\n"
                   "        const std::int64_t m = i1 - i0;\n"
                   "        for (std::int64_t j = m; j < m + 8; ++j) fire[j] = 0;\n"
                   "        for (std::int64_t j = 0; j < m; j += 8) {\n"
                   "          std::uint64_t w[sizeof(F)];\n"
                   "          std::memcpy(w, fire + j, sizeof(w));\n"
                   "          std::uint64_t word = 0;\n"
                   "          for (unsigned q = 0; q < sizeof(F); ++q) word |= w[q];\n"
                   "          if (!word) continue;\n"
                   "          for (std::int64_t k = j; k < j + 8 && k < m; ++k)\n"
                   "            if (fire[k]) {\n"
                   "              spikes[count++] = (std::int32_t)(i0 + k);\n"
                   "              last[i0 + k] = step;\n"
                   + (mirror ? "              until[i0 + k] = since_base + " +
                                   std::to_string(p_.refractory_steps) + ";\n"
                             : std::string()) +
                   "            }\n"
                   "        }\n"
                   "      }\n";
        src += "    }\n    return count;\n}\n";
        std::string why;
        native_ = reinterpret_cast<NativeUpdate>(compile_native(src, "sg_update", why));
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
            in, state, program_->slots(), lastspike_ + b * n_,
            until_.empty() ? nullptr : until_.data() + b * n_,
            static_cast<std::int32_t>(step - until_base_), chunk_spikes_.data() + b * n_ + begin,
            static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end), step, seed, b * n_,
            &draw_model);
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
    NativeUpdate native_ = nullptr;
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

}  // namespace

void register_neuron_ops(OpRegistry& registry) {
    registry.add<OpFactory>("neuron_update", k_backend_name, make_real<NeuronUpdateKernel>);
    registry.add<OpFactory>("neuron_reset", k_backend_name, make_real<NeuronResetKernel>);
}

}  // namespace spikegraph::cpu
