# SPDX-License-Identifier: MIT
# libtier.dask with hierarchies and routing against `tier run` on a two-process LocalCluster
# (tests/dask_org_test.py, docs/distributed.md "Hierarchies and routing"): Debian's
# /usr/bin/python3 with python3-dask and python3-distributed; the test reports itself skipped
# (77) when they are missing. python_dask_org_full runs the built-in policies that need accounts
# (b2b-full, grade-a-e, b2b-subscriptions with contracts) and the default policy with accounts.
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  add_test(NAME python_dask_org
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_org_test.py"
      "$<TARGET_FILE:tier_cli>" "${PROJECT_BINARY_DIR}/dask-org")
  add_test(NAME python_dask_org_full
    COMMAND /usr/bin/python3 "${PROJECT_SOURCE_DIR}/tests/dask_org_test.py"
      "$<TARGET_FILE:tier_cli>" "${PROJECT_BINARY_DIR}/dask-org-full" --full)
  set_tests_properties(python_dask_org python_dask_org_full PROPERTIES
    ENVIRONMENT "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python;LIBTIER_PATH=$<TARGET_FILE:tier>;PYTHONDONTWRITEBYTECODE=1"
    LABELS "python"
    SKIP_RETURN_CODE 77
    TIMEOUT 600)
endif()
