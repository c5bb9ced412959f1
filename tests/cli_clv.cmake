# SPDX-License-Identifier: MIT
# End-to-end checks of `tier fit clv`, `tier clv` and the clv model in `tier run --models`.
add_test(NAME cli_clv
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_clv_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_clv PROPERTIES LABELS "cli" TIMEOUT 300)
