#pragma once
// The passes that run on a lowered Program before a backend sees it (lowering.cpp).

#include <cstdint>

#include "backend/program/program.hpp"

namespace spikegraph::program {

/// Drops per-element instructions whose result nobody reads (left behind by peephole
/// attempts). `vregs` is the number of virtual registers in use.
void eliminate_dead_code(Program& program, std::uint32_t vregs);

/// Maps the virtual registers onto as few registers as the lifetimes allow and sets
/// `program.registers`. A result never shares a register with its own operands, so an
/// interpreter may write the destination while reading the operands.
void allocate_registers(Program& program, std::uint32_t vregs);

}  // namespace spikegraph::program
