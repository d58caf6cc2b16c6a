#include "backend/cpu/block_program.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"

namespace spikegraph::cpu {

namespace {

enum class Op : std::uint8_t {
    copy, index, rand, randn, neg, add, sub, mul, div, pow, lt, le, gt, ge, eq, ne,
    land, lor, lnot, fn1, fn2, where, clip, muladd,
};

const char* op_name(Op op) {
    static const char* names[] = {"copy", "index", "rand", "randn", "neg", "add", "sub", "mul",
                                  "div",  "pow",   "lt",   "le",    "gt",  "ge",  "eq",  "ne",
                                  "and",  "or",    "not",  "fn1",   "fn2", "where", "clip", "muladd"};
    return names[static_cast<int>(op)];
}

struct Operand {
    enum class Type : std::uint8_t { none, reg, scalar, input };
    Type type = Type::none;
    std::uint32_t id = 0;
    bool vector() const { return type == Type::reg || type == Type::input; }
};

using Fn1 = double (*)(double);
using Fn2 = double (*)(double, double);

struct Instr {
    Op op = Op::copy;
    Operand dst, a, b, c;
    Fn1 fn1 = nullptr;
    Fn2 fn2 = nullptr;
    std::string fn_name;
    std::uint32_t site = 0;  // rand/randn call site
};

Fn1 lookup_fn1(const std::string& f) {
    static const std::map<std::string, Fn1> table = {
        {"exp", [](double x) { return std::exp(x); }},
        {"log", [](double x) { return std::log(x); }},
        {"log10", [](double x) { return std::log10(x); }},
        {"sqrt", [](double x) { return std::sqrt(x); }},
        {"abs", [](double x) { return std::fabs(x); }},
        {"sin", [](double x) { return std::sin(x); }},
        {"cos", [](double x) { return std::cos(x); }},
        {"tan", [](double x) { return std::tan(x); }},
        {"tanh", [](double x) { return std::tanh(x); }},
        {"sinh", [](double x) { return std::sinh(x); }},
        {"cosh", [](double x) { return std::cosh(x); }},
        {"floor", [](double x) { return std::floor(x); }},
        {"ceil", [](double x) { return std::ceil(x); }},
    };
    auto it = table.find(f);
    return it == table.end() ? nullptr : it->second;
}

Fn2 lookup_fn2(const std::string& f) {
    if (f == "pow") return [](double a, double b) { return std::pow(a, b); };
    if (f == "min") return [](double a, double b) { return std::min(a, b); };
    if (f == "max") return [](double a, double b) { return std::max(a, b); };
    return nullptr;
}

double scalar_apply(const Instr& in, double a, double b, double c) {
    switch (in.op) {
        case Op::copy: return a;
        case Op::neg: return -a;
        case Op::add: return a + b;
        case Op::sub: return a - b;
        case Op::mul: return a * b;
        case Op::div: return a / b;
        case Op::pow: return std::pow(a, b);
        case Op::lt: return a < b;
        case Op::le: return a <= b;
        case Op::gt: return a > b;
        case Op::ge: return a >= b;
        case Op::eq: return a == b;
        case Op::ne: return a != b;
        case Op::land: return (a != 0) && (b != 0);
        case Op::lor: return (a != 0) || (b != 0);
        case Op::lnot: return a == 0;
        case Op::fn1: return in.fn1(a);
        case Op::fn2: return in.fn2(a, b);
        case Op::where: return a != 0 ? b : c;
        case Op::clip: return std::clamp(a, b, std::max(b, c));
        case Op::muladd: return a * b + c;
        default: return 0;
    }
}

Op binary_op(expr::Kind k) {
    switch (k) {
        case expr::Kind::add: return Op::add;
        case expr::Kind::sub: return Op::sub;
        case expr::Kind::mul: return Op::mul;
        case expr::Kind::div: return Op::div;
        case expr::Kind::pow: return Op::pow;
        case expr::Kind::lt: return Op::lt;
        case expr::Kind::le: return Op::le;
        case expr::Kind::gt: return Op::gt;
        case expr::Kind::ge: return Op::ge;
        case expr::Kind::eq: return Op::eq;
        case expr::Kind::ne: return Op::ne;
        case expr::Kind::logical_and: return Op::land;
        case expr::Kind::logical_or: return Op::lor;
        default: return Op::copy;
    }
}

}  // namespace

template <class T>
struct BlockProgram<T>::Impl {
    std::vector<double> slots;                 // scalar slots (constants, uniforms, hoisted)
    std::vector<T> slots_t;                    // the same, as T, for the vector code
    std::vector<std::uint32_t> uniform_slot;   // uniform input k -> slot
    std::vector<Instr> scalar_code;            // run once per step
    std::vector<Instr> vector_code;            // run per block
    std::vector<Operand> outputs;              // always registers
    std::size_t registers = 0;
    std::uint32_t object = 0;
    std::uint64_t seed = 0;
    std::int64_t step = 0;
    std::uint32_t sites = 0;

