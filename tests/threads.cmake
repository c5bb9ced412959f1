# SPDX-License-Identifier: MIT
# tests/test_threads.c starts POSIX threads; the CI step `tsan` builds it with -DTIER_TSAN=ON.
find_package(Threads REQUIRED)
target_link_libraries(test_threads PRIVATE Threads::Threads)
