# SPDX-License-Identifier: MIT
# End-to-end checks of `tier diff` (docs/diff.md).
add_test(NAME cli_diff
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_diff_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_diff PROPERTIES LABELS "cli" TIMEOUT 300)