    // Compilation state.
    std::map<std::string, std::uint32_t> varying_index, uniform_index;
    std::map<std::string, Operand> memo;
    std::uint32_t next_vreg = 0;

    static std::string key_of(const Operand& o) {
        return fmt::format("{}:{}", static_cast<int>(o.type), o.id);
    }

    Operand new_slot(double value) {
        slots.push_back(value);
        return {Operand::Type::scalar, static_cast<std::uint32_t>(slots.size() - 1)};
    }

    Operand emit(Instr in, bool vector) {
        if (vector) {
            in.dst = {Operand::Type::reg, next_vreg++};
            vector_code.push_back(in);
        } else {
            in.dst = new_slot(0.0);
            scalar_code.push_back(in);
        }
        return in.dst;
    }

    Operand broadcast(Operand o) {
        if (o.vector()) return o;
        Instr in;
        in.op = Op::copy;
        in.a = o;
        return emit(in, true);
    }

    // Shared sub-trees (solver stages) are compiled once per node, whatever the paths to them.
    // The memo holds the node itself, so that its address cannot be reused by a later tree.
    std::map<const expr::Node*, std::pair<expr::Ptr, Operand>> node_memo;

    Operand compile(const expr::Ptr& e) {
        if (auto it = node_memo.find(e.get()); it != node_memo.end()) return it->second.second;
        const Operand out = compile_node(e);
        node_memo.emplace(e.get(), std::make_pair(e, out));
        return out;
    }

    // Whether a tree has one value for all elements (constants, uniform symbols, t, dt).
    std::map<const expr::Node*, std::pair<expr::Ptr, bool>> uniform_memo;
    bool is_uniform(const expr::Ptr& e) {
        if (auto it = uniform_memo.find(e.get()); it != uniform_memo.end()) return it->second.second;
        bool u = true;
        if (e->kind == expr::Kind::symbol) u = uniform_index.count(e->name) != 0;
        else if (e->kind == expr::Kind::call && (e->name == "rand" || e->name == "randn")) u = false;
        else
            for (const auto& a : e->args) u = u && is_uniform(a);
        uniform_memo.emplace(e.get(), std::make_pair(e, u));
        return u;
    }

    // An affine view of a varying tree: constant + sum of coefficient * atom, where the
    // coefficients are uniform trees (hoisted into the per-step prologue) and the atoms are
    // varying sub-trees that are not sums or scalings themselves. A linear update such as
    // c1 * ((E_L + R * I) / tau) + c2 * v then costs one multiply-add per atom.
    struct Affine {
        expr::Ptr constant = expr::constant(0.0);
        std::vector<std::pair<expr::Ptr, expr::Ptr>> terms;  // (atom, coefficient)
    };

    static bool is_affine_kind(expr::Kind k) {
        return k == expr::Kind::add || k == expr::Kind::sub || k == expr::Kind::neg ||
               k == expr::Kind::mul || k == expr::Kind::div;
    }

    static bool same_atom(const expr::Ptr& a, const expr::Ptr& b) {
        if (a == b) return true;
        return a->kind == expr::Kind::symbol && b->kind == expr::Kind::symbol && a->name == b->name;
    }

    static void scale(Affine& f, const expr::Ptr& c) {
        f.constant = expr::mul(f.constant, c);
        for (auto& t : f.terms) t.second = expr::mul(t.second, c);
    }

