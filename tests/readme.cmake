# SPDX-License-Identifier: MIT
# The README's C example must stay the file the examples build.
add_test(NAME readme_example_is_quickstart_c
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/readme_test.sh" "${PROJECT_SOURCE_DIR}")
set_tests_properties(readme_example_is_quickstart_c PROPERTIES LABELS "docs")
