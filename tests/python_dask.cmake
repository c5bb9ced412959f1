# SPDX-License-Identifier: MIT
# libtier.dask against `tier run` on a two-process LocalCluster (tests/dask_identity_test.py,
# docs/distributed.md): Debian's /usr/bin/python3 with python3-dask and python3-distributed; the
# test reports itself skipped (77) when they are missing.
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  # The generator of the 1M-transaction log (tests/bench/gen_w1.c), under a name of its own.
  add_executable(tier_dask_gen_w1 "${PROJECT_SOURCE_DIR}/tests/bench/gen_w1.c")
  add_test(NAME python_dask
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_identity_test.py"
      "$<TARGET_FILE:tier_cli>" "$<TARGET_FILE:tier_dask_gen_w1>"
      "${PROJECT_BINARY_DIR}/dask-identity")
  set_tests_properties(python_dask PROPERTIES
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python;LIBTIER_PATH=$<TARGET_FILE:tier>;PYTHONDONTWRITEBYTECODE=1"
    LABELS "python"
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
