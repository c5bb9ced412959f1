# SPDX-License-Identifier: MIT
# The fuzz targets (CSV reader, policy file parser, snapshot container reader): a corpus replay in
# every build (gcc, valgrind), and with TIER_FUZZ=ON on clang the real libFuzzer binaries
# `fuzz_csv`, `fuzz_policy` and `fuzz_snapfile` (library compiled in with the fuzzer's coverage).
set(TIER_FUZZ_DIR "${CMAKE_CURRENT_SOURCE_DIR}/fuzz")

add_executable(fuzz_csv_replay "${TIER_FUZZ_DIR}/replay_main.c" "${TIER_FUZZ_DIR}/fuzz_csv.c")
target_link_libraries(fuzz_csv_replay PRIVATE tier_static)
target_include_directories(fuzz_csv_replay PRIVATE "${PROJECT_SOURCE_DIR}/src")
target_compile_options(fuzz_csv_replay PRIVATE ${TIER_WARNINGS})
target_compile_definitions(fuzz_csv_replay PRIVATE _POSIX_C_SOURCE=200809L)
# The replay also runs the input cases of the CSV tests (tests/data/csv/{valid,invalid}/<case>/
# input.csv; as for every corpus file, the target reads their first byte as its option byte).
file(GLOB TIER_CSV_CASE_INPUTS CONFIGURE_DEPENDS
  "${CMAKE_CURRENT_SOURCE_DIR}/data/csv/valid/*/input.csv"
  "${CMAKE_CURRENT_SOURCE_DIR}/data/csv/invalid/*/input.csv")
add_test(NAME fuzz_csv_replay COMMAND fuzz_csv_replay "${TIER_FUZZ_DIR}/corpus/csv"
  ${TIER_CSV_CASE_INPUTS})
set_tests_properties(fuzz_csv_replay PROPERTIES LABELS "fuzz" TIMEOUT 600)

add_executable(fuzz_policy_replay "${TIER_FUZZ_DIR}/replay_main.c"
  "${TIER_FUZZ_DIR}/fuzz_policy.c")
target_link_libraries(fuzz_policy_replay PRIVATE tier_static)
target_include_directories(fuzz_policy_replay PRIVATE "${PROJECT_SOURCE_DIR}/src")
target_compile_options(fuzz_policy_replay PRIVATE ${TIER_WARNINGS})
target_compile_definitions(fuzz_policy_replay PRIVATE _POSIX_C_SOURCE=200809L)
# The replay also runs the policy test files (tests/data/policy/{valid,invalid}/*.policy).
file(GLOB TIER_POLICY_CASE_INPUTS CONFIGURE_DEPENDS
  "${CMAKE_CURRENT_SOURCE_DIR}/data/policy/valid/*.policy"
  "${CMAKE_CURRENT_SOURCE_DIR}/data/policy/invalid/*.policy")
add_test(NAME fuzz_policy_replay COMMAND fuzz_policy_replay "${TIER_FUZZ_DIR}/corpus/policy"
  ${TIER_POLICY_CASE_INPUTS})
set_tests_properties(fuzz_policy_replay PROPERTIES LABELS "fuzz" TIMEOUT 600)

add_executable(fuzz_snapfile_replay "${TIER_FUZZ_DIR}/replay_main.c"
  "${TIER_FUZZ_DIR}/fuzz_snapfile.c")
target_link_libraries(fuzz_snapfile_replay PRIVATE tier_static)
target_include_directories(fuzz_snapfile_replay PRIVATE "${PROJECT_SOURCE_DIR}/src")
target_compile_options(fuzz_snapfile_replay PRIVATE ${TIER_WARNINGS})
target_compile_definitions(fuzz_snapfile_replay PRIVATE _POSIX_C_SOURCE=200809L)
add_test(NAME fuzz_snapfile_replay COMMAND fuzz_snapfile_replay "${TIER_FUZZ_DIR}/corpus/snapfile")
set_tests_properties(fuzz_snapfile_replay PROPERTIES LABELS "fuzz" TIMEOUT 600)

if(TIER_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_csv "${TIER_FUZZ_DIR}/fuzz_csv.c" ${TIER_SOURCES})
  target_include_directories(fuzz_csv PRIVATE "${PROJECT_SOURCE_DIR}/include"
    "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(fuzz_csv PRIVATE TIER_STATIC TIER_BUILDING _POSIX_C_SOURCE=200809L)
  target_compile_options(fuzz_csv PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all)
  target_link_options(fuzz_csv PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_csv PRIVATE m)
  add_executable(fuzz_policy "${TIER_FUZZ_DIR}/fuzz_policy.c" ${TIER_SOURCES})
  target_include_directories(fuzz_policy PRIVATE "${PROJECT_SOURCE_DIR}/include"
    "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(fuzz_policy PRIVATE TIER_STATIC TIER_BUILDING _POSIX_C_SOURCE=200809L)
  target_compile_options(fuzz_policy PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all)
  target_link_options(fuzz_policy PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_policy PRIVATE m)
  add_executable(fuzz_snapfile "${TIER_FUZZ_DIR}/fuzz_snapfile.c" ${TIER_SOURCES})
  target_include_directories(fuzz_snapfile PRIVATE "${PROJECT_SOURCE_DIR}/include"
    "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(fuzz_snapfile PRIVATE TIER_STATIC TIER_BUILDING
    _POSIX_C_SOURCE=200809L)
  target_compile_options(fuzz_snapfile PRIVATE -g -O1 -fsanitize=fuzzer,address,undefined
    -fno-sanitize-recover=all)
  target_link_options(fuzz_snapfile PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_snapfile PRIVATE m)
elseif(TIER_FUZZ)
  message(STATUS "TIER_FUZZ needs clang (libFuzzer); only the corpus replay is built")
endif()
