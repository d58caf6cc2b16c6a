# Every .cpp/.cu file of the library and the test suite is listed in cmake/sources.cmake, and
# every listed file exists: with explicit source lists, a file left out would silently not be
# built (and its tests not run). Run: cmake -DSOURCE_DIR=<repo> -P sources_listed_test.cmake
cmake_policy(VERSION 3.25)
include(${SOURCE_DIR}/cmake/sources.cmake)
set(listed ${SPIKEGRAPH_CORE_SOURCES} ${SPIKEGRAPH_FRONTEND_SOURCES} ${SPIKEGRAPH_BUILDER_SOURCES}
  ${SPIKEGRAPH_BACKEND_SOURCES} ${SPIKEGRAPH_MONITORS_SOURCES} ${SPIKEGRAPH_SIMULATOR_SOURCES}
  ${SPIKEGRAPH_CUDA_SOURCES} ${SPIKEGRAPH_TEST_SOURCES})
file(GLOB_RECURSE found RELATIVE ${SOURCE_DIR}
  ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/frontend/*.cpp ${SOURCE_DIR}/builder/*.cpp
  ${SOURCE_DIR}/backend/*.cpp ${SOURCE_DIR}/backend/*.cu ${SOURCE_DIR}/monitors/*.cpp
  ${SOURCE_DIR}/simulator/*.cpp ${SOURCE_DIR}/tests/*.cpp)
list(FILTER found EXCLUDE REGEX "^tests/downstream/")
set(problems "")
foreach(f IN LISTS found)
  if(NOT f IN_LIST listed)
    string(APPEND problems "\n  ${f} exists but is not listed in cmake/sources.cmake")
  endif()
endforeach()
foreach(f IN LISTS listed)
  if(NOT EXISTS ${SOURCE_DIR}/${f})
    string(APPEND problems "\n  ${f} is listed in cmake/sources.cmake but does not exist")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "source lists out of date:${problems}")
endif()
list(LENGTH listed n)
message(STATUS "all ${n} source files are listed")
