/* SPDX-License-Identifier: MIT */
/* The errno text table of util/errtext.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "util/errtext.h"

typedef struct errtext_entry {
    int code;
    const char *text;
} errtext_entry;

/* A table rather than a switch: some hosts give two names one value (EAGAIN and EWOULDBLOCK,
 * ENOTSUP and EOPNOTSUPP), which would be duplicate case labels. Names outside C99 are guarded. */
static const errtext_entry table[] = {
    {0, "Success"},
    {EDOM, "Numerical argument out of domain"},
    {ERANGE, "Numerical result out of range"},
    {EILSEQ, "Invalid or incomplete multibyte or wide character"},
#ifdef EPERM
    {EPERM, "Operation not permitted"},
#endif
#ifdef ENOENT
    {ENOENT, "No such file or directory"},
#endif
#ifdef EINTR
    {EINTR, "Interrupted system call"},
#endif
#ifdef EIO
    {EIO, "Input/output error"},
#endif
#ifdef ENXIO
    {ENXIO, "No such device or address"},
#endif
#ifdef EBADF
    {EBADF, "Bad file descriptor"},
#endif
#ifdef EAGAIN
    {EAGAIN, "Resource temporarily unavailable"},
#endif
#ifdef ENOMEM
    {ENOMEM, "Cannot allocate memory"},
#endif
#ifdef EACCES
    {EACCES, "Permission denied"},
#endif
#ifdef EFAULT
    {EFAULT, "Bad address"},
#endif
#ifdef EBUSY
    {EBUSY, "Device or resource busy"},
#endif
#ifdef EEXIST
    {EEXIST, "File exists"},
#endif
#ifdef EXDEV
    {EXDEV, "Invalid cross-device link"},
#endif
#ifdef ENODEV
    {ENODEV, "No such device"},
#endif
#ifdef ENOTDIR
    {ENOTDIR, "Not a directory"},
#endif
#ifdef EISDIR
    {EISDIR, "Is a directory"},
#endif
#ifdef EINVAL
    {EINVAL, "Invalid argument"},
#endif
#ifdef ENFILE
    {ENFILE, "Too many open files in system"},
#endif
#ifdef EMFILE
    {EMFILE, "Too many open files"},
#endif
#ifdef ETXTBSY
    {ETXTBSY, "Text file busy"},
#endif
#ifdef EFBIG
    {EFBIG, "File too large"},
#endif
#ifdef ENOSPC
    {ENOSPC, "No space left on device"},
#endif
#ifdef ESPIPE
    {ESPIPE, "Illegal seek"},
#endif
#ifdef EROFS
    {EROFS, "Read-only file system"},
#endif
#ifdef EMLINK
    {EMLINK, "Too many links"},
#endif
#ifdef EPIPE
    {EPIPE, "Broken pipe"},
#endif
#ifdef ENAMETOOLONG
    {ENAMETOOLONG, "File name too long"},
#endif
#ifdef ENOLCK
    {ENOLCK, "No locks available"},
#endif
#ifdef ENOSYS
    {ENOSYS, "Function not implemented"},
#endif
#ifdef ENOTEMPTY
    {ENOTEMPTY, "Directory not empty"},
#endif
#ifdef ELOOP
    {ELOOP, "Too many levels of symbolic links"},
#endif
#ifdef EOVERFLOW
    {EOVERFLOW, "Value too large for defined data type"},
#endif
#ifdef ENOTSUP
    {ENOTSUP, "Operation not supported"},
#endif
#ifdef EOPNOTSUPP
    {EOPNOTSUPP, "Operation not supported"},
#endif
#ifdef ECANCELED
    {ECANCELED, "Operation canceled"},
#endif
#ifdef ETIMEDOUT
    {ETIMEDOUT, "Connection timed out"},
#endif
#ifdef ESTALE
    {ESTALE, "Stale file handle"},
#endif
#ifdef EDQUOT
    {EDQUOT, "Disk quota exceeded"},
#endif
};

const char *tier__errtext(int err)
{
    size_t i;
    if (err == INT_MIN)
        return "Unknown error";
    if (err < 0)
        err = -err;
    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == err)
            return table[i].text;
    return "Unknown error";
}

const char *tier__errtext_lower(char *dst, int err)
{
    const char *t = tier__errtext(err);
    size_t n = strlen(t);
    if (n >= TIER__ERRTEXT_SIZE)
        n = TIER__ERRTEXT_SIZE - 1;
    memcpy(dst, t, n);
    dst[n] = '\0';
    if (dst[0] >= 'A' && dst[0] <= 'Z')
        dst[0] = (char)(dst[0] - 'A' + 'a');
    return dst;
}
