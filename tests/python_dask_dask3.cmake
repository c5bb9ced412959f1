# SPDX-License-Identifier: MIT
# libtier.dask: the needs fit to need profiles and with init_sample = 0, on a two-process
# LocalCluster (tests/dask_dask3_test.py, docs/distributed.md "The needs model"): Debian's /usr/bin/python3
# with python3-dask and python3-distributed; the test reports itself skipped (77) when they are
# missing.
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  add_test(NAME python_dask_dask3
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_dask3_test.py"
      "$<TARGET_FILE:tier_cli>" "${PROJECT_BINARY_DIR}/dask-dask3")
  set_tests_properties(python_dask_dask3 PROPERTIES
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python;LIBTIER_PATH=$<TARGET_FILE:tier>;PYTHONDONTWRITEBYTECODE=1"
    LABELS "python"
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
