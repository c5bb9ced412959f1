# SPDX-License-Identifier: MIT
# A newcomer's first configure: on a machine without cmocka, `cmake -S . -B build` succeeds and
# says in one line that the tests are off and how to turn them on; -DTIER_BUILD_TESTS=ON fails
# with a message naming cmocka. Absence is faked two ways: pkg-config searching an empty folder
# (PKG_CONFIG_LIBDIR), and no pkg-config at all (CMAKE_DISABLE_FIND_PACKAGE_PkgConfig).
# This file has two roles:
#  - included by tests/CMakeLists.txt, it registers the ctest test;
#  - run by that test with `cmake -P`, it does the work.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  add_test(NAME configure_without_cmocka_turns_tests_off_in_one_line
    COMMAND "${CMAKE_COMMAND}"
      "-DTIER_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "-DTIER_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/no-cmocka"
      "-DTIER_C_COMPILER=${CMAKE_C_COMPILER}"
      "-DTIER_GENERATOR=${CMAKE_GENERATOR}"
      -P "${CMAKE_CURRENT_LIST_FILE}")
  set_tests_properties(configure_without_cmocka_turns_tests_off_in_one_line PROPERTIES
    LABELS "build" TIMEOUT 300)
  return()
endif()

# ---- script mode ----
file(REMOVE_RECURSE "${TIER_WORK_DIR}")
file(MAKE_DIRECTORY "${TIER_WORK_DIR}/empty-pkgconfig")
set(failures 0)

# configure(NAME ENV-ASSIGNMENT|- ARGS...): configures a fresh build tree; sets out, rc, build.
function(configure name env)
  set(build "${TIER_WORK_DIR}/${name}")
  set(prefix)
  if(NOT env STREQUAL "-")
    set(prefix "${CMAKE_COMMAND}" -E env "${env}")
  endif()
  execute_process(
    COMMAND ${prefix} "${CMAKE_COMMAND}" -S "${TIER_SOURCE_DIR}" -B "${build}"
      -G "${TIER_GENERATOR}" "-DCMAKE_C_COMPILER=${TIER_C_COMPILER}" ${ARGN}
    RESULT_VARIABLE code OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  set(out "${stdout}${stderr}" PARENT_SCOPE)
  set(rc "${code}" PARENT_SCOPE)
  set(build "${build}" PARENT_SCOPE)
endfunction()

function(bad what)
  message("FAIL: ${what}")
  math(EXPR n "${failures} + 1")
  set(failures ${n} PARENT_SCOPE)
endfunction()

set(off_line "libtier: tests are off (cmocka not found): apt-get install libcmocka-dev pkg-config, then re-run cmake")
set(no_pc_env "PKG_CONFIG_LIBDIR=${TIER_WORK_DIR}/empty-pkgconfig")

# A plain configure succeeds, prints the line once, and registers no tests.
function(expect_tests_off name env)
  configure(${name} "${env}" ${ARGN})
  string(REGEX MATCHALL "[^\n]*tests are off[^\n]*" lines "${out}")
  list(LENGTH lines nlines)
  if(NOT rc EQUAL 0)
    bad("${name}: plain configure failed (${rc}):\n${out}")
  elseif(NOT nlines EQUAL 1)
    bad("${name}: want exactly one 'tests are off' line, got ${nlines}:\n${out}")
  elseif(NOT lines STREQUAL off_line)
    bad("${name}: the line is not \"${off_line}\":\n${out}")
  elseif(out MATCHES "CMake (Warning|Error)")
    bad("${name}: the configure printed warnings besides the line:\n${out}")
  elseif(EXISTS "${build}/tests" OR EXISTS "${build}/CTestTestfile.cmake")
    bad("${name}: tests were registered although cmocka is missing")
  else()
    message(STATUS "ok: ${name}: configure succeeds with one line: ${lines}")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

# TIER_BUILD_TESTS=ON given explicitly fails and says why and how to go on.
function(expect_error name env why)
  configure(${name} "${env}" -DTIER_BUILD_TESTS=ON ${ARGN})
  string(REGEX REPLACE "[ \n]+" " " flat "${out}")
  if(rc EQUAL 0)
    bad("${name}: configure succeeded although TIER_BUILD_TESTS=ON and cmocka is missing:\n${out}")
  elseif(NOT flat MATCHES "TIER_BUILD_TESTS=ON, but cmocka was not found \\(${why}")
    bad("${name}: the error does not say that cmocka is missing (${why}...):\n${out}")
  elseif(NOT flat MATCHES "apt-get install libcmocka-dev" OR NOT flat MATCHES "-DTIER_BUILD_TESTS=OFF")
    bad("${name}: the error does not say how to go on:\n${out}")
  else()
    message(STATUS "ok: ${name}: configure fails and names cmocka")
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

expect_tests_off(no-cmocka "${no_pc_env}")
expect_tests_off(no-pkgconfig - -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)
expect_error(on-no-cmocka "${no_pc_env}" "pkg-config does not know cmocka")
expect_error(on-no-pkgconfig - "pkg-config is not installed" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)

# 5: OFF is quiet.
configure(off "${no_pc_env}" -DTIER_BUILD_TESTS=OFF)
if(NOT rc EQUAL 0 OR out MATCHES "tests are off")
  bad("off: want a quiet successful configure with TIER_BUILD_TESTS=OFF (${rc}):\n${out}")
else()
  message(STATUS "ok: off: quiet")
endif()

file(REMOVE_RECURSE "${TIER_WORK_DIR}")
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} case(s) failed")
endif()
message(STATUS "all configure cases passed")
