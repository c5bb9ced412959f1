# SPDX-License-Identifier: MIT
# `tier report` (docs/report.md): the page's structure and numbers (cli_report_test.sh, with
# python3's html.parser), and the page rendered by a real headless browser (report_browser_test.sh:
# Debian's chromium; skipped when it is absent).
# The Python twin of the command loads the shared library: not an ASan one (it would need
# LD_PRELOAD), so a sanitized build checks the command alone.
if(TIER_SANITIZE)
  set(_tier_report_lib "")
else()
  set(_tier_report_lib $<TARGET_FILE:tier>)
endif()
add_test(NAME cli_report
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_report_test.sh" $<TARGET_FILE:tier_cli>
          "${PROJECT_SOURCE_DIR}" ${_tier_report_lib})
set_tests_properties(cli_report PROPERTIES LABELS "cli" TIMEOUT 300)

add_test(NAME report_browser
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/report_browser_test.sh" $<TARGET_FILE:tier_cli>
          "${PROJECT_SOURCE_DIR}")
set_tests_properties(report_browser PROPERTIES LABELS "cli;browser" TIMEOUT 300
  SKIP_RETURN_CODE 77)
