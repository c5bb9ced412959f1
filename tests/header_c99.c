/* SPDX-License-Identifier: MIT */
/* Header test, C side: compiled (never run) with -std=c99 -pedantic -Wall -Wextra -Werror. The
 * public headers must be valid C99, self-contained (tests/headers.cmake force-includes every
 * header of include/tier alone before this file), and declare the API with the documented types. */
#include <tier.h>

#if TIER_VERSION_NUMBER != \
    TIER_VERSION_MAJOR * 10000 + TIER_VERSION_MINOR * 100 + TIER_VERSION_PATCH
#error "TIER_VERSION_NUMBER disagrees with TIER_VERSION_MAJOR/MINOR/PATCH"
#endif

/* C99 has no _Static_assert: a negative array size stops the compile instead. */
#define HEADER_CHECK(name, cond) typedef char header_check_##name[(cond) ? 1 : -1]

/* Status codes and enum keys are ABI: their values never change. */
HEADER_CHECK(status_values, TIER_OK == 0 && TIER_ERROR == -1 && TIER_ENOMEM == -2 &&
                                TIER_EINVAL == -3 && TIER_ERANGE == -4 && TIER_ENOTFOUND == -5 &&
                                TIER_EVERSION == -6 && TIER_EUSER == -7 && TIER_EPARSE == -8 &&
                                TIER_EIO == -9 && TIER_ECORRUPT == -10 && TIER_ECONVERGE == -11 &&
                                TIER_ESTATE == -12);
HEADER_CHECK(csv_roles, TIER_CSV_ID == 1 && TIER_CSV_DATE == 2 && TIER_CSV_AMOUNT == 3 &&
                            TIER_CSV_MARGIN == 4 && TIER_CSV_WHITESPACE == -1);
HEADER_CHECK(output_formats, TIER_OUTPUT_CSV == 1 && TIER_OUTPUT_JSON == 2);
HEADER_CHECK(io_version_starts_the_table, offsetof(tier_io, version) == 0);
HEADER_CHECK(typed_load_values, TIER_COLUMN_NUMBER == 1 && TIER_COLUMN_TEXT == 2 &&
                                    TIER_COLUMN_DATE == 3 && TIER_COLUMN_ID == 4 &&
                                    TIER_CELL_NULL == 0 && TIER_CELL_NUMBER == 1 &&
                                    TIER_CELL_TEXT == 2 && TIER_LOAD_EXISTING == 1);

/* Every exported symbol, listed from src/libtier.map by the build (tests/headers.cmake). */
#ifdef TIER_HEADER_SYMBOLS
#include "tier_header_symbols.h"
#endif

/* The quick-start path with its exact prototypes: a changed signature fails to compile. */
int header_c99_signatures(void);
int header_c99_signatures(void)
{
    int (*book_new)(tier_book **, const tier_allocator *) = tier_book_new;
    void (*book_free)(tier_book *) = tier_book_free;
    int (*csv_new)(tier_csv **, const tier_allocator *) = tier_csv_new;
    int (*csv_read_file)(tier_csv *, tier_book *, const char *) = tier_csv_read_file;
    int (*rfm_new)(tier_model **, const char *, const tier_allocator *) = tier_rfm_new;
    int (*policy_new_builtin)(tier_policy **, const char *, const tier_allocator *) =
        tier_policy_new_builtin;
    int (*result_run)(tier_result *, const tier_book *, tier_model *const *, size_t,
                      const tier_policy *) = tier_result_run;
    int (*result_summary)(const tier_result *, size_t, size_t *, double *) = tier_result_summary;
    const char *(*strerror_fn)(int) = tier_strerror;
    unsigned int (*version_number)(void) = tier_version_number;
    tier_allocator alloc = {NULL, NULL, NULL, NULL};

    return book_new != NULL && book_free != NULL && csv_new != NULL && csv_read_file != NULL &&
           rfm_new != NULL && policy_new_builtin != NULL && result_run != NULL &&
           result_summary != NULL && strerror_fn != NULL && version_number != NULL &&
           alloc.ud == NULL;
}
