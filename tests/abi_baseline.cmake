# SPDX-License-Identifier: MIT
# ABI gate against the committed baseline abi/libtier.abi (cmake/abi-baseline.sh --check,
# docs/abi-policy.md): nothing the baseline records may change; added symbols pass when the newest
# CHANGELOG section's ABI line says so. The baseline comes from a gcc build with debug information,
# so the test runs on such builds only (the CI suite's); a sanitized or coverage build, or another
# compiler's debug information, would differ without any change to the interface.
find_program(TIER_ABIDIFF abidiff)
string(TOUPPER "${CMAKE_BUILD_TYPE}" _tier_abi_build_type)
if(TIER_ABIDIFF AND CMAKE_C_COMPILER_ID STREQUAL "GNU" AND NOT TIER_SANITIZE AND NOT TIER_COVERAGE
   AND _tier_abi_build_type MATCHES "^(RELWITHDEBINFO|DEBUG)$")
  add_test(NAME abi_compatible_with_baseline
    COMMAND sh "${PROJECT_SOURCE_DIR}/cmake/abi-baseline.sh" --check "${PROJECT_BINARY_DIR}")
  set_tests_properties(abi_compatible_with_baseline PROPERTIES LABELS "abi" TIMEOUT 120)
elseif(NOT TIER_ABIDIFF)
  message(STATUS "abidiff not found (apt-get install abigail-tools): no ABI baseline test")
endif()
