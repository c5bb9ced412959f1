/* SPDX-License-Identifier: MIT */
/* Header test, C++ side: compiled with -std=c++11 -pedantic -Wall -Wextra -Werror and linked
 * against libtier.so. The link proves that every exported function is declared with C linkage
 * (a C++-mangled reference would stay unresolved). */
#include <tier.h>

#include <cstdio>

#if TIER_VERSION_NUMBER != TIER_VERSION_MAJOR * 10000 + TIER_VERSION_MINOR * 100 + TIER_VERSION_PATCH
#error "TIER_VERSION_NUMBER disagrees with TIER_VERSION_MAJOR/MINOR/PATCH"
#endif

static_assert(TIER_OK == 0 && TIER_ESTATE == -12, "status codes are ABI");
static_assert(sizeof(tier_allocator) == 4 * sizeof(void *), "tier_allocator is four pointers");

/* Every exported symbol, listed from src/libtier.map by the build (tests/headers.cmake). */
#ifdef TIER_HEADER_SYMBOLS
#include "tier_header_symbols.h"
#endif

int main(int argc, char **argv)
{
    tier_book *book = nullptr;
    tier_model *models[1] = {nullptr};
    (void)argv;
    if (argc > 1) {
        /* Never run by the test; makes the references real calls from C++. */
        if (tier_book_new(&book, nullptr) == TIER_OK && tier_rfm_new(&models[0], "rfm", nullptr) == TIER_OK)
            std::printf("%s %s\n", tier_version_string(), tier_strerror(TIER_ENOMEM));
        tier_model_free(models[0]);
        tier_book_free(book);
    }
#ifdef TIER_HEADER_SYMBOLS
    return tier_header_symbols[argc] == nullptr;
#else
    return 0;
#endif
}
