/* SPDX-License-Identifier: MIT */
/* libFuzzer target for a history's snapshot reader (src/history/snapshot.c). The first byte of
 * the input picks the mode, the rest is the file:
 *   bit 0  fix the checksums first (tests/fuzz/snapfix.h), so that the fuzzer gets past them to
 *          the history's sections;
 *   bit 1  load into a history that already holds the file of the first load, so that a failed
 *          load is seen to change nothing.
 * Whatever the bytes, tier_history_load_bytes must return TIER_OK, TIER_ECORRUPT, TIER_EVERSION
 * or TIER_ENOMEM with a message naming the file, and never read outside the input (the copy
 * parsed is a block of exactly its size). A file that loads must be written back byte for byte
 * (every value has one encoding and the reader refuses any other), and what is written must load
 * again and give the same bytes; anything else aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapfix.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

static int collect(void *ud, const char *data, size_t len)
{
    bytes *b = ud;
    unsigned char *more = realloc(b->p, b->len + len);
    if (!more)
        return 1;
    memcpy(more + b->len, data, len);
    b->p = more;
    b->len += len;
    return 0;
}

/* The snapshot of h (b->p NULL when it could not be written: out of memory only). */
static void written(const tier_history *h, bytes *b)
{
    int rc;
    b->p = NULL;
    b->len = 0;
    rc = tier_history_write(h, collect, b);
    if (rc != TIER_OK) {
        if (rc != TIER_ENOMEM && rc != TIER_EUSER) {
            fprintf(stderr, "a loaded history does not write: %s\n", tier_history_last_error(h));
            abort();
        }
        free(b->p);
        b->p = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tier_history *h = NULL, *again = NULL;
    unsigned char *file;
    unsigned mode;
    size_t len;
    bytes before = {NULL, 0}, out = {NULL, 0}, out2 = {NULL, 0};
    int rc;
    file = tier_fuzz_file(data, size, &mode, &len);
    if (!file)
        return 0;
    if (tier_history_new(&h, NULL) != TIER_OK)
        goto done;
    if (mode & 2) {
        /* A first load of the same file: when it holds, the second must keep or replace it. */
        if (tier_history_load_bytes(h, file, len, "fuzz.snap") == TIER_OK)
            written(h, &before);
    } else {
        written(h, &before); /* the empty history */
    }
    rc = tier_history_load_bytes(h, file, len, "fuzz.snap");
    if (rc != TIER_OK) {
        tier_fuzz_expect_refused(rc, tier_history_last_error(h));
        /* All or nothing: the history is what it was. */
        if (before.p) {
            written(h, &out);
            if (out.p && (out.len != before.len || memcmp(out.p, before.p, out.len) != 0)) {
                fprintf(stderr, "a failed load changed the history\n");
                abort();
            }
        }
        goto done;
    }
    written(h, &out);
    if (!out.p)
        goto done;
    if (out.len != len || memcmp(out.p, file, len) != 0) {
        fprintf(stderr, "an accepted file of %zu bytes is written back as %zu other bytes\n", len,
                out.len);
        abort();
    }
    /* What is written loads again into a new history and gives the same bytes. */
    if (tier_history_new(&again, NULL) != TIER_OK)
        goto done;
    rc = tier_history_load_bytes(again, out.p, out.len, "written.snap");
    if (rc != TIER_OK) {
        if (rc == TIER_ENOMEM)
            goto done;
        fprintf(stderr, "a written snapshot does not load: %s\n", tier_history_last_error(again));
        abort();
    }
    written(again, &out2);
    if (out2.p && (out2.len != out.len || memcmp(out2.p, out.p, out.len) != 0)) {
        fprintf(stderr, "save(load(save(x))) differs from save(x)\n");
        abort();
    }
done:
    free(before.p);
    free(out.p);
    free(out2.p);
    tier_history_free(again);
    tier_history_free(h);
    free(file);
    return 0;
}