    static void add_into(Affine& f, const Affine& g, bool negate) {
        const expr::Ptr sign = expr::constant(negate ? -1.0 : 1.0);
        f.constant = expr::add(f.constant, expr::mul(sign, g.constant));
        for (const auto& [atom, c] : g.terms) {
            bool merged = false;
            for (auto& t : f.terms)
                if (same_atom(t.first, atom)) {
                    t.second = expr::add(t.second, expr::mul(sign, c));
                    merged = true;
                    break;
                }
            if (!merged) f.terms.emplace_back(atom, expr::mul(sign, c));
        }
    }

    Affine affine(const expr::Ptr& e) {
        using expr::Kind;
        Affine f;
        if (is_uniform(e)) {
            f.constant = e;
            return f;
        }
        switch (e->kind) {
            case Kind::add:
            case Kind::sub: {
                f = affine(e->args[0]);
                add_into(f, affine(e->args[1]), e->kind == Kind::sub);
                return f;
            }
            case Kind::neg:
                f = affine(e->args[0]);
                scale(f, expr::constant(-1.0));
                return f;
            case Kind::mul:
                if (is_uniform(e->args[0])) {
                    f = affine(e->args[1]);
                    scale(f, e->args[0]);
                    return f;
                }
                if (is_uniform(e->args[1])) {
                    f = affine(e->args[0]);
                    scale(f, e->args[1]);
                    return f;
                }
                break;
            case Kind::div:
                if (is_uniform(e->args[1])) {
                    f = affine(e->args[0]);
                    scale(f, expr::div(expr::constant(1.0), e->args[1]));
                    return f;
                }
                break;
            default: break;
        }
        f.terms.emplace_back(e, expr::constant(1.0));
        return f;
    }

    Operand compile_affine(const expr::Ptr& e) {
        const Affine f = affine(e);
        // Atoms that compile to the same value (equal sub-trees) share one term.
        struct Term {
            Operand x;
            expr::Ptr atom, coefficient;
        };
        std::vector<Term> terms;
        for (const auto& [atom, coefficient] : f.terms) {
            const Operand x = compile(atom);
            auto it = std::find_if(terms.begin(), terms.end(), [&](const Term& t) {
                return t.x.type == x.type && t.x.id == x.id;
            });
            if (it == terms.end()) terms.push_back({x, atom, coefficient});
            else it->coefficient = expr::add(it->coefficient, coefficient);
        }
        Operand acc = compile(expr::simplify(f.constant));
        const bool zero = f.constant->kind == expr::Kind::constant && f.constant->value == 0.0;
        bool first = true;
        for (const auto& [x, atom, coefficient] : terms) {
            const expr::Ptr c = expr::simplify(coefficient);
            const Operand k = compile(c);
            const bool unit = c->kind == expr::Kind::constant && c->value == 1.0;
            Instr in;
            // A product of two per-neuron values, added as it is (ge * (E_e - v) + ...): one
            // multiply-add instead of a multiply and an add; the product stays unused and is
            // dropped by eliminate_dead_code. Same rounding either way.
            if (unit && !(first && zero) && atom->kind == expr::Kind::mul) {
                const Operand a = compile(atom->args[0]), b = compile(atom->args[1]);
                if (a.vector() && b.vector()) {
                    in.op = Op::muladd;
                    in.a = a;
                    in.b = b;
                    in.c = acc;
                    acc = emit_memo(in, fmt::format("muladd|{},{},{}", key_of(a), key_of(b), key_of(acc)));
                    first = false;
                    continue;
                }
            }
            if (first && zero) {
                if (unit) {
                    acc = x;
                } else {
                    in.op = Op::mul;
                    in.a = x;
                    in.b = k;
                    acc = emit_memo(in, fmt::format("mul|{},{}", key_of(x), key_of(k)));
                }
            } else if (unit) {
                in.op = Op::add;
                in.a = x;
                in.b = acc;
                acc = emit_memo(in, fmt::format("add|{},{}", key_of(x), key_of(acc)));
            } else {
                in.op = Op::muladd;
                in.a = x;
                in.b = k;
                in.c = acc;
                acc = emit_memo(in, fmt::format("muladd|{},{},{}", key_of(x), key_of(k), key_of(acc)));
            }
            first = false;
        }
        return acc;
    }

