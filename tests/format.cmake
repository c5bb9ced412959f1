# SPDX-License-Identifier: MIT
# Every C file follows .clang-format (skipped when clang-format is not installed).
add_test(NAME lint_c_files_follow_clang_format
  COMMAND bash "${PROJECT_SOURCE_DIR}/cmake/check-format.sh")
set_tests_properties(lint_c_files_follow_clang_format PROPERTIES LABELS "lint" TIMEOUT 300
  SKIP_RETURN_CODE 77)
