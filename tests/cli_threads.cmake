# SPDX-License-Identifier: MIT
# `tier run --threads N`: byte-identical output for 1, 2, 3 and 8 threads on a generated W1-like
# log (tests/threads_input.py) and on the example data, and the same first error.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  add_test(NAME cli_threads
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/cli_threads_test.sh" $<TARGET_FILE:tier_cli>
            "${PROJECT_SOURCE_DIR}" "${Python3_EXECUTABLE}")
  set_tests_properties(cli_threads PROPERTIES LABELS "cli" TIMEOUT 300)
endif()
