#pragma once
// What the build is doing now, for a progress display on another thread (the command line shows
// it while a long build runs), and the number of cores this process may use.

#include <string>

namespace spikegraph {

/// Records the build's current phase ("connection exc_inh", "native compiler"), in words.
/// Thread-safe; costs a lock, so call it per group or connection, not per element.
void set_build_phase(std::string phase);

/// The phase last recorded ("" before any).
std::string build_phase();

/// The cores this process may run on (its CPU affinity mask; std::thread::hardware_concurrency
/// where the mask cannot be read), at least 1.
int available_cores();

}  // namespace spikegraph
