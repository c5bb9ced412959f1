# SPDX-License-Identifier: MIT
# `docs` target: the Doxygen API reference in <build>/docs/html, when Doxygen is installed.
# Any Doxygen warning (e.g. an undocumented public symbol) fails the target.
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${PROJECT_BINARY_DIR}/Doxyfile" @ONLY)
  # The headers, the pages (docs/*.md of the Doxyfile's INPUT) and the examples they include.
  file(GLOB_RECURSE _tier_doc_inputs CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/include/*.h"
    "${PROJECT_SOURCE_DIR}/examples/*.c" "${PROJECT_SOURCE_DIR}/examples/*/CMakeLists.txt"
    "${PROJECT_SOURCE_DIR}/examples/*/Makefile")
  add_custom_target(docs
    COMMAND Doxygen::doxygen "${PROJECT_BINARY_DIR}/Doxyfile"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    DEPENDS "${PROJECT_BINARY_DIR}/Doxyfile" ${_tier_doc_inputs} "${PROJECT_SOURCE_DIR}/docs/index.md"
      "${PROJECT_SOURCE_DIR}/docs/abi-policy.md" "${PROJECT_SOURCE_DIR}/docs/guide-c.md"
    COMMENT "Doxygen: API reference in ${PROJECT_BINARY_DIR}/docs/html"
    VERBATIM)
else()
  message(STATUS "Doxygen not found: no `docs` target")
endif()
