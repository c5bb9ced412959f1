# SPDX-License-Identifier: MIT
# Lint: the layering rule of docs/architecture.md over the #include lines of src/
# (.ci/check-layers.py, Python 3 standard library), and a test that the checker rejects bad trees.
find_program(TIER_LINT_PYTHON NAMES python3)
if(TIER_LINT_PYTHON)
  add_test(NAME lint_includes_respect_the_layers
    COMMAND "${TIER_LINT_PYTHON}" "${PROJECT_SOURCE_DIR}/.ci/check-layers.py"
      --root "${PROJECT_SOURCE_DIR}")
  add_test(NAME lint_layer_check_rejects_upward_includes
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/check_layers_test.sh" "${TIER_LINT_PYTHON}"
      "${PROJECT_SOURCE_DIR}")
  set_tests_properties(lint_includes_respect_the_layers lint_layer_check_rejects_upward_includes
    PROPERTIES LABELS "lint" TIMEOUT 60)
else()
  message(WARNING "python3 not found: the layer check (lint) is not registered")
endif()
