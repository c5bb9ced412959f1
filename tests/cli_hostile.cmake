# SPDX-License-Identifier: MIT
# The `tier` command against the hostile inputs of issue 12 (pipes, FIFOs, --out onto the input,
# a device or a symlink, concurrent saves, blank lines before the header, bad attribute cells).
add_test(NAME cli_hostile
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_hostile_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_hostile PROPERTIES LABELS "cli" TIMEOUT 300)
