# SPDX-License-Identifier: MIT
# End-to-end checks of the `tier` command.
add_test(NAME cli_end_to_end
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_end_to_end PROPERTIES LABELS "cli" TIMEOUT 300)
