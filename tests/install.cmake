# SPDX-License-Identifier: MIT
# Packaging test: the components `runtime` and `development` each install their own files and
# nothing of the other's; then `cmake --install` of the whole build into a fresh prefix, examples/
# built standalone against the installed package (find_package(libtier) and pkg-config), and both
# quick starts run on the CDNOW log. This file has two roles:
#  - included by tests/CMakeLists.txt, it registers the ctest test;
#  - run by that test with `cmake -P`, it does the work.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  add_test(NAME install_then_examples_build_against_package
    COMMAND "${CMAKE_COMMAND}"
      "-DTIER_BUILD_DIR=${PROJECT_BINARY_DIR}"
      "-DTIER_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "-DTIER_WORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install-test"
      "-DTIER_C_COMPILER=${CMAKE_C_COMPILER}"
      "-DTIER_SANITIZE=${TIER_SANITIZE}"
      "-DTIER_COVERAGE=${TIER_COVERAGE}"
      -P "${CMAKE_CURRENT_LIST_FILE}")
  set_tests_properties(install_then_examples_build_against_package PROPERTIES
    LABELS "install" TIMEOUT 900 RUN_SERIAL TRUE RESOURCE_LOCK tier_install_manifest)
  return()
endif()

# ---- script mode ----
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}")
  endif()
  message(STATUS "ok: ${what}")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${TIER_WORK_DIR}/prefix")
set(examples_build "${TIER_WORK_DIR}/examples")
file(REMOVE_RECURSE "${TIER_WORK_DIR}")
file(MAKE_DIRECTORY "${TIER_WORK_DIR}")

# ---- components: each installs its files and none of the other's ----
# The relative paths of every file and link under `dir`, sorted, with the library folder (lib64,
# lib/x86_64-linux-gnu, ...) written lib.
function(installed_files dir out)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${dir}" "${dir}/*")
  list(TRANSFORM files REPLACE "^lib(64|32|/[^/]+-linux-[^/]+)/" "lib/")
  list(SORT files)
  set(${out} "${files}" PARENT_SCOPE)
endfunction()
# Fails unless some file of `files` matches each regex of `want` and none matches `refuse`.
function(expect_files component files)
  cmake_parse_arguments(E "" "" "WANT;REFUSE" ${ARGN})
  foreach(re IN LISTS E_WANT)
    set(hit "")
    foreach(f IN LISTS files)
      if(f MATCHES "${re}")
        set(hit "${f}")
      endif()
    endforeach()
    if(NOT hit)
      message(FATAL_ERROR "component ${component} lacks a file matching ${re}; it installed:\n${files}")
    endif()
  endforeach()
  foreach(f IN LISTS files)
    foreach(re IN LISTS E_REFUSE)
      if(f MATCHES "${re}")
        message(FATAL_ERROR "component ${component} installs ${f}, which belongs elsewhere")
      endif()
    endforeach()
  endforeach()
endfunction()
foreach(component runtime development)
  set(cprefix "${TIER_WORK_DIR}/only-${component}")
  step("install the ${component} component into ${cprefix}" "${CMAKE_COMMAND}" --install
    "${TIER_BUILD_DIR}" --prefix "${cprefix}" --component ${component})
  installed_files("${cprefix}" files_${component})
endforeach()
# runtime: what a program linked against libtier and a user of `tier` need, nothing to build with.
expect_files(runtime "${files_runtime}"
  WANT "^lib/libtier\\.so\\.[0-9]+$" "^lib/libtier\\.so\\.[0-9]+\\.[0-9]+\\.[0-9]+$" "^bin/tier$"
    "^share/libtier/policies/b2b-sabc\\.policy$" "^share/doc/.*/LICENSE$"
  REFUSE "^include/" "\\.h$" "^lib/libtier\\.so$" "\\.a$" "\\.pc$" "\\.cmake$")
# development: headers, the link-time name, the static library, the .pc file and the CMake package.
expect_files(development "${files_development}"
  WANT "^include/tier\\.h$" "^include/tier/book\\.h$" "^lib/libtier\\.so$" "^lib/libtier\\.a$"
    "^lib/pkgconfig/libtier\\.pc$" "^lib/cmake/libtier/libtierConfig\\.cmake$"
    "^lib/cmake/libtier/libtierConfigVersion\\.cmake$" "^lib/cmake/libtier/libtierTargets\\.cmake$"
  REFUSE "^bin/" "^lib/libtier\\.so\\." "^share/libtier/")
# python: the package (docs/python.md) with the _config.py naming the installed library.
set(cprefix "${TIER_WORK_DIR}/only-python")
step("install the python component into ${cprefix}" "${CMAKE_COMMAND}" --install
  "${TIER_BUILD_DIR}" --prefix "${cprefix}" --component python)
installed_files("${cprefix}" files_python)
expect_files(python "${files_python}"
  WANT "/libtier/__init__\\.py$" "/libtier/_config\\.py$" "/libtier/py\\.typed$"
  REFUSE "^bin/" "^include/" "\\.so" "\\.a$" "^share/")
# Together the three are the whole install but for other components' files (the Lua module).
set(both ${files_runtime} ${files_development} ${files_python})
list(SORT both)

step("install into ${prefix}" "${CMAKE_COMMAND}" --install "${TIER_BUILD_DIR}" --prefix "${prefix}")
installed_files("${prefix}" files_all)
foreach(f IN LISTS both)
  list(REMOVE_ITEM files_all "${f}")
