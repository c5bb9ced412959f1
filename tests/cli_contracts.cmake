# SPDX-License-Identifier: MIT
# End-to-end checks of `tier run --contracts`: the example data with the b2b-subscriptions policy,
# the subscription and sBG columns, explain, and a bad contracts file with its message.
add_test(NAME cli_contracts
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_contracts_test.sh" $<TARGET_FILE:tier_cli>
          "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_contracts PROPERTIES LABELS "cli" TIMEOUT 300)
