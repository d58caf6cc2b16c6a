# The SPIKEGRAPH_CUDA option: AUTO (build the CUDA pieces when nvcc is found), ON (they are
# required: a missing nvcc is a configure error) or OFF (never look for CUDA).
#
# spikegraph_cuda_decision() is the decision alone, with no side effects, so that
# tests/cmake/cuda_option_test.cmake can check it in script mode (cmake -P);
# spikegraph_configure_cuda() asks CMake for the compiler and enables the language.

# spikegraph_cuda_decision(<mode> <compiler> <out_have> <out_error>)
#   <mode>      AUTO, ON or OFF (any case)
#   <compiler>  the CUDA compiler check_language(CUDA) found, or empty / *-NOTFOUND
#   <out_have>  set to 1 when CUDA is to be built, else 0
#   <out_error> set to the configure error to report, else empty
function(spikegraph_cuda_decision mode compiler out_have out_error)
  string(TOUPPER "${mode}" mode)
  set(have 0)
  set(error "")
  if(NOT mode MATCHES "^(AUTO|ON|OFF)$")
    set(error "SPIKEGRAPH_CUDA is '${mode}'; expected AUTO, ON or OFF")
  elseif(mode STREQUAL "OFF")
  elseif(compiler)
    set(have 1)
  elseif(mode STREQUAL "ON")
    string(CONCAT error
              "SPIKEGRAPH_CUDA=ON but no CUDA compiler was found: nvcc, from the CUDA toolkit, is "
              "not on the PATH. Install the CUDA toolkit, or point CMake at its nvcc with "
              "-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc (or the CUDACXX environment "
              "variable), or configure with -DSPIKEGRAPH_CUDA=AUTO or OFF to build without CUDA.")
  endif()
  set(${out_have} ${have} PARENT_SCOPE)
  set(${out_error} "${error}" PARENT_SCOPE)
endfunction()

# Sets SPIKEGRAPH_HAVE_CUDA (0 or 1) in the caller's scope; with 1, CUDA is an enabled language,
# CMAKE_CUDA_ARCHITECTURES is set (default 90, never `native`: the build machine need not have
# the GPU the binary runs on) and the CUDAToolkit targets (CUDA::cudart) exist.
macro(spikegraph_configure_cuda)
  set(_sg_cuda_compiler "")
  string(TOUPPER "${SPIKEGRAPH_CUDA}" _sg_cuda_mode)
  if(NOT _sg_cuda_mode STREQUAL "OFF")
    include(CheckLanguage)
    check_language(CUDA)
    set(_sg_cuda_compiler "${CMAKE_CUDA_COMPILER}")
  endif()
  spikegraph_cuda_decision("${SPIKEGRAPH_CUDA}" "${_sg_cuda_compiler}" SPIKEGRAPH_HAVE_CUDA
                           _sg_cuda_error)
  if(_sg_cuda_error)
    message(FATAL_ERROR "${_sg_cuda_error}")
  endif()
  if(SPIKEGRAPH_HAVE_CUDA)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
      set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures to build for (90: H100/H200)")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    message(STATUS "spikegraph: CUDA on (${CMAKE_CUDA_COMPILER}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(_sg_cuda_mode STREQUAL "OFF")
    message(STATUS "spikegraph: CUDA off (SPIKEGRAPH_CUDA=OFF)")
  else()
    message(STATUS "spikegraph: CUDA off (SPIKEGRAPH_CUDA=AUTO and no nvcc found; set "
                   "CMAKE_CUDA_COMPILER or CUDACXX to use one)")
  endif()
  unset(_sg_cuda_compiler)
  unset(_sg_cuda_mode)
  unset(_sg_cuda_error)
endmacro()
