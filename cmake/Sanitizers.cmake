# Sanitizer and fuzzing builds (docs/testing.md). Included before any target is defined, so the
# flags reach the library, the program, the tests and the fuzz targets alike.
#
#   SPIKEGRAPH_SANITIZE  comma-separated -fsanitize= list for every target, e.g.
#                        "address,undefined" (GCC or Clang); empty: none.
#   SPIKEGRAPH_FUZZ      build the libFuzzer targets in fuzz/ (Clang only). Every target is then
#                        compiled with -fsanitize=fuzzer-no-link,address,undefined (coverage for
#                        libFuzzer, plus ASan and UBSan); only the fuzz targets link libFuzzer, so
#                        the test suite of the same build directory runs under ASan and UBSan too.
set(SPIKEGRAPH_SANITIZE "" CACHE STRING "Sanitizers for every target (-fsanitize=...), e.g. address,undefined")
option(SPIKEGRAPH_FUZZ "Build the libFuzzer targets in fuzz/ (Clang; implies ASan and UBSan)" OFF)

set(spikegraph_sanitizers "${SPIKEGRAPH_SANITIZE}")
if(SPIKEGRAPH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SPIKEGRAPH_FUZZ needs Clang (libFuzzer): configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  if(NOT spikegraph_sanitizers)
    set(spikegraph_sanitizers "address,undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(spikegraph_sanitizers)
  # -fno-sanitize-recover: undefined behaviour aborts (and fails the test or the fuzz run)
  # instead of printing a line and going on.
  add_compile_options(-fsanitize=${spikegraph_sanitizers} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${spikegraph_sanitizers})
  message(STATUS "spikegraph: sanitizers '${spikegraph_sanitizers}'")
endif()
