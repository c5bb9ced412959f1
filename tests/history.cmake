# SPDX-License-Identifier: MIT
# Tiers over time through the `tier` command: twelve monthly runs with a state and ledgers
# (hysteresis, dwell, an override, the ledgers adding up), and the crash loop (a run SIGKILLed at
# random moments leaves the old or the new state, never a torn one).
find_program(TIER_HISTORY_PYTHON NAMES python3)
if(EXISTS /usr/bin/python3)
  set(TIER_HISTORY_PYTHON /usr/bin/python3)
endif()
if(TIER_HISTORY_PYTHON)
  add_test(NAME history_scenario
    COMMAND "${TIER_HISTORY_PYTHON}" "${CMAKE_CURRENT_SOURCE_DIR}/history_scenario_test.py"
      $<TARGET_FILE:tier_cli> "${PROJECT_SOURCE_DIR}")
  set_tests_properties(history_scenario PROPERTIES LABELS "cli" TIMEOUT 600)
else()
  message(WARNING "python3 not found: the history scenario test is not registered")
endif()
add_test(NAME history_crash_loop
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/history_crash_test.sh" $<TARGET_FILE:tier_cli>
    "${PROJECT_SOURCE_DIR}" 1000)
set_tests_properties(history_crash_loop PROPERTIES LABELS "cli" TIMEOUT 900)
