# The ctest `downstream_find_package`: installs the build tree into a fresh prefix, moves that
# prefix elsewhere (the package must be relocatable), checks that no internal header was
# installed, then configures tests/downstream against it with find_package(spikegraph), builds
# it and runs it.
# Variables: BUILD_DIR (the spikegraph build tree), SOURCE_DIR, WORK_DIR (scratch), CXX_COMPILER,
# optionally CXX_LAUNCHER.

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run.cmake needs -D${var}=...")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
run_step("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORK_DIR}/staged")
file(RENAME "${WORK_DIR}/staged" "${WORK_DIR}/prefix")
set(prefix "${WORK_DIR}/prefix")

if(NOT EXISTS "${prefix}/include/spikegraph/spikegraph.hpp" OR
   NOT EXISTS "${prefix}/include/spikegraph/config.hpp")
  message(FATAL_ERROR "the install lacks include/spikegraph/spikegraph.hpp or config.hpp")
endif()
file(GLOB_RECURSE installed RELATIVE "${prefix}/include" "${prefix}/include/*")
foreach(header IN LISTS installed)
  if(NOT header MATCHES "^spikegraph/[a-z_0-9]+\\.hpp$")
    message(FATAL_ERROR "an internal header was installed: include/${header}")
  endif()
endforeach()
file(GLOB exports "${prefix}/lib*/cmake/spikegraph/*.cmake")
foreach(file IN LISTS exports)
  file(READ "${file}" text)
  foreach(path "${BUILD_DIR}" "${SOURCE_DIR}" "${WORK_DIR}/staged")
    string(FIND "${text}" "${path}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${file} names ${path}: the package is not relocatable")
    endif()
  endforeach()
endforeach()

set(configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/downstream" -B "${WORK_DIR}/build"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
if(CXX_LAUNCHER)
  list(APPEND configure "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
endif()
run_step("configure of the downstream project" ${configure})
run_step("build of the downstream project" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run_step("the downstream program" "${WORK_DIR}/build/downstream")
message(STATUS "${step_output}")
if(NOT step_output MATCHES "spikes in 10 ms")
  message(FATAL_ERROR "the downstream program did not report its spikes")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
