# SPDX-License-Identifier: MIT
# ABI gate: libtier.so exports exactly the symbols of src/libtier.map (all tier_*, versioned), has
# the SONAME libtier.so.MAJOR and imports nothing that prints, exits or aborts (.ci/check-exports.sh).
find_program(TIER_NM nm)
find_program(TIER_READELF readelf)
if(TIER_NM AND TIER_READELF)
  set(_exports_extra "")
  if(TIER_COVERAGE)
    # The gcov runtime linked into an instrumented .so prints and aborts by design.
    set(_exports_extra --allow-runtime-imports)
  endif()
  add_test(NAME exports_match_the_version_script
    COMMAND bash "${PROJECT_SOURCE_DIR}/.ci/check-exports.sh" $<TARGET_FILE:tier>
      "${PROJECT_SOURCE_DIR}/src/libtier.map" "${PROJECT_VERSION_MAJOR}" ${_exports_extra})
  set_tests_properties(exports_match_the_version_script PROPERTIES LABELS "abi" TIMEOUT 60)
else()
  message(WARNING "nm/readelf not found: the exports test is not registered")
endif()
