# SPDX-License-Identifier: MIT
# Python binding tests (bindings/python/tests, stdlib unittest) against the freshly built library
# and CLI: once with Debian's /usr/bin/python3 (numpy and pandas from apt) and once with the first
# python3 on PATH when that is a different interpreter (e.g. pyenv, without numpy or pandas).

set(_tier_py_src "${PROJECT_SOURCE_DIR}/bindings/python")

# The interpreter a launcher (such as a pyenv shim) really runs, to tell two python3 apart.
function(_tier_python_identity python out)
  execute_process(COMMAND "${python}" -c "import sys; print(sys.executable)"
    OUTPUT_VARIABLE _exe OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0 AND _exe)
    get_filename_component(_exe "${_exe}" REALPATH)
  else()
    get_filename_component(_exe "${python}" REALPATH)
  endif()
  set(${out} "${_exe}" PARENT_SCOPE)
endfunction()

set(_tier_py_env
  "PYTHONPATH=${_tier_py_src}"
  "LIBTIER_PATH=$<TARGET_FILE:tier>"
  "TIER_CLI=$<TARGET_FILE:tier_cli>"
  "PYTHONDONTWRITEBYTECODE=1")
if(TIER_SANITIZE)
  # ctypes loads an ASan-built library only when the runtime is preloaded into the interpreter
  # (docs/reliability.md); the interpreter's own allocations are not ours to leak-check.
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libclang_rt.asan-x86_64.so
    OUTPUT_VARIABLE _tier_asan_rt OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT EXISTS "${_tier_asan_rt}")
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
      OUTPUT_VARIABLE _tier_asan_rt OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  list(APPEND _tier_py_env "LD_PRELOAD=${_tier_asan_rt}" "PYTHONMALLOC=malloc"
    "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0")
endif()

set(_tier_py_system "")
if(EXISTS /usr/bin/python3)
  set(_tier_py_system /usr/bin/python3)
endif()
find_program(TIER_PYTHON3_ON_PATH NAMES python3 NO_CACHE)

set(_tier_py_runs)
if(_tier_py_system)
  list(APPEND _tier_py_runs "python_binding_system=${_tier_py_system}")
endif()
if(TIER_PYTHON3_ON_PATH)
  set(_tier_py_same FALSE)
  if(_tier_py_system)
    _tier_python_identity("${_tier_py_system}" _id_system)
    _tier_python_identity("${TIER_PYTHON3_ON_PATH}" _id_path)
    get_filename_component(_real_system "${_tier_py_system}" REALPATH)
    get_filename_component(_real_path "${TIER_PYTHON3_ON_PATH}" REALPATH)
    if(_real_system STREQUAL _real_path OR _id_system STREQUAL _id_path)
      set(_tier_py_same TRUE)
    endif()
  endif()
  if(NOT _tier_py_same)
    list(APPEND _tier_py_runs "python_binding_path=${TIER_PYTHON3_ON_PATH}")
  endif()
endif()

foreach(run ${_tier_py_runs})
  string(REGEX REPLACE "=.*" "" _name "${run}")
  string(REGEX REPLACE "^[^=]*=" "" _python "${run}")
  add_test(NAME ${_name}
    COMMAND "${_python}" -m unittest discover -s bindings/python/tests -v
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  set_tests_properties(${_name} PROPERTIES
    ENVIRONMENT "${_tier_py_env}"
    LABELS "python"
    TIMEOUT 900)
endforeach()

# The package installed as a user installs it: cmake --install (components runtime and python)
# and pip install --no-build-isolation, imported from a clean environment by each interpreter.
set(_tier_py_interpreters)
foreach(run ${_tier_py_runs})
  string(REGEX REPLACE "^[^=]*=" "" _python "${run}")
  list(APPEND _tier_py_interpreters "${_python}")
endforeach()
if(_tier_py_interpreters AND NOT TIER_SANITIZE)  # an ASan library needs LD_PRELOAD
  add_test(NAME python_install
    COMMAND sh "${PROJECT_SOURCE_DIR}/tests/python-install.sh" "${PROJECT_BINARY_DIR}"
      "${PROJECT_SOURCE_DIR}" ${_tier_py_interpreters})
  set_tests_properties(python_install PROPERTIES LABELS "python" TIMEOUT 300)
endif()

# The type check of the package (mypy from Debian, configured in bindings/python/pyproject.toml;
# docs/python.md says which level and why).
find_program(TIER_MYPY NAMES mypy NO_CACHE)
if(TIER_MYPY)
  add_test(NAME python_mypy
    COMMAND "${TIER_MYPY}" --config-file "${_tier_py_src}/pyproject.toml"
      --cache-dir "${PROJECT_BINARY_DIR}/mypy-cache" "${_tier_py_src}/libtier"
    WORKING_DIRECTORY "${_tier_py_src}")
  set_tests_properties(python_mypy PROPERTIES LABELS "python" TIMEOUT 300)
endif()
