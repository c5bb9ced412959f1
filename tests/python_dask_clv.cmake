# SPDX-License-Identifier: MIT
# libtier.dask with the clv, sbg and subscription models (fits from mergeable summaries) against
# `tier run` on a two-process LocalCluster (tests/dask_clv_test.py, docs/distributed.md): Debian's
# /usr/bin/python3 with python3-dask and python3-distributed; skipped (77) when they are missing.
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  add_test(NAME python_dask_clv
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_clv_test.py"
      "$<TARGET_FILE:tier_cli>" "${PROJECT_BINARY_DIR}/dask-clv")
  set_tests_properties(python_dask_clv PROPERTIES
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python;LIBTIER_PATH=$<TARGET_FILE:tier>;PYTHONDONTWRITEBYTECODE=1"
    LABELS "python"
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
