// Lowering of expression trees into a Program: hoisting of uniform sub-trees into the prologue,
// multiply-add chains for affine trees, CSE, constant folding.

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "backend/program/passes.hpp"
#include "backend/program/program.hpp"
#include "core/expr_eval.hpp"
#include "core/random.hpp"
#include <spikegraph/error.hpp>

namespace spikegraph::program {

namespace {

// The host functions of core's function table (core/expr_eval.hpp), which the code generator
// spells by their C names: one definition of every function for all paths.
Fn1 lookup_fn1(const std::string& f) {
    const expr::FunctionInfo* info = expr::find_function(f);
    return info ? info->unary : nullptr;
}

Fn2 lookup_fn2(const std::string& f) {
    const expr::FunctionInfo* info = expr::find_function(f);
    return info ? info->binary : nullptr;
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

struct Lowering {
    Program p;
    std::vector<double>& slots = p.slots;
    std::vector<std::uint32_t>& uniform_slot = p.uniform_slot;
    std::vector<Instr>& scalar_code = p.scalar_code;
    std::vector<Instr>& vector_code = p.vector_code;
    std::uint32_t sites = 0;

    std::map<std::string, std::uint32_t> varying_index, uniform_index;
    std::set<std::string> noise_names;
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

    // Memoised like compile(): solver stages reach a shared sub-tree along many paths (rk4's
    // stage k2 holds k1 once per occurrence of each variable), and a plain recursion would
    // expand it once per path, exponentially in the number of stages.
    std::map<const expr::Node*, std::pair<expr::Ptr, Affine>> affine_memo;
    const Affine& affine(const expr::Ptr& e) {
        if (auto it = affine_memo.find(e.get()); it != affine_memo.end()) return it->second.second;
        Affine f = affine_node(e);
        return affine_memo.emplace(e.get(), std::make_pair(e, std::move(f))).first->second.second;
    }

    Affine affine_node(const expr::Ptr& e) {
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
            if (noise_names.count(e->name)) {
                // One draw per element and step, however often and wherever the name appears.
                auto [it, fresh] = memo.try_emplace("noise|" + e->name);
                if (fresh) {
                    Instr in;
                    in.op = Op::noise;
                    in.site = object_hash(e->name.c_str());
                    it->second = emit(in, true);
                }
                return it->second;
            }
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
                if (e->table) {
                    in.op = Op::timed_array;
                    in.array = e->table;
                    in.array_index = array_index(e->table);
                } else if (e->name == "where") in.op = Op::where;
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
                const double v = evaluate_scalar(in, slots[in.a.id],
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

    std::uint32_t array_index(const std::shared_ptr<const TimedArray>& a) {
        auto& arrays = p.arrays;
        const auto it = std::find(arrays.begin(), arrays.end(), a);
        if (it != arrays.end()) return static_cast<std::uint32_t>(it - arrays.begin());
        arrays.push_back(a);
        return static_cast<std::uint32_t>(arrays.size() - 1);
    }

    bool is_constant_slot(std::uint32_t id) const {
        // Slots written by the prologue or bound to uniform inputs vary from step to step.
        if (std::find(uniform_slot.begin(), uniform_slot.end(), id) != uniform_slot.end())
            return false;
        for (const auto& in : scalar_code)
            if (in.dst.id == id) return false;
        return true;
    }
};

}  // namespace

Program lower(const std::vector<expr::Ptr>& outputs, const std::vector<Symbol>& symbols,
              std::uint32_t object) {
    Lowering m;
    m.p.object = object;
    for (const auto& s : symbols) {
        if (s.kind == Symbol::Kind::varying) {
            const auto k = static_cast<std::uint32_t>(m.varying_index.size());
            m.varying_index.emplace(s.name, k);
        } else if (s.kind == Symbol::Kind::noise) {
            m.noise_names.insert(s.name);
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
        m.p.outputs.push_back(o);
    }
    eliminate_dead_code(m.p, m.next_vreg);
    allocate_registers(m.p, m.next_vreg);
    return std::move(m.p);
}

}  // namespace spikegraph::program
