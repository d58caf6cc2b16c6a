# Proves that cmake/check_layers.cmake can fail: runs it on a small tree with one include against
# the layer order and one tree without, and checks the verdicts and the reported location.
#
#   cmake -DSCRIPT=<path of check_layers.cmake> -DWORK_DIR=<scratch folder> -P check_layers_test.cmake

cmake_minimum_required(VERSION 3.20)

foreach(var SCRIPT WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_layers_test: pass -D${var}=...")
  endif()
endforeach()

set(tree "${WORK_DIR}/check_layers_fixture")
file(REMOVE_RECURSE "${tree}")
file(WRITE "${tree}/core/good.hpp" "#pragma once\n#include <vector>\n#include \"core/other.hpp\"\n")
file(WRITE "${tree}/frontend/good.cpp"
     "#include \"core/good.hpp\"\n#include \"spikegraph/config.hpp\"\n#include \"local.hpp\"\n")
file(WRITE "${tree}/include/spikegraph/api.hpp" "#include \"simulator/simulation.hpp\"\n")
file(WRITE "${tree}/apps/main.cpp" "#include \"simulator/simulation.hpp\"\n")

function(run_check expect_failure)
  execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${tree} -P "${SCRIPT}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(output "${out}${err}" PARENT_SCOPE)
  if(expect_failure AND rc EQUAL 0)
    message(FATAL_ERROR "check_layers passed a tree with a bad include:\n${out}${err}")
  elseif(NOT expect_failure AND NOT rc EQUAL 0)
    message(FATAL_ERROR "check_layers failed a tree that follows the layers:\n${out}${err}")
  endif()
endfunction()

run_check(FALSE)

# Line 4 of a core header reaches up into the builder; a comment mentioning an include does not
# count.
file(WRITE "${tree}/core/bad.hpp"
     "#pragma once\n// #include \"simulator/x.hpp\" in a comment\n\n  #  include \"builder/plan.hpp\"\n")
run_check(TRUE)
foreach(expected "core/bad.hpp:4:" "layer 'core'" "\"builder/plan.hpp\"" "layer 'builder'")
  string(FIND "${output}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "check_layers' report lacks '${expected}':\n${output}")
  endif()
endforeach()
string(FIND "${output}" "simulator/x.hpp" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "check_layers reported an include inside a comment:\n${output}")
endif()

file(REMOVE_RECURSE "${tree}")
message(STATUS "check_layers_test: a bad include fails the check, located; a good tree passes")
