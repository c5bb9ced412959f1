# SPDX-License-Identifier: MIT
# The nightly CRM job of examples/crm_nightly, built against this build INSTALLED into a temporary
# prefix (find_package and pkg-config), run three nights on a SQLite database and compared with
# the installed `tier` command (tests/crm_nightly_test.sh, tests/crm_nightly_scenario.py). Needs
# SQLite 3 (libsqlite3-dev) and python3; without them the test is not registered.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TIER_SQLITE3 QUIET sqlite3)
endif()
find_program(TIER_PYTHON3 NAMES python3)
if(TIER_SQLITE3_FOUND AND TIER_PYTHON3)
  set(_crm_extra "")
  if(TIER_SANITIZE)
    # The instrumented libtier.so needs the sanitizer runtime in the executable.
    set(_crm_extra "-fsanitize=address,undefined")
  elseif(TIER_COVERAGE)
    set(_crm_extra "--coverage")
  endif()
  add_test(NAME example_crm_nightly_sqlite
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/crm_nightly_test.sh" "${PROJECT_BINARY_DIR}"
      "${PROJECT_SOURCE_DIR}" "${CMAKE_C_COMPILER}" "${_crm_extra}")
  # cmake --install writes install_manifest.txt into the build tree, as the install test does.
  set_tests_properties(example_crm_nightly_sqlite PROPERTIES LABELS "example;install" TIMEOUT 600
    RESOURCE_LOCK tier_install_manifest)
else()
  message(STATUS "SQLite 3 (libsqlite3-dev) or python3 not found: no crm_nightly test")
endif()
