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

# What the README and docs cite must be in the repository: the team's private design notes on
# performance, reliability and the product live on as docs/performance.md, docs/reliability.md and
# docs/method.md, and nothing may cite the notes' own (upper-case) file names. The names are split
# in the pattern below so that this file does not match itself.
add_test(NAME lint_no_citation_of_notes_outside_the_repository
  COMMAND bash -c [[cd "$0" || exit 2
    hits=$(grep -rnE --exclude-dir=.git --exclude-dir='build*' \
      '(PERF''ORMANCE|RELI''ABILITY|PRO''DUCT)\.md|\.\./sha''red/|/wo''rk/sha''red' . )
    if [ -n "$hits" ]; then
      printf '%s\n' "$hits"
      echo "a user has only the repository: cite docs/ (performance.md, reliability.md, method.md, clv.md) instead"
      exit 1
    fi]] "${PROJECT_SOURCE_DIR}")
set_tests_properties(lint_no_citation_of_notes_outside_the_repository PROPERTIES
  LABELS "lint" TIMEOUT 60)
