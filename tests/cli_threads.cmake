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

# The executor's worker threads are made once and kept for the whole run: under memcheck, a run
# with --threads 3 (its input read in parts, so tasks do start) leaves none of them running and
# leaks nothing, not even a thread's possibly lost memory. .ci/valgrind-tests.py skips tests
# labelled valgrind (they run under it already). Not in a sanitizer build: valgrind cannot run an
# ASan or TSan binary.
find_program(TIER_VALGRIND NAMES valgrind)
if(TIER_VALGRIND AND NOT TIER_SANITIZE AND NOT TIER_TSAN)
  add_test(NAME cli_threads_valgrind
    COMMAND "${TIER_VALGRIND}" --quiet --leak-check=full
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
            $<TARGET_FILE:tier_cli> run --input "${PROJECT_SOURCE_DIR}/examples/data/CDNOW_master.txt"
            --as-of 1998-07-01 --models rfm,pareto --threads 3 --quiet
            --out "${CMAKE_CURRENT_BINARY_DIR}/cli_threads_valgrind.csv")
  set_tests_properties(cli_threads_valgrind PROPERTIES LABELS "cli;valgrind" TIMEOUT 300
    ENVIRONMENT "TIER_SPLIT_MIN_BYTES=1;TIER_UNDER_VALGRIND=1")
endif()
