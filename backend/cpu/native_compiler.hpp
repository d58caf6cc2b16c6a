#pragma once
// Native compilation of generated kernels: C++ source written by the CPU backend is compiled
// with the system compiler into a shared library, cached on disk by a hash of the source and
// the compiler command, and loaded with dlopen. This is how Brian2's standalone mode and GeNN
// get compiled speed; here it applies to the neuron updates, whose generated loops do exactly
// the arithmetic of the block-program interpreter, so results are bitwise the same either way.
//
// SPIKEGRAPH_NATIVE=0 (or off/false) turns it off; SPIKEGRAPH_CXX picks the compiler;
// SPIKEGRAPH_CACHE_DIR the cache (default $XDG_CACHE_HOME/spikegraph or ~/.cache/spikegraph).

#include <cstddef>
#include <string>

namespace spikegraph::cpu {

/// Whether native compilation is enabled: the environment decides at the first call, and
/// set_native_enabled overrides it (for tests and for the comparison benchmarks).
bool native_enabled();
void set_native_enabled(bool enabled);

/// How many kernels have been bound to natively compiled code in this process.
std::size_t native_kernels_bound();
void count_native_kernel();

/// Compiles `source` (or finds it in the cache) and returns the address of the C function
/// `symbol`, or nullptr with the reason in `why` (compiler missing or failing, cache not
/// writable, dlopen error). Thread-safe; concurrent processes share the cache safely.
/// The compiler runs as a child process (no shell) in a process group of its own; while it
/// runs, a cancel request (core/cancel.hpp, e.g. Ctrl-C in the command-line program) stops it
/// within a fraction of a second: the child's group gets the signal, then SIGKILL.
/// @throws Interrupted when a cancel was requested before or during the compilation (its
/// temporary files are removed first)
void* compile_native(const std::string& source, const std::string& symbol, std::string& why);

}  // namespace spikegraph::cpu