    Operand emit_memo(const Instr& in, const std::string& key) {
        if (auto it = memo.find(key); it != memo.end()) return it->second;
        Operand r = emit(in, true);
        memo[key] = r;
        return r;
    }

    Operand compile_node(const expr::Ptr& e) {
        using expr::Kind;
        // Sums and scalings of varying trees by uniform ones become multiply-add chains.
        if (is_affine_kind(e->kind) && !is_uniform(e)) {
            const Affine f = affine(e);
            const bool trivial = f.terms.size() == 1 && f.terms[0].first == e;
            if (!trivial) return compile_affine(e);
        }
        if (e->kind == Kind::constant) {
            // One slot per distinct value, so that equal sub-trees get equal keys (CSE).
            auto [it, fresh] = memo.try_emplace(fmt::format("const|{:a}", e->value));
            if (fresh) it->second = new_slot(e->value);
            return it->second;
        }
        if (e->kind == Kind::symbol) {
            if (auto it = varying_index.find(e->name); it != varying_index.end())
                return {Operand::Type::input, it->second};
            if (auto it = uniform_index.find(e->name); it != uniform_index.end())
                return {Operand::Type::scalar, uniform_slot[it->second]};
            if (e->name == "i") {
                auto [it, fresh] = memo.try_emplace("index");
                if (fresh) {
                    Instr in;
                    in.op = Op::index;
                    it->second = emit(in, true);
                }
                return it->second;
            }
            throw BuildError(fmt::format("expression uses '{}', which is not available here",
                                         e->name));
        }
        if (e->kind == Kind::call && (e->name == "rand" || e->name == "randn")) {
            Instr in;
            in.op = e->name == "rand" ? Op::rand : Op::randn;
            in.site = sites++;
            return emit(in, true);  // every call draws its own number: never merged
        }
        // x**2 and x**3 are products: exact and much faster than pow.
        if (e->kind == Kind::pow && e->args[1]->kind == Kind::constant &&
            (e->args[1]->value == 2.0 || e->args[1]->value == 3.0)) {
            const expr::Ptr x = e->args[0];
            expr::Ptr p = expr::binary(Kind::mul, x, x);
            if (e->args[1]->value == 3.0) p = expr::binary(Kind::mul, p, x);
            return compile(p);
        }
        std::vector<Operand> ops;
        for (const auto& a : e->args) ops.push_back(compile(a));
        Instr in;
        switch (e->kind) {
            case Kind::neg: in.op = Op::neg; break;
            case Kind::logical_not: in.op = Op::lnot; break;
            case Kind::call:
                if (e->name == "where") in.op = Op::where;
                else if (e->name == "clip") in.op = Op::clip;
                else if (ops.size() == 1 && (in.fn1 = lookup_fn1(e->name))) in.op = Op::fn1;
                else if (ops.size() == 2 && (in.fn2 = lookup_fn2(e->name))) in.op = Op::fn2;
                else
                    throw BuildError(fmt::format("unknown function '{}' with {} argument(s)",
                                                 e->name, ops.size()));
                in.fn_name = e->name;
                break;
            default: in.op = binary_op(e->kind); break;
        }
        bool vector = false;
        for (const auto& o : ops) vector = vector || o.vector();
        if (vector && ops.size() == 3)
            for (auto& o : ops) o = broadcast(o);
        if (!ops.empty()) in.a = ops[0];
        if (ops.size() > 1) in.b = ops[1];
        if (ops.size() > 2) in.c = ops[2];
        std::string key = fmt::format("{}{}|", static_cast<int>(in.op), in.fn_name);
        for (const auto& o : ops) key += key_of(o) + ",";
        if (auto it = memo.find(key); it != memo.end()) return it->second;
        if (!vector) {
            // Fold constant-only scalar code now; shared parameters stay in the prologue.
            bool all_const = true;
            for (const auto& o : ops) all_const = all_const && is_constant_slot(o.id);
            if (all_const) {
                const double v = scalar_apply(in, slots[in.a.id],
                                              ops.size() > 1 ? slots[in.b.id] : 0.0,
                                              ops.size() > 2 ? slots[in.c.id] : 0.0);
                Operand r = new_slot(v);
                memo[key] = r;
                return r;
            }
        }
        Operand r = emit(in, vector);
        memo[key] = r;
        return r;
    }

