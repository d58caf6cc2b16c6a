#include "backend/cpu/block_program.hpp"

#include <algorithm>
#include <cmath>

#include "core/random.hpp"

namespace spikegraph::cpu {

using program::Op;
using program::Operand;

template <class T>
BlockProgram<T>::BlockProgram(const std::vector<expr::Ptr>& outputs,
                              const std::vector<program::Symbol>& symbols, std::uint32_t object)
    : BlockProgram(program::lower(outputs, symbols, object)) {}

template <class T>
BlockProgram<T>::BlockProgram(program::Program program)
    : program_(std::move(program)), slots_(program_.slots), slots_t_(slots_.size(), T(0)) {
    for (std::size_t k = 0; k < slots_.size(); ++k) slots_t_[k] = static_cast<T>(slots_[k]);
}

template <class T>
void BlockProgram<T>::prepare_step(const double* const* uniforms, std::uint64_t seed,
                                   std::int64_t step) {
    seed_ = seed;
    step_ = step;
    program::run_prologue(program_, uniforms, slots_);
    for (std::size_t k = 0; k < slots_.size(); ++k) slots_t_[k] = static_cast<T>(slots_[k]);
}

namespace {

// Destinations never alias operands (see allocate_registers), hence __restrict.
template <class T, class F>
inline void apply2(T* __restrict d, const T* __restrict pa, T sa, const T* __restrict pb, T sb,
                   std::size_t n, F f) {
    if (pa && pb) {
        for (std::size_t k = 0; k < n; ++k) d[k] = f(pa[k], pb[k]);
    } else if (pa) {
        for (std::size_t k = 0; k < n; ++k) d[k] = f(pa[k], sb);
    } else {
        for (std::size_t k = 0; k < n; ++k) d[k] = f(sa, pb[k]);
    }
}

}  // namespace

template <class T>
void BlockProgram<T>::run_block(const T* const* varying, std::size_t n, std::int64_t first_index,
                                std::uint64_t random_base, T* scratch) const {
    auto ptr = [&](const Operand& o) -> const T* {
        switch (o.type) {
            case Operand::Type::reg: return scratch + o.id * k_block;
            case Operand::Type::input: return varying[o.id];
            default: return nullptr;
        }
    };
    auto val = [&](const Operand& o) -> T {
        return o.type == Operand::Type::scalar ? slots_t_[o.id] : T(0);
    };
    for (const auto& in : program_.vector_code) {
        T* __restrict d = scratch + in.dst.id * k_block;
        const T* pa = ptr(in.a);
        const T* pb = ptr(in.b);
        const T sa = val(in.a), sb = val(in.b);
        switch (in.op) {
            case Op::copy:
                if (pa) std::copy(pa, pa + n, d);
                else std::fill(d, d + n, sa);
                break;
            case Op::index:
                for (std::size_t k = 0; k < n; ++k) d[k] = static_cast<T>(first_index + std::int64_t(k));
                break;
            case Op::rand:
            case Op::randn: {
                const std::uint32_t obj = program::draw_object(program_.object, in.site);
                for (std::size_t k = 0; k < n; ++k) {
                    const auto r = draw(seed_, rng_stream::model, obj,
                                        random_base + std::uint64_t(first_index) + k,
                                        static_cast<std::uint64_t>(step_));
                    d[k] = static_cast<T>(in.op == Op::rand ? r.uniform : r.normal);
                }
                break;
            }
            case Op::noise: {
                const std::uint32_t obj = program::noise_object(program_.object, in.site);
                for (std::size_t k = 0; k < n; ++k)
                    d[k] = static_cast<T>(draw(seed_, rng_stream::noise, obj,
                                               random_base + std::uint64_t(first_index) + k,
                                               static_cast<std::uint64_t>(step_))
                                              .normal);
                break;
            }
            case Op::neg:
                for (std::size_t k = 0; k < n; ++k) d[k] = -pa[k];
                break;
            case Op::lnot:
                for (std::size_t k = 0; k < n; ++k) d[k] = pa[k] == T(0) ? T(1) : T(0);
                break;
            case Op::fn1:
                for (std::size_t k = 0; k < n; ++k) d[k] = static_cast<T>(in.fn1(pa[k]));
                break;
            case Op::add: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return x + y; }); break;
            case Op::sub: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return x - y; }); break;
            case Op::mul: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return x * y; }); break;
            case Op::div: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return x / y; }); break;
            case Op::pow:
                apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return static_cast<T>(std::pow(x, y)); });
                break;
            case Op::lt: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x < y); }); break;
            case Op::le: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x <= y); }); break;
            case Op::gt: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x > y); }); break;
            case Op::ge: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x >= y); }); break;
            case Op::eq: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x == y); }); break;
            case Op::ne: apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T(x != y); }); break;
            case Op::land:
                // Bitwise, not short-circuit: branch-free, so the loop vectorises.
                apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T((x != T(0)) & (y != T(0))); });
                break;
            case Op::lor:
                apply2(d, pa, sa, pb, sb, n, [](T x, T y) { return T((x != T(0)) | (y != T(0))); });
                break;
            case Op::fn2: {
                const program::Fn2 f = in.fn2;
                apply2(d, pa, sa, pb, sb, n,
                       [f](T x, T y) { return static_cast<T>(f(x, y)); });
                break;
            }
            case Op::where: {
                const T* pc = ptr(in.c);
                for (std::size_t k = 0; k < n; ++k) d[k] = pa[k] != T(0) ? pb[k] : pc[k];
                break;
            }
            case Op::muladd: {
                // a is a vector; b and c are vectors or scalars.
                const T* __restrict pc = ptr(in.c);
                const T sc = val(in.c);
                const T* __restrict va = pa;
                if (pb && pc) {
                    for (std::size_t k = 0; k < n; ++k) d[k] = va[k] * pb[k] + pc[k];
                } else if (pb) {
                    for (std::size_t k = 0; k < n; ++k) d[k] = va[k] * pb[k] + sc;
                } else if (pc) {
                    for (std::size_t k = 0; k < n; ++k) d[k] = va[k] * sb + pc[k];
                } else {
                    for (std::size_t k = 0; k < n; ++k) d[k] = va[k] * sb + sc;
                }
                break;
            }
            case Op::timed_array: {
                // The time and the column in double, as the emitted code passes them.
                const TimedArray& ta = *in.array;
                for (std::size_t k = 0; k < n; ++k) {
                    const double t = static_cast<double>(pa ? pa[k] : sa);
                    const double col = static_cast<double>(pb ? pb[k] : sb);
                    d[k] = static_cast<T>(ta.at(t, col));
                }
                break;
            }
            case Op::clip: {
                const T* pc = ptr(in.c);
                for (std::size_t k = 0; k < n; ++k)
                    d[k] = std::min(std::max(pa[k], pb[k]), std::max(pb[k], pc[k]));
                break;
            }
        }
    }
}


template <class T>
const T* BlockProgram<T>::output(std::size_t k, const T* const* /*varying*/,
                                 const T* scratch) const {
    return scratch + program_.outputs[k].id * k_block;
}

template <class T>
std::vector<T> BlockProgram<T>::make_scratch() const {
    return std::vector<T>(std::max<std::size_t>(program_.registers, 1) * k_block);
}

template class BlockProgram<float>;
template class BlockProgram<double>;

}  // namespace spikegraph::cpu
