# SPDX-License-Identifier: MIT
# test_model_options again under a comma-decimal locale (as tests/util.cmake does for test_util):
# saved model state and option text must not depend on LC_NUMERIC. Without localedef or the locale
# sources the locale test skips itself.
find_program(TIER_LOCALEDEF localedef)
if(TIER_LOCALEDEF AND EXISTS /usr/share/i18n/locales/de_DE)
  add_test(NAME test_model_options_comma_locale COMMAND sh -c
    "mkdir -p '${CMAKE_CURRENT_BINARY_DIR}/locales' && '${TIER_LOCALEDEF}' -i de_DE -f UTF-8 '${CMAKE_CURRENT_BINARY_DIR}/locales/de_DE.UTF-8' >/dev/null 2>&1; LOCPATH='${CMAKE_CURRENT_BINARY_DIR}/locales' exec '$<TARGET_FILE:test_model_options>'")
  set_tests_properties(test_model_options_comma_locale PROPERTIES LABELS "unit" TIMEOUT 600)
endif()
