# SPDX-License-Identifier: MIT
# The tests whose text must not depend on LC_NUMERIC run again under a comma-decimal locale:
# test_util (number formatting and parsing) and test_model_options (saved model state and option
# text). glibc's localedef builds de_DE.UTF-8 into the build tree (no system change) and LOCPATH
# points the tests at it. Without localedef or the locale sources they are not registered; where
# the locale still cannot be loaded, the tests skip their locale checks.
find_program(TIER_LOCALEDEF localedef)
if(TIER_LOCALEDEF AND EXISTS /usr/share/i18n/locales/de_DE)
  foreach(test test_util test_model_options)
    add_test(NAME ${test}_comma_locale COMMAND sh -c
      "mkdir -p '${CMAKE_CURRENT_BINARY_DIR}/locales' && '${TIER_LOCALEDEF}' -i de_DE -f UTF-8 '${CMAKE_CURRENT_BINARY_DIR}/locales/de_DE.UTF-8' >/dev/null 2>&1; LOCPATH='${CMAKE_CURRENT_BINARY_DIR}/locales' exec '$<TARGET_FILE:${test}>'")
    set_tests_properties(${test}_comma_locale PROPERTIES LABELS "unit" TIMEOUT 600)
  endforeach()
endif()
