# SPDX-License-Identifier: MIT
# examples/notebook.ipynb executed headless by Debian's jupyter-nbconvert on /usr/bin/python3 with
# the built library, its outputs checked (notebook_test.sh); skipped without nbconvert, ipykernel,
# matplotlib or pandas.
add_test(NAME notebook
  COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/notebook_test.sh" "${PROJECT_SOURCE_DIR}"
          $<TARGET_FILE:tier>)
set_tests_properties(notebook PROPERTIES LABELS "python;notebook" TIMEOUT 900
  SKIP_RETURN_CODE 77)
