# SPDX-License-Identifier: MIT
# End-to-end checks of `tier fit sbg`: the published sBG fits in its JSON, several cohorts, usage
# errors and exit codes.
add_test(NAME cli_sbg
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_sbg_test.sh" $<TARGET_FILE:tier_cli>)
set_tests_properties(cli_sbg PROPERTIES LABELS "cli" TIMEOUT 120)
