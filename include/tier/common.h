/* SPDX-License-Identifier: MIT */
/**
 * @file common.h
 * @brief Export macros, status codes, the allocator hook and version getters shared by every
 * object.
 *
 * **The last error of a handle.** Every handle with a `tier_<object>_last_error()` keeps the text
 * of one failure, never NULL. The rule, the same for every object:
 * - a call that fails leaves a message about *its own* failure on the handle it reports on (the
 *   handle its documentation names: the first one it changes, e.g. the frame for
 *   tier_model_score(), the reader for tier_csv_read_file()), or no message at all, never the
 *   text of an earlier call;
 * - a call that takes that handle writable and succeeds leaves it empty ("");
 * - a read-only lookup by index or name (tier_book_customer_stat(), tier_book_txn(),
 *   tier_policy_entitlement(), ...) returns its status alone and does not write the handle, so
 *   that threads may share it; its message is then the status text (tier_strerror());
 * - the text is borrowed from the handle: valid until the next call on that handle.
 * Read the message right after the failing call, before any other call on the handle.
 * @defgroup common Common definitions
 * @{
 */
#ifndef TIER_COMMON_H
#define TIER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifdef __cplusplus
/** Opens an extern "C" block in C++. */
#define TIER_BEGIN_DECL extern "C" {
/** Closes an extern "C" block in C++. */
#define TIER_END_DECL }
#else
/** Opens an extern "C" block in C++ (empty in C). */
#define TIER_BEGIN_DECL
/** Closes an extern "C" block in C++ (empty in C). */
#define TIER_END_DECL
#endif

/** Marks a public symbol: exported from the shared library, imported by users. */
#if defined(TIER_STATIC)
#define TIER_API
#elif defined(_WIN32)
#if defined(TIER_BUILDING)
#define TIER_API __declspec(dllexport)
#else
#define TIER_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define TIER_API __attribute__((visibility("default")))
#else
#define TIER_API
#endif

/** Warns when the status of a constructor or fit is ignored. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define TIER_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define TIER_WARN_UNUSED_RESULT
#endif

TIER_BEGIN_DECL

/**
 * Status codes. Fallible functions return 0 (TIER_OK) or one of these negative values.
 * The values are ABI: explicit and append-only.
 * @since 0.1.0
 */
typedef enum tier_status {
    TIER_OK = 0,         /**< Success. */
    TIER_ERROR = -1,     /**< Generic failure (see the handle's last error). */
    TIER_ENOMEM = -2,    /**< The allocator returned NULL. */
    TIER_EINVAL = -3,    /**< An argument is invalid (NULL handle, bad option, malformed value). */
    TIER_ERANGE = -4,    /**< A value or size is outside its allowed range or a configured limit. */
    TIER_ENOTFOUND = -5, /**< The named customer, attribute, column or tier does not exist. */
    TIER_EVERSION = -6,  /**< A vtable or file is of a newer version than this library knows. */
    TIER_EUSER = -7,     /**< A user callback aborted; never produced by the library itself. */
    TIER_EPARSE = -8,    /**< Input text could not be parsed (line and column in the last error). */
    TIER_EIO = -9,       /**< An I/O operation failed. */
    TIER_ECORRUPT = -10, /**< A file is damaged (bad magic, length or checksum). */
    TIER_ECONVERGE = -11, /**< An iterative fit did not converge. */
    TIER_ESTATE =
        -12 /**< The call is not valid in the object's current state (e.g. score before fit). */
} tier_status;

/**
 * A memory allocator chosen per handle at creation. A NULL pointer to this struct, or all three
 * function pointers NULL, selects malloc/realloc/free. `ud` is passed back to every call.
 * `realloc` must behave like C realloc (including ptr == NULL); `free` must accept NULL.
 * @since 0.1.0
 */
typedef struct tier_allocator {
    void *(*alloc)(void *ud, size_t size); /**< Allocate `size` bytes or return NULL. */
    void *(*realloc)(void *ud, void *ptr,
                     size_t size);     /**< Resize or return NULL (ptr untouched). */
    void (*free)(void *ud, void *ptr); /**< Release (NULL is a no-op). */
    void *ud;                          /**< User pointer passed to the hooks. */
} tier_allocator;

/**
 * Static English text for a status code; never NULL, owned by the library.
 * @since 0.1.0
 */
TIER_API const char *tier_strerror(int status);

/**
 * Stable identifier for a status code ("TIER_ENOMEM", ...), for bindings; never NULL, static.
 * @since 0.1.0
 */
TIER_API const char *tier_status_name(int status);

/**
 * Runtime version as MAJOR*10000 + MINOR*100 + PATCH (compare with TIER_VERSION_NUMBER).
 * @since 0.1.0
 */
TIER_API unsigned int tier_version_number(void);

/**
 * Runtime version text such as "0.1.0"; static, never NULL.
 * @since 0.1.0
 */
TIER_API const char *tier_version_string(void);

TIER_END_DECL

/** @} */
#endif