endforeach()
list(FILTER files_all EXCLUDE REGEX "/lua/")
if(files_all)
  message(FATAL_ERROR "installed by no component runtime or development: ${files_all}")
endif()
# The namespaced targets of the CMake package.
file(GLOB targets_file "${prefix}/lib*/cmake/libtier/libtierTargets.cmake")
file(READ "${targets_file}" targets_text)
foreach(t libtier::tier libtier::tier_static)
  if(NOT targets_text MATCHES "add_library\\(${t} ")
    message(FATAL_ERROR "the CMake package does not define ${t}")
  endif()
endforeach()

# What a packager expects to find.
file(GLOB libdirs LIST_DIRECTORIES true "${prefix}/lib*")
foreach(dir IN LISTS libdirs)
  if(EXISTS "${dir}/cmake/libtier/libtierConfig.cmake")
    set(libdir "${dir}")
  endif()
endforeach()
if(NOT libdir)
  message(FATAL_ERROR "no lib*/cmake/libtier/libtierConfig.cmake under ${prefix}")
endif()
foreach(f include/tier.h include/tier/common.h bin/tier)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "installed tree lacks ${f}")
  endif()
endforeach()
foreach(f libtierConfigVersion.cmake libtierTargets.cmake)
  if(NOT EXISTS "${libdir}/cmake/libtier/${f}")
    message(FATAL_ERROR "installed tree lacks cmake/libtier/${f}")
  endif()
endforeach()
file(GLOB sonames "${libdir}/libtier.so.*")
if(NOT EXISTS "${libdir}/libtier.so" OR NOT EXISTS "${libdir}/libtier.a" OR NOT sonames)
  message(FATAL_ERROR "installed tree lacks libtier.so, libtier.so.MAJOR or libtier.a in ${libdir}")
endif()
if(NOT EXISTS "${libdir}/pkgconfig/libtier.pc")
  message(FATAL_ERROR "installed tree lacks pkgconfig/libtier.pc")
endif()
# The built-in policies are installed as readable files, and each one is the policy itself: the
# installed tool lints the installed file cleanly.
file(GLOB source_policies "${TIER_SOURCE_DIR}/policies/*.policy")
foreach(src IN LISTS source_policies)
  get_filename_component(name "${src}" NAME)
  set(installed "${prefix}/share/libtier/policies/${name}")
  if(NOT EXISTS "${installed}")
    message(FATAL_ERROR "installed tree lacks share/libtier/policies/${name}")
  endif()
  step("lint the installed ${name}" "${prefix}/bin/tier" lint "${installed}")
endforeach()

# Build the examples as a user project would. libtier.pc names the prefix it was configured for,
# not the one given to `cmake --install --prefix`, so pkg-config is told to derive the prefix from
# where the .pc file lies (--define-prefix).
set(extra_flags "")
if(TIER_SANITIZE)
  # The instrumented libtier.so needs the sanitizer runtime in the executable.
  set(extra_flags "-fsanitize=address,undefined")
endif()
if(TIER_COVERAGE)
  set(extra_flags "${extra_flags} --coverage")
endif()
set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
step("configure examples/ against the installed package"
  "${CMAKE_COMMAND}" -S "${TIER_SOURCE_DIR}/examples" -B "${examples_build}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${TIER_C_COMPILER}"
    "-DCMAKE_C_FLAGS=${extra_flags}" "-DCMAKE_EXE_LINKER_FLAGS=${extra_flags}"
    "-DPKG_CONFIG_ARGN=--define-prefix")
step("build examples/" "${CMAKE_COMMAND}" --build "${examples_build}")

# The find_package build must have used the installed library, not the build tree's.
file(STRINGS "${examples_build}/CMakeCache.txt" found_dir REGEX "^libtier_DIR:")
if(NOT found_dir MATCHES "${prefix}")
  message(FATAL_ERROR "find_package(libtier) did not pick the installed package: ${found_dir}")
endif()

# Both quick starts print S, A, B, C whose counts add up to the 23,570 CDNOW customers, and agree.
set(ENV{LD_LIBRARY_PATH} "${libdir}")
set(outputs "")
foreach(exe quickstart quickstart_pkgconfig)
  step("run ${exe}" "${examples_build}/${exe}" "${TIER_SOURCE_DIR}/examples/data/CDNOW_master.txt")
  message("${step_output}")
  string(REGEX MATCHALL "([A-Z]+) +([0-9]+) customers" lines "${step_output}")
  set(tiers "")
  set(total 0)
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^([A-Z]+) +([0-9]+)" _ "${line}")
    string(APPEND tiers "${CMAKE_MATCH_1}")
    math(EXPR total "${total} + ${CMAKE_MATCH_2}")
  endforeach()
  if(NOT tiers STREQUAL "SABC" OR NOT total EQUAL 23570)
    message(FATAL_ERROR "${exe}: want tiers SABC with 23570 customers, got '${tiers}' with ${total}")
  endif()
  list(APPEND outputs "${step_output}")
endforeach()
list(GET outputs 0 first)
list(GET outputs 1 second)
if(NOT first STREQUAL second)
  message(FATAL_ERROR "the find_package and pkg-config builds printed different results")
endif()
message(STATUS "install test passed: package at ${prefix}, both example builds tiered 23570 customers")
