# Fails when a source file includes a layer above its own (docs/architecture.md, "Layers").
# Layers from the bottom up: core < frontend < builder < backend < monitors < simulator < apps;
# a file may include its own layer and those below it. The generated `spikegraph/config.hpp`
# and the public headers under include/spikegraph/ may be included from anywhere; includes
# that do not start with a layer folder (system and third-party headers) are not checked.
#
#   cmake -DSOURCE_DIR=<repository root> -P cmake/check_layers.cmake
#
# Prints every violation as `file:line: <layer> includes "<path>" from <higher layer>` and exits
# with an error when there is one.

cmake_minimum_required(VERSION 3.20)

if(NOT DEFINED SOURCE_DIR OR NOT IS_DIRECTORY "${SOURCE_DIR}")
  message(FATAL_ERROR "check_layers: pass -DSOURCE_DIR=<repository root>")
endif()

set(layers core frontend builder backend monitors simulator apps)
set(public_dir include)

set(patterns "")
foreach(dir IN LISTS layers public_dir)
  list(APPEND patterns "${SOURCE_DIR}/${dir}/*.hpp" "${SOURCE_DIR}/${dir}/*.cpp")
endforeach()
file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${SOURCE_DIR}" ${patterns})
list(SORT files)

set(violations 0)
foreach(file IN LISTS files)
  string(REGEX MATCH "^[^/]+" file_dir "${file}")
  if(file_dir STREQUAL public_dir)
    # Public headers sit over the whole library: they may include any layer.
    continue()
  endif()
  list(FIND layers "${file_dir}" file_rank)
  file(READ "${SOURCE_DIR}/${file}" rest)
  # A newline in front lets one pattern find an #include at the start of any line, the first
  # included. `line` is the number of the line that `rest` starts on.
  string(PREPEND rest "\n")
  set(line 0)
  while(TRUE)
    string(REGEX MATCH "\n[ \t]*#[ \t]*include[ \t]*\"([^\"\n]*)\"" match "${rest}")
    if(NOT match)
      break()
    endif()
    set(included "${CMAKE_MATCH_1}")
    string(FIND "${rest}" "${match}" pos)
    string(SUBSTRING "${rest}" 0 ${pos} before)
    string(REGEX REPLACE "[^\n]" "" newlines "${before}")
    string(LENGTH "${newlines}" skipped)
    math(EXPR line "${line} + ${skipped} + 1")
    string(LENGTH "${match}" match_length)
    math(EXPR after "${pos} + ${match_length}")
    string(SUBSTRING "${rest}" ${after} -1 rest)

    string(REGEX MATCH "^[^/]+" included_dir "${included}")
    list(FIND layers "${included_dir}" included_rank)
    if(NOT included STREQUAL included_dir AND included_rank GREATER file_rank)
      message(STATUS "${file}:${line}: layer '${file_dir}' includes \"${included}\" from "
                     "layer '${included_dir}', which is above it")
      math(EXPR violations "${violations} + 1")
    endif()
  endwhile()
endforeach()

list(LENGTH files checked)
string(REPLACE ";" " < " order "${layers}")
if(violations GREATER 0)
  message(FATAL_ERROR "check_layers: ${violations} include(s) against the layer order "
                      "${order} (in ${checked} files): move the code down a layer or the "
                      "include up")
endif()
message(STATUS "check_layers: ${checked} files follow the layer order ${order}")
