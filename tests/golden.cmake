# SPDX-License-Identifier: MIT
# The CLI's outputs on the bundled CDNOW and B2B data stay byte-identical (tests/golden_test.sh).
add_test(NAME cli_outputs_match_golden_hashes
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/golden_test.sh" $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli_outputs_match_golden_hashes PROPERTIES LABELS "cli" TIMEOUT 300)
