#include "builder/pair_expression.hpp"

#include <spikegraph/error.hpp>
#include "core/expr_eval.hpp"

namespace spikegraph::detail {

PairExpression::PairExpression(const expr::Ptr& e,
                               const std::function<Source(const std::string&)>& source,
                               std::size_t pre_begin, std::size_t post_begin)
    : pre_begin_(pre_begin), post_begin_(post_begin) {
    compile(e, source);
}

void PairExpression::compile(const expr::Ptr& e,
                             const std::function<Source(const std::string&)>& source) {
    using Op = Step::Op;
    for (const auto& a : e->args) compile(a, source);
    Step s;
    s.kind = e->kind;
    switch (e->kind) {
        case expr::Kind::constant:
            s.value = e->value;
            break;
        case expr::Kind::symbol: {
            const Source from = source(e->name);
            if (from.kind == Source::Kind::i || from.kind == Source::Kind::j) {
                s.op = from.kind == Source::Kind::i ? Op::load_i : Op::load_j;
            } else {
                s.op = from.kind == Source::Kind::pre ? Op::load_pre : Op::load_post;
                s.slot = arrays_.size();
                arrays_.push_back(from.values);
            }
            break;
        }
        case expr::Kind::call:
            s.op = Op::call;
            s.args = e->args.size();
            s.name = e->name;
            break;
        default:
            s.op = expr::operand_count(e->kind) == 1 ? Op::unary : Op::binary;
            // x**2 (distances): x * x is what pow gives for it, exactly, at a fraction of the
            // cost.
            if (e->kind == expr::Kind::pow && e->args[1]->kind == expr::Kind::constant &&
                e->args[1]->value == 2.0) {
                program_.pop_back();  // the exponent
                s.op = Op::square;
            }
            break;
    }
    program_.push_back(std::move(s));
}

double PairExpression::operator()(std::size_t row, std::size_t col,
                                  std::vector<double>& stack) const {
    using Op = Step::Op;
    stack.clear();
    const std::size_t i = pre_begin_ + row, j = post_begin_ + col;
    for (const Step& s : program_) {
        switch (s.op) {
            case Op::constant: stack.push_back(s.value); break;
            case Op::load_i: stack.push_back(static_cast<double>(i)); break;
            case Op::load_j: stack.push_back(static_cast<double>(j)); break;
            case Op::load_pre:
            case Op::load_post: {
                const std::vector<double>& a = *arrays_[s.slot];
                stack.push_back(a.size() == 1 ? a[0] : a[s.op == Op::load_pre ? i : j]);
                break;
            }
            case Op::square: stack.back() *= stack.back(); break;
            case Op::unary: stack.back() = *expr::apply_operator(s.kind, stack.back(), 0.0); break;
            case Op::binary: {
                const double b = stack.back();
                stack.pop_back();
                stack.back() = *expr::apply_operator(s.kind, stack.back(), b);
                break;
            }
            case Op::call: {
                const std::size_t base = stack.size() - s.args;
                const auto v = expr::apply_function(s.name, stack.data() + base, s.args);
                if (!v) throw ModelError("cannot evaluate the call " + s.name + "()");
                stack.resize(base);
                stack.push_back(*v);
                break;
            }
        }
    }
    return stack.back();
}

}  // namespace spikegraph::detail