    bool is_constant_slot(std::uint32_t id) const {
        // Slots written by the prologue or bound to uniform inputs vary from step to step.
        if (std::find(uniform_slot.begin(), uniform_slot.end(), id) != uniform_slot.end())
            return false;
        for (const auto& in : scalar_code)
            if (in.dst.id == id) return false;
        return true;
    }

    // Drops vector instructions whose result nobody reads (left behind by peephole attempts).
    void eliminate_dead_code() {
        std::vector<bool> live(next_vreg, false);
        for (const auto& o : outputs) live[o.id] = true;
        std::vector<Instr> kept;
        for (auto it = vector_code.rbegin(); it != vector_code.rend(); ++it) {
            if (!live[it->dst.id]) continue;
            for (const Operand* o : {&it->a, &it->b, &it->c})
                if (o->type == Operand::Type::reg) live[o->id] = true;
            kept.push_back(*it);
        }
        vector_code.assign(kept.rbegin(), kept.rend());
    }

    // Maps virtual registers onto as few scratch registers as the lifetimes allow.
    void allocate_registers() {
        const std::size_t n = vector_code.size();
        std::vector<std::size_t> last_use(next_vreg, 0);
        auto touch = [&](const Operand& o, std::size_t at) {
            if (o.type == Operand::Type::reg) last_use[o.id] = std::max(last_use[o.id], at);
        };
        for (std::size_t k = 0; k < n; ++k) {
            touch(vector_code[k].a, k);
            touch(vector_code[k].b, k);
            touch(vector_code[k].c, k);
        }
        for (const auto& o : outputs) touch(o, n);
        std::vector<std::uint32_t> phys(next_vreg, 0), free_list;
        std::uint32_t count = 0;
        for (std::size_t k = 0; k < n; ++k) {
            auto& in = vector_code[k];
            std::uint32_t p;
            if (!free_list.empty()) {
                p = free_list.back();
                free_list.pop_back();
            } else {
                p = count++;
            }
            const std::uint32_t v = in.dst.id;
            phys[v] = p;
            std::vector<std::uint32_t> dying;
            for (Operand* o : {&in.a, &in.b, &in.c})
                if (o->type == Operand::Type::reg) {
                    const std::uint32_t src = o->id;
                    o->id = phys[src];
                    if (last_use[src] == k &&
                        std::find(dying.begin(), dying.end(), phys[src]) == dying.end())
                        dying.push_back(phys[src]);
                }
            // Freed after the destination was chosen: a result never aliases its operands.
            free_list.insert(free_list.end(), dying.begin(), dying.end());
            in.dst.id = p;
        }
        for (auto& o : outputs) o.id = phys[o.id];
        registers = count;
    }
};

template <class T>
BlockProgram<T>::BlockProgram(const std::vector<expr::Ptr>& outputs,
                              const std::vector<ProgramSymbol>& symbols, std::uint32_t object)
    : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    m.object = object;
    for (const auto& s : symbols) {
        if (s.kind == ProgramSymbol::Kind::varying) {
            const auto k = static_cast<std::uint32_t>(m.varying_index.size());
            m.varying_index.emplace(s.name, k);
        } else {
            const auto k = static_cast<std::uint32_t>(m.uniform_index.size());
            m.uniform_index.emplace(s.name, k);
            m.uniform_slot.push_back(m.new_slot(0.0).id);
        }
    }
    for (const auto& e : outputs) {
        Operand o = m.compile(expr::simplify(e));
        if (o.type != Operand::Type::reg) {
            Instr in;
            in.op = Op::copy;
            in.a = o;
            o = m.emit(in, true);
        }
        m.outputs.push_back(o);
    }
    m.eliminate_dead_code();
    m.allocate_registers();
    m.slots_t.assign(m.slots.size(), T(0));
    for (std::size_t k = 0; k < m.slots.size(); ++k) m.slots_t[k] = static_cast<T>(m.slots[k]);
}

template <class T>
BlockProgram<T>::~BlockProgram() = default;
template <class T>
BlockProgram<T>::BlockProgram(BlockProgram&&) noexcept = default;
template <class T>
BlockProgram<T>& BlockProgram<T>::operator=(BlockProgram&&) noexcept = default;

