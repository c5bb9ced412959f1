/* SPDX-License-Identifier: MIT */
/* Reading a whole file into memory through a reader's I/O layer, for the loaders that split a
 * small file at once (attributes, contracts). */
#include <string.h>

#include "io/csv_internal.h"

/* First read size; the buffer doubles from there. */
#define WHOLE_CHUNK ((size_t)64 << 10)

int tier__csv_read_whole(const tier__csv_dialect *d, const char *path, char **out, size_t *len,
                         char *why)
{
    tier__csv_file f;
    char *buf = NULL;
    size_t cap = 0;
    int rc = TIER_OK;
    *out = NULL;
    *len = 0;
    if (tier__csv_file_open(&f, d->io, path, why))
        return TIER_EIO;
    for (;;) {
        if (*len == cap) {
            size_t want = cap ? cap * 2 : WHOLE_CHUNK;
            char *nb;
            if (cap > SIZE_MAX / 2) {
                tier__errorf(why, "file too large");
                rc = TIER_ERANGE;
                break;
            }
            if (!(nb = tier__realloc(d->alloc, buf, want))) {
                tier__errorf(why, "out of memory");
                rc = TIER_ENOMEM;
                break;
            }
            buf = nb;
            cap = want;
        }
        if (tier__csv_file_fill(&f, buf, cap, len, why)) {
            rc = TIER_EIO;
            break;
        }
        if (d->progress && d->progress(d->progress_ud, f.done, f.size)) {
            tier__errorf(why, "stopped by the progress callback after %llu bytes",
                         (unsigned long long)f.done);
            rc = TIER_EUSER;
            break;
        }
        if (f.eof)
            break;
    }
    tier__csv_file_close(&f);
    if (rc) {
        tier__free(d->alloc, buf);
        *len = 0;
        return rc;
    }
    *out = buf;
    return TIER_OK;
}
