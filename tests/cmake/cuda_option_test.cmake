# Checks the SPIKEGRAPH_CUDA decision (cmake/SpikegraphCuda.cmake) in script mode:
#   cmake -P tests/cmake/cuda_option_test.cmake
# A configure of a whole project per case would take minutes; the decision is the part that can
# go wrong without a toolkit in sight.

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/SpikegraphCuda.cmake)

function(expect mode compiler want_have want_error_regex)
  spikegraph_cuda_decision("${mode}" "${compiler}" have error)
  if(NOT have EQUAL want_have)
    message(SEND_ERROR "SPIKEGRAPH_CUDA=${mode}, compiler '${compiler}': have ${have}, expected ${want_have}")
  endif()
  if(want_error_regex STREQUAL "")
    if(NOT error STREQUAL "")
      message(SEND_ERROR "SPIKEGRAPH_CUDA=${mode}, compiler '${compiler}': unexpected error: ${error}")
    endif()
  elseif(NOT error MATCHES "${want_error_regex}")
    message(SEND_ERROR "SPIKEGRAPH_CUDA=${mode}, compiler '${compiler}': error '${error}' does not match '${want_error_regex}'")
  endif()
endfunction()

set(nvcc /usr/local/cuda/bin/nvcc)
# OFF never builds CUDA, even where nvcc is present.
expect(OFF "${nvcc}" 0 "")
expect(off "" 0 "")
# AUTO follows what check_language(CUDA) found.
expect(AUTO "${nvcc}" 1 "")
expect(AUTO "" 0 "")
expect(AUTO "CMAKE_CUDA_COMPILER-NOTFOUND" 0 "")
# ON needs nvcc; without it the error names what is missing and both ways to point at it.
expect(ON "${nvcc}" 1 "")
expect(ON "" 0 "no CUDA compiler was found: nvcc")
expect(ON "CMAKE_CUDA_COMPILER-NOTFOUND" 0 "CUDA toolkit")
expect(ON "" 0 "-DCMAKE_CUDA_COMPILER=")
expect(ON "" 0 "CUDACXX")
# One sentence, not a CMake list: no ';' between its parts.
spikegraph_cuda_decision(ON "" have error)
if(error MATCHES ";")
  message(SEND_ERROR "the configure error is a list: ${error}")
endif()
# Anything else is refused with the valid values.
expect(YES "${nvcc}" 0 "expected AUTO, ON or OFF")
