#pragma once
// SPIKEGRAPH_ASSERT guards our own invariants only; user input is checked with typed errors.

#include <cstdio>
#include <cstdlib>

#define SPIKEGRAPH_ASSERT(cond)                                                              \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "spikegraph internal error: %s (%s:%d)\n", #cond, __FILE__, \
                         __LINE__);                                                          \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)
