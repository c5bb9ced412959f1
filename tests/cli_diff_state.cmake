# SPDX-License-Identifier: MIT
# End-to-end checks of `tier diff --state OLD --against-state NEW` (docs/diff.md, "Two snapshots").
add_test(NAME cli_diff_state
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_diff_state_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_diff_state PROPERTIES LABELS "cli" TIMEOUT 300)
