/* SPDX-License-Identifier: MIT */
/* The allocator the CLI hands to libtier: large blocks come straight from mmap and are marked for
 * transparent huge pages, because a book of a million customers is mostly random accesses into
 * tables of tens of megabytes, where 4 KiB pages make every access a TLB miss as well. */
#if defined(__linux__)
#define _GNU_SOURCE /* mremap, MADV_HUGEPAGE */
#endif
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#if defined(__linux__)
#include <sys/mman.h>

#define BIG_BLOCK ((size_t)1 << 21)

/* Every block starts with a header; 64 bytes keep the payload aligned for any type. */
typedef union header {
    struct {
        size_t size;   /* payload bytes */
        size_t mapped; /* 1: from mmap */
    } h;
    char align[64];
} header;

static void *map_block(size_t total)
{
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, total, MADV_HUGEPAGE);
    return p;
}

static void *big_alloc(void *ud, size_t size)
{
    header *hd;
    (void)ud;
    if (size > (size_t)-1 - sizeof(header))
        return NULL;
    if (size + sizeof(header) >= BIG_BLOCK) {
        hd = map_block(size + sizeof(header));
        if (!hd)
            return NULL;
        hd->h.mapped = 1;
    } else {
        hd = malloc(size + sizeof(header));
        if (!hd)
            return NULL;
        hd->h.mapped = 0;
    }
    hd->h.size = size;
    return hd + 1;
}

static void big_free(void *ud, void *ptr)
{
    header *hd;
    (void)ud;
    if (!ptr)
        return;
    hd = (header *)ptr - 1;
    if (hd->h.mapped)
        munmap(hd, hd->h.size + sizeof(header));
    else
        free(hd);
}

static void *big_realloc(void *ud, void *ptr, size_t size)
{
    header *hd;
    void *q;
    if (!ptr)
        return big_alloc(ud, size);
    hd = (header *)ptr - 1;
    if (size > (size_t)-1 - sizeof(header))
        return NULL;
    if (hd->h.mapped && size + sizeof(header) >= BIG_BLOCK) {
        /* The kernel moves the pages instead of copying them. */
        q = mremap(hd, hd->h.size + sizeof(header), size + sizeof(header), MREMAP_MAYMOVE);
        if (q == MAP_FAILED)
            return NULL;
        hd = q;
        madvise(hd, size + sizeof(header), MADV_HUGEPAGE);
        hd->h.size = size;
        return hd + 1;
    }
    if (!hd->h.mapped && size + sizeof(header) < BIG_BLOCK) {
        hd = realloc(hd, size + sizeof(header));
        if (!hd)
            return NULL;
        hd->h.size = size;
        return hd + 1;
    }
    q = big_alloc(ud, size);
    if (!q)
        return NULL;
    memcpy(q, ptr, hd->h.size < size ? hd->h.size : size);
    big_free(ud, ptr);
    return q;
}

const tier_allocator *cli_allocator(void)
{
    static const tier_allocator a = {big_alloc, big_realloc, big_free, NULL};
    return &a;
}

#else

const tier_allocator *cli_allocator(void)
{
    return NULL; /* malloc */
}

#endif
