/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the snapshot container's reader (src/core/snapfile.c). The first byte of
 * the input picks the mode, the rest is the file:
 *   bit 0  fix the checksums first (the header's, each section's as far as the declared lengths
 *          reach, and the trailer's), so that the fuzzer gets past them to the structure;
 *   bit 1  read the sections' payloads with a cursor driven by their own bytes.
 * Whatever the bytes, the reader must return a status and never read outside the file (the copy
 * parsed is a block of exactly its size, so ASan sees any overrun). A file that is accepted must
 * come out byte-identical when every section is written back (load -> save is the identity),
 * and its cursor reads must stay inside each section; anything else aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapfile.h"
#include "snapfix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads values of the kinds the payload's own bytes name until the cursor runs out. */
static void walk(const tier__snapr *r, const tier__snap_section *s, char *err)
{
    tier__snapc c;
    tier__snapr_cursor(r, s, &c, err);
    for (;;) {
        uint8_t op;
        uint32_t u32;
        uint64_t u64;
        int32_t i32;
        int64_t i64;
        double f;
        const char *str;
        const unsigned char *bytes;
        size_t n, before;
        int rc;
        if (tier__snapc_u8(&c, &op) != TIER_OK)
            break;
        before = tier__snapc_left(&c);
        switch (op % 7) {
        case 0:
            rc = tier__snapc_u32(&c, &u32);
            break;
        case 1:
            rc = tier__snapc_u64(&c, &u64);
            break;
        case 2:
            rc = tier__snapc_i32(&c, &i32);
            break;
        case 3:
            rc = tier__snapc_i64(&c, &i64);
            break;
        case 4:
            rc = tier__snapc_f64(&c, &f);
            break;
        case 5:
            rc = tier__snapc_str(&c, op & 8 ? 16 : 0, &str, &n);
            if (rc == TIER_OK && n &&
                (str < (const char *)c.p || str + n > (const char *)c.p + c.len))
                abort();
            break;
        default:
            rc = tier__snapc_bytes(&c, op >> 3, &bytes);
            break;
        }
        /* A failed read moves nothing; the cursor never passes the end. */
        if ((rc != TIER_OK && tier__snapc_left(&c) != before) || c.pos > c.len)
            abort();
        if (rc != TIER_OK)
            break;
    }
    (void)tier__snapc_done(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const known[] = {"META", "TIER"};
    char err[TIER__ERR_SIZE];
    tier_allocator a;
    unsigned char *file;
    unsigned mode;
    size_t len, i;
    tier__snapr r;
    int rc;
    file = tier_fuzz_file(data, size, &mode, &len);
    if (!file)
        return 0;
    tier__alloc_init(&a, NULL);
    rc = tier__snapr_parse(&r, &a, file, len, "fuzz.snap", err);
    if (rc != TIER_OK) {
        tier_fuzz_expect_refused(rc, err);
        free(file);
        return 0;
    }
    (void)tier__snapr_check_required(&r, known, 2, err);
    if (mode & 2)
        for (i = 0; i < r.count; i++)
            walk(&r, &r.sections[i], err);
    {
        tier__snapw w;
        const unsigned char *out;
        size_t out_len;
        tier__snapw_init(&w, &a);
        for (i = 0; i < r.count; i++)
            tier__snapw_copy(&w, &r, &r.sections[i]);
        if (tier__snapw_finish(&w, &out, &out_len) == TIER_OK &&
            (out_len != len || memcmp(out, file, len) != 0)) {
            fprintf(stderr, "an accepted file of %zu bytes is written back as %zu other bytes\n",
                    len, out_len);
            abort();
        }
        tier__snapw_free(&w);
    }
    tier__snapr_free(&r);
    free(file);
    return 0;
}
