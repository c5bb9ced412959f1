# SPDX-License-Identifier: MIT
# libtier.dask's population ranks (the scorecard's fit, pct_rank()) against `tier run` on a
# two-process LocalCluster (tests/dask_ranks_test.py, docs/distributed.md "Ranks"): Debian's
# /usr/bin/python3 with python3-dask and python3-distributed; skipped (77) without them.
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  add_test(NAME python_dask_ranks
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_ranks_test.py"
      "$<TARGET_FILE:tier_cli>" "${PROJECT_BINARY_DIR}/dask-ranks")
  set_tests_properties(python_dask_ranks PROPERTIES
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python;LIBTIER_PATH=$<TARGET_FILE:tier>;PYTHONDONTWRITEBYTECODE=1"
    LABELS "python"
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
