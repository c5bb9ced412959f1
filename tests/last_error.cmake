# SPDX-License-Identifier: MIT
# The last-error rule over every public call (tests/last_error_sweep.py): each function of
# include/tier/*.h is called with fresh handles carrying an earlier message, through ctypes. Left
# out of sanitizer builds (an instrumented library cannot be loaded into the plain interpreter).
if(EXISTS /usr/bin/python3 AND NOT TIER_SANITIZE)
  add_test(NAME last_error_sweep
    COMMAND /usr/bin/python3 "${CMAKE_CURRENT_SOURCE_DIR}/last_error_sweep.py"
      "$<TARGET_FILE:tier>" "${PROJECT_SOURCE_DIR}/include"
      "${PROJECT_SOURCE_DIR}/bindings/python/libtier/_ffi.py")
  set_tests_properties(last_error_sweep PROPERTIES LABELS "unit" TIMEOUT 300)
endif()