template <class T>
void BlockProgram<T>::prepare_step(const double* const* uniforms, std::uint64_t seed,
                                   std::int64_t step) {
    auto& m = *impl_;
    m.seed = seed;
    m.step = step;
    for (std::size_t k = 0; k < m.uniform_slot.size(); ++k) m.slots[m.uniform_slot[k]] = *uniforms[k];
    for (const auto& in : m.scalar_code) {
        const double a = in.a.type == Operand::Type::none ? 0.0 : m.slots[in.a.id];
        const double b = in.b.type == Operand::Type::none ? 0.0 : m.slots[in.b.id];
        const double c = in.c.type == Operand::Type::none ? 0.0 : m.slots[in.c.id];
        m.slots[in.dst.id] = scalar_apply(in, a, b, c);
    }
    for (std::size_t k = 0; k < m.slots.size(); ++k) m.slots_t[k] = static_cast<T>(m.slots[k]);
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
    const auto& m = *impl_;
    auto ptr = [&](const Operand& o) -> const T* {
        switch (o.type) {
            case Operand::Type::reg: return scratch + o.id * k_block;
            case Operand::Type::input: return varying[o.id];
            default: return nullptr;
        }
    };
    auto val = [&](const Operand& o) -> T {
        return o.type == Operand::Type::scalar ? m.slots_t[o.id] : T(0);
    };
    for (const auto& in : m.vector_code) {
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
                const std::uint32_t obj = m.object ^ (in.site * 0x27D4EB2Du);
                for (std::size_t k = 0; k < n; ++k) {
                    const auto r = draw(m.seed, rng_stream::model, obj,
                                        random_base + std::uint64_t(first_index) + k,
                                        static_cast<std::uint64_t>(m.step));
                    d[k] = static_cast<T>(in.op == Op::rand ? r.uniform : r.normal);
                }
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
                const Fn2 f = in.fn2;
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
    return scratch + impl_->outputs[k].id * k_block;
}

template <class T>
std::vector<T> BlockProgram<T>::make_scratch() const {
    return std::vector<T>(std::max<std::size_t>(impl_->registers, 1) * k_block);
}

template <class T>
std::string BlockProgram<T>::element_source(const std::vector<std::string>& varying,
                                            const std::string& real,
                                            std::vector<std::string>* truth) const {
    const auto& m = *impl_;
    std::vector<std::string> reg_name(std::max<std::size_t>(m.registers, 1));
    // Per register: a bool expression equal to `register != 0`, when it is a comparison.
    std::vector<std::string> reg_truth(reg_name.size());
    auto truth_of = [&](const Operand& o) {
        return o.type == Operand::Type::reg ? reg_truth[o.id] : std::string();
    };
    auto operand = [&](const Operand& o) -> std::string {
        switch (o.type) {
            case Operand::Type::reg: return reg_name[o.id];
            case Operand::Type::scalar: return fmt::format("s[{}]", o.id);
            case Operand::Type::input: return varying.at(o.id);
            default: return "0";
        }
    };
    std::string out;
    std::size_t k = 0;
    for (const auto& in : m.vector_code) {
        const std::string a = operand(in.a), b = operand(in.b), c = operand(in.c);
        std::string e, t;
        switch (in.op) {
            case Op::lt: t = fmt::format("({} < {})", a, b); break;
            case Op::le: t = fmt::format("({} <= {})", a, b); break;
            case Op::gt: t = fmt::format("({} > {})", a, b); break;
            case Op::ge: t = fmt::format("({} >= {})", a, b); break;
            case Op::eq: t = fmt::format("({} == {})", a, b); break;
            case Op::ne: t = fmt::format("({} != {})", a, b); break;
            case Op::land:
            case Op::lor:
                if (!truth_of(in.a).empty() && !truth_of(in.b).empty())
                    t = fmt::format("({} {} {})", truth_of(in.a), in.op == Op::land ? "&" : "|",
                                    truth_of(in.b));
                break;
            case Op::copy: t = truth_of(in.a); break;
            default: break;
        }
        switch (in.op) {
            case Op::copy: e = a; break;
            case Op::index: e = fmt::format("({})(first_index + i)", real); break;
            case Op::rand:
            case Op::randn:
                e = fmt::format("({})sg_draw(seed, {}u, random_base + (std::uint64_t)(first_index + i), step, {})",
                                real, m.object ^ (in.site * 0x27D4EB2Du), in.op == Op::randn ? 1 : 0);
                break;
            case Op::neg: e = fmt::format("-{}", a); break;
            case Op::lnot: e = fmt::format("({1})({0} == ({1})0)", a, real); break;
            case Op::fn1: e = fmt::format("({})std::{}((double){})", real, in.fn_name, a); break;
            case Op::fn2:
                e = in.fn_name == "pow" ? fmt::format("({})std::pow((double){}, (double){})", real, a, b)
                                        : fmt::format("({})std::{}((double){}, (double){})", real,
                                                      in.fn_name, a, b);
                break;
            case Op::add: e = fmt::format("{} + {}", a, b); break;
            case Op::sub: e = fmt::format("{} - {}", a, b); break;
            case Op::mul: e = fmt::format("{} * {}", a, b); break;
            case Op::div: e = fmt::format("{} / {}", a, b); break;
            case Op::pow: e = fmt::format("({})std::pow({}, {})", real, a, b); break;
            case Op::lt: e = fmt::format("({})({} < {})", real, a, b); break;
            case Op::le: e = fmt::format("({})({} <= {})", real, a, b); break;
            case Op::gt: e = fmt::format("({})({} > {})", real, a, b); break;
            case Op::ge: e = fmt::format("({})({} >= {})", real, a, b); break;
            case Op::eq: e = fmt::format("({})({} == {})", real, a, b); break;
            case Op::ne: e = fmt::format("({})({} != {})", real, a, b); break;
            case Op::land: e = fmt::format("({0})(({1} != ({0})0) & ({2} != ({0})0))", real, a, b); break;
            case Op::lor: e = fmt::format("({0})(({1} != ({0})0) | ({2} != ({0})0))", real, a, b); break;
            case Op::where: e = fmt::format("({} != ({})0 ? {} : {})", a, real, b, c); break;
            case Op::clip: e = fmt::format("std::min(std::max({0}, {1}), std::max({1}, {2}))", a, b, c); break;
            case Op::muladd: e = fmt::format("{} * {} + {}", a, b, c); break;
        }
        const std::string name = fmt::format("t{}", k++);
        out += fmt::format("        const {} {} = {};\n", real, name, e);
        reg_name[in.dst.id] = name;
        reg_truth[in.dst.id] = t;
    }
    for (std::size_t o = 0; o < m.outputs.size(); ++o) {
        out += fmt::format("        const {} o{} = {};\n", real, o, reg_name[m.outputs[o].id]);
        if (truth) {
            const std::string& t = reg_truth[m.outputs[o].id];
            truth->push_back(t.empty() ? fmt::format("(o{} != ({})0)", o, real) : t);
        }
    }
    return out;
}

template <class T>
const T* BlockProgram<T>::slots() const {
    return impl_->slots_t.data();
}

template <class T>
std::size_t BlockProgram<T>::slot_count() const {
    return impl_->slots_t.size();
}

template <class T>
std::size_t BlockProgram<T>::instruction_count() const {
    return impl_->vector_code.size();
}

template <class T>
std::string BlockProgram<T>::listing() const {
    const auto& m = *impl_;
    auto name = [&](const Operand& o) -> std::string {
        switch (o.type) {
            case Operand::Type::reg: return fmt::format("r{}", o.id);
            case Operand::Type::scalar: return fmt::format("s{}", o.id);
            case Operand::Type::input: return fmt::format("in{}", o.id);
            default: return "";
        }
    };
    std::string out;
    for (const auto& in : m.scalar_code)
        out += fmt::format("  step:  {} = {} {} {} {}\n", name(in.dst), op_name(in.op), name(in.a),
                           name(in.b), name(in.c));
    for (const auto& in : m.vector_code)
        out += fmt::format("  block: {} = {}{} {} {} {}\n", name(in.dst), op_name(in.op),
                           in.fn_name.empty() ? "" : ":" + in.fn_name, name(in.a), name(in.b),
                           name(in.c));
    return out;
}

template class BlockProgram<float>;
template class BlockProgram<double>;

}  // namespace spikegraph::cpu
