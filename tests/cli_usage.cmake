# SPDX-License-Identifier: MIT
# The `tier` command's dispatch and host errors: no command, version and help spellings, unknown
# commands and group actions, a large output onto a full device, a bad TIER_SPLIT_MIN_BYTES.
add_test(NAME cli_usage
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_usage_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_usage PROPERTIES LABELS "cli" TIMEOUT 300)
