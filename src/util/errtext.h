/* SPDX-License-Identifier: MIT */
/* The library's one errno -> text table. The texts are the ones the `tier` command has always
 * printed for a failed system call (glibc's English strerror texts, "No such file or directory"),
 * held in the library so they do not depend on the C library, LC_MESSAGES or strerror's static
 * buffer. Internal; never installed. */
#ifndef TIER_UTIL_ERRTEXT_H
#define TIER_UTIL_ERRTEXT_H

#include <stddef.h>

/* Room for tier__errtext_lower's copy, NUL included (longer than any text in the table). */
#define TIER__ERRTEXT_SIZE 64

/* Static text for an errno value, given as is or negated (the I/O layer returns -errno):
 * "No such file or directory" for ENOENT or -ENOENT; "Unknown error" for a value not in the
 * table. Never NULL. */
const char *tier__errtext(int err);

/* The same text with its first letter in lower case, for use inside a sentence ("cannot open x:
 * no such file or directory"); written to dst (TIER__ERRTEXT_SIZE bytes), which it returns. */
const char *tier__errtext_lower(char *dst, int err);

#endif
