/* SPDX-License-Identifier: MIT */
/* What the cmocka tests share, so that no test file keeps its own copy:
 *  - allocators: every allocation goes through cmocka (so leaks fail the test), and a wrapper
 *    fails the Nth allocation, once or from then on, to walk every out-of-memory path;
 *  - books from tables of rows, customer lookups, scoring into a new frame, frame columns and
 *    table-driven expectations on them;
 *  - a user model whose outputs are given by the test;
 *  - an output sink and an in-memory, fault-injecting I/O layer;
 *  - files of the source tree.
 * Every helper checks what it does with cmocka assertions: a helper that cannot do its part fails
 * the test that called it, naming what went wrong. Nothing here makes a check weaker than the
 * code it replaced: the expectations stay in the test files. */
#ifndef TIER_TEST_SUPPORT_H
#define TIER_TEST_SUPPORT_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tier.h"

/* Number of elements of an array. */
#define TST_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A cmocka test entry that runs `fn` with `data` (one case of a table) as its state, under the
 * case's own name: a table-driven test keeps one named cmocka test per case. */
#define TST_CASE(name, fn, data)             \
    {                                        \
        name, fn, NULL, NULL, (void *)(data) \
    }

/* A test file's main(): runs the tests listed as arguments (cmocka_unit_test(...), TST_CASE(...),
 * TST_OOM_TEST(...)) as one cmocka group and returns its status. */
#define TST_MAIN(...)                                     \
    int main(void)                                        \
    {                                                     \
        const struct CMUnitTest tests[] = {__VA_ARGS__};  \
        return cmocka_run_group_tests(tests, NULL, NULL); \
    }

/* ---- allocators -------------------------------------------------------------------------- */

/* An allocator backed by cmocka's test_malloc/test_realloc/test_free. */
tier_allocator tst_allocator(void);

/* The same allocator as a constant, for a file's helpers: TST_ALLOC is a `const tier_allocator *`.
 */
extern const tier_allocator tst_cmocka_allocator;
#define TST_ALLOC (&tst_cmocka_allocator)

/* A fail-the-Nth-allocation allocator (also backed by cmocka). */
typedef struct tst_failing {
    long fail_at;   /* 1-based allocation that fails; 0 = never */
    int persistent; /* 1: every allocation after fail_at fails too */
    long calls;     /* allocations attempted so far */
    long failures;  /* allocations refused so far */
} tst_failing;

/* The allocator of `state`; a NULL state never fails (that is tst_allocator()). */
tier_allocator tst_failing_allocator(tst_failing *state);

/* Runs fn(alloc, ud) with the Nth allocation failing, for N = 1, 2, ... (once and persistent),
 * until a run sees no injected failure. fn must return TIER_OK or TIER_ENOMEM (anything else
 * fails the test) and must release what it made. Returns the number of allocation points. */
typedef int (*tst_oom_fn)(const tier_allocator *alloc, void *ud);
long tst_oom_walk(tst_oom_fn fn, void *ud);
/* 1 when the test runs under valgrind (.ci/valgrind-tests.py sets TIER_UNDER_VALGRIND): slow
 * reference checks then take a sample, the suite and sanitize steps having checked everything. */
int tst_under_valgrind(void);

/* In a tst_oom_fn whose run failed: fails the test unless rc is TIER_ENOMEM and err says "out of
 * memory". */
void tst_expect_oom(int rc, const char *err);

/* An out-of-memory walk as a cmocka test of its own: a case named like the test, e.g.
 *   static const tst_oom_case test_x_survives_every_failed_allocation = {oom_x, x_book, 5};
 * listed with TST_OOM_TEST(test_x_survives_every_failed_allocation). The test makes the book with
 * `book` from tst_allocator() (no book when NULL), walks `fn` over it (ud = the book) and fails
 * unless more than `more_than` allocation points were found. */
typedef struct tst_oom_case {
    tst_oom_fn fn;
    tier_book *(*book)(const tier_allocator *a);
    long more_than;
} tst_oom_case;

void tst_oom_test(void **state);

#define TST_OOM_TEST(name) TST_CASE(#name, tst_oom_test, &(name))
/* The same with the case written in the test list itself:
 *   TST_OOM_WALK(test_x_survives_every_failed_allocation, oom_x, x_book, 5) */
#define TST_OOM_WALK(name, fn, book, more_than) \
    TST_CASE(#name, tst_oom_test, (&(const tst_oom_case){(fn), (book), (more_than)}))

/* For out-of-memory walks: scores `m` into a new frame made with `alloc` (*frame, NULL when it
 * could not be made; free it) and checks the all-or-nothing promise: a failed score adds no
 * column, a successful one `ncols`. Returns the status. */
int tst_oom_score(const tier_model *m, const tier_book *book, const tier_allocator *alloc,
                  size_t ncols, tier_frame **frame);

/* The out-of-memory walk of a built-in model kind, as a table: the kind's constructor and the
 * model's name, its setup (options; may be NULL), the number of columns a score adds, further
 * steps on the scored frame with a text (may be NULL), and whether the fitted model is saved and
 * loaded into a second one. */
typedef struct tst_model_walk {
    int (*make)(tier_model **out, const char *name, const tier_allocator *a);
    const char *name;
    int (*setup)(tier_model *m);
    size_t ncols;
    int (*more)(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t);
    int reload;
} tst_model_walk;

/* For out-of-memory walks: makes the model of `w` with `alloc`, sets it up, fits it on `book`,
 * scores it (tst_oom_score), makes a text and runs w->more, then when w->reload saves the model
 * and loads it into a second one (tst_oom_save_load); frees everything. Returns the first failing
 * status. */
int tst_oom_model_walk(const tier_allocator *alloc, const tier_book *book, const tst_model_walk *w);

/* For out-of-memory walks: saves the (fitted) model `m` into a new text made with `alloc` and
 * loads that text into `into` (a model of the same kind), checking that the load is all or
 * nothing: `into` is fitted exactly when it succeeded. Returns the status. */
int tst_oom_save_load(const tier_model *m, tier_model *into, const tier_allocator *alloc);

/* ---- executors (support_threads.c) ------------------------------------------------------- */

/* Executors for tests of parallel work (the library has no threads; tests lend them):
 *  - TST_EXEC_THREADS: each started task runs on a new POSIX thread;
 *  - TST_EXEC_DEFERRED: a task runs on the calling thread when it is waited for (as late as
 *    possible: the caller's own task runs first), so that out-of-memory walks stay deterministic;
 *  - TST_EXEC_REFUSING: `start` refuses every task (the library runs them itself).
 * `limit` (0: none) makes `start` refuse once that many tasks were started. The counters say
 * what happened. */
enum { TST_EXEC_THREADS = 1, TST_EXEC_DEFERRED, TST_EXEC_REFUSING };
typedef struct tst_exec {
    tier_executor ex; /* hand &e.ex to the library */
    int mode;
    unsigned limit;
    unsigned started, refused, waited;
} tst_exec;
void tst_exec_init(tst_exec *e, int mode, unsigned limit);

/* An allocator that may be called from several threads at once (cmocka's test_malloc may not):
 * malloc, counting under a lock the blocks it holds out, so that a test can check that every
 * block came back (tst_locked_live() is then what it was before). */
extern const tier_allocator tst_locked_allocator;
long tst_locked_live(void);

/* ---- numbers ----------------------------------------------------------------------------- */

/* Fails the test unless `got` is within `tol` of `want` relative to |want| (tst_assert_rel) or
 * absolutely (tst_assert_abs), naming the expression and both values. */
#define tst_assert_rel(got, want, tol)                                                    \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        if (!(fabs(g_ - w_) <= (tol)*fabs(w_)))                                           \
            fail_msg("%s = %.12g, want %.12g (rel tol %g)", #got, g_, w_, (double)(tol)); \
    } while (0)

#define tst_assert_abs(got, want, tol)                                                    \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        if (!(fabs(g_ - w_) <= (tol)))                                                    \
            fail_msg("%s = %.12g, want %.12g (abs tol %g)", #got, g_, w_, (double)(tol)); \
    } while (0)

/* The library's internal allocator over `src` (tier__alloc_init; NULL: the default one), for tests
 * of internal functions that take one. */
tier_allocator tst_internal_allocator(const tier_allocator *src);

/* ---- files of the source tree ------------------------------------------------------------ */

/* Reads a whole file into a test_malloc'ed NUL-terminated buffer (free with test_free). */
char *tst_read_file(const char *path, size_t *len);

/* The sorted names of the entries of `dir` whose name ends with `suffix` ("" for all, with "."
 * and "..") (count in *n); fails the test when the folder cannot be read. Free with tst_free_names.
 */
char **tst_list_files(const char *dir, const char *suffix, size_t *n);
void tst_free_names(char **names, size_t n);

/* The policy's description (tier_policy_describe) as a test_malloc'ed string (free with
 * test_free). */
char *tst_policy_text(const tier_policy *p);

/* Path of a file under the source tree's examples/data (TIER_SOURCE_DIR is set by CMake). */
const char *tst_data_path(const char *name);

/* The day number of a calendar date (the date must be valid). */
int32_t tst_day(int y, int m, int d);

/* A book of the CDNOW log read by the library's CSV reader: CDNOW_master.txt (with its header;
 * 23,570 customers) when `master` is non-zero, else the headerless 1/10 sample CDNOW_sample.txt
 * (2,357 customers); the customer count is checked. */
tier_book *tst_cdnow_book(const tier_allocator *a, int master);

/* Splitting a book (support_split.c): the part of customer index `customer` among `parts` (a
 * hash of the index); `whole` into `parts` new books, each customer with its transactions (in
 * order), contracts and number attributes in its part; freeing them. */
size_t tst_part_of(size_t customer, size_t parts);
void tst_split_book(const tier_book *whole, tier_book **part, size_t parts);
void tst_free_parts(tier_book **part, size_t parts);
/* The day after the book's last transaction (the default as-of day of a run on it). */
double tst_day_after(const tier_book *book);

/* ---- reference formulas ------------------------------------------------------------------ */

/* BG/NBD expected purchases in the next t (Fader, Hardie & Lee 2005, eq. 10) for parameters
 * p = {r, alpha, a, b} and a customer's x, t_x, T, with the Gauss series 2F1(r+x, b+x; a+b+x-1;
 * z) summed term by term: written independently of the library's transformed series and
 * quadrature, to check them. */
double tst_bgnbd_expected(const double *p, double t, double x, double t_x, double T);

/* ---- books ------------------------------------------------------------------------------- */

/* Customer k's id in buf (40 bytes), its length returned: by k % 3 short, 8 bytes exactly, or
 * long with a shared prefix (which the wide table keeps inline, so that long ids compare beyond
 * it): the three forms the id table treats apart. */
size_t tst_mixed_id(size_t k, char *buf);

/* One transaction of a test book (its margin unknown). */
typedef struct tst_txn {
    const char *id;
    int32_t day;
    double amount;
} tst_txn;

/* One transaction with its margin (NaN for none). */
typedef struct tst_txn_margin {
    const char *id;
    int32_t day;
    double amount;
    double margin;
} tst_txn_margin;

/* Adds the rows one by one with unknown (NaN) margins; returns the first failing status, or
 * TIER_OK. For books made with options of their own (tier_book_set_option before any row). */
int tst_add_txns(tier_book *book, const tst_txn *rows, size_t n);

/* A new book of the rows (unknown margins), allocated with `a`; every add must succeed. */
tier_book *tst_book_of(const tier_allocator *a, const tst_txn *rows, size_t n);

/* The same for a book that keeps no transactions (TIER_BOOK_OPT_KEEP_TRANSACTIONS set to 0 before
 * the rows are added). */
tier_book *tst_book_without_txns(const tier_allocator *a, const tst_txn *rows, size_t n);

/* The same with each row's margin. */
tier_book *tst_book_with_margins(const tier_allocator *a, const tst_txn_margin *rows, size_t n);

/* A deterministic book of `customers` customers "G000000", ... (plus "G999999", whose one
 * purchase is the last day of the range, 2024-12-31): 1 to 12 purchases each from 2022-01-01
 * on, every customer's rows in date order, about 5 % refunds, margins on most rows, and the
 * number attributes of tst_set_generated_attributes. The same seed gives the same book. */
tier_book *tst_generated_book(const tier_allocator *a, size_t customers, uint64_t seed);

/* Sets customer `customer`'s attributes (some NaN): the B2B scorecard's (contract_arr,
 * gross_margin, employees, modules_used, growth_rate, years_cooperation, referrals, defaults,
 * support_tickets, payment_score, arrears_days), need_a, need_b, need_c, and the lifecycle's
 * implementation_progress and active_users_share, drawn from (seed, customer). */
void tst_set_generated_attributes(tier_book *book, size_t customer, uint64_t seed);

/* The index of customer `id` (fails the test when the book has no such customer). */
size_t tst_customer(const tier_book *book, const char *id);

/* ---- frames ------------------------------------------------------------------------------ */

/* Frees the frame, the model and the book of a test (any may be NULL): the end of most model
 * tests. */
void tst_release(tier_frame *f, tier_model *m, tier_book *book);

/* Fits the model on the book (with `inputs`, which may be NULL); a failed fit fails the test
 * with the model's error text. */
void tst_fit(tier_model *m, const tier_book *book, const tier_frame *inputs);

/* Scores the (fitted) model on the book into a new frame of one row per customer, allocated
 * with `a`; a failed score fails the test with the frame's error text. */
tier_frame *tst_score(const tier_model *m, const tier_book *book, const tier_allocator *a);

/* Fits the model on the book (tst_fit, no inputs) and scores it (tst_score). */
tier_frame *tst_fit_score(tier_model *m, const tier_book *book, const tier_allocator *a);

/* Scores the (fitted) model on the book into `frame`; a failed score fails the test with the
 * frame's error text. */
void tst_score_into(const tier_model *m, const tier_book *book, tier_frame *frame);

/* A new frame of one row per customer holding one number column `column` with values `v`. */
tier_frame *tst_frame_with(const tier_book *book, const char *column, const double *v,
                           const tier_allocator *a);

/* The values of number column `column` (fails the test when there is no such number column). */
const double *tst_numbers(const tier_frame *f, const char *column);

/* The label codes of label column `column` (-1 for none; fails the test when there is no such
 * label column). */
const int32_t *tst_codes(const tier_frame *f, const char *column);

/* The label of `row` in label column `column`, or "(none)" for a row without a label (fails the
 * test when there is no such label column). */
const char *tst_label(const tier_frame *f, const char *column, size_t row);

/* The first letter of every row's label in label column `column`, '-' for none, as a string in
 * row order (e.g. "AABC"); `out` holds at least rows + 1 bytes. */
void tst_initials(const tier_frame *f, const char *column, char *out);

/* Fails the test unless both frames have the same columns (names, types) and the same values
 * (NaN equal to NaN), naming the first difference. */
void tst_assert_same_frames(const tier_frame *x, const tier_frame *y);

/* The same, stricter: numbers must be the same bytes (NaN still equal to NaN, whatever its
 * payload; 0 and -0 differ), labels the same text (their codes may differ). */
void tst_assert_identical_frames(const tier_frame *x, const tier_frame *y);

/* Expected values of named customers, checked by tst_expect_labels and tst_expect_numbers: a
 * label, or a number (NaN: the value must be NaN, i.e. missing). */
typedef struct tst_label_want {
    const char *id;
    const char *label;
} tst_label_want;

typedef struct tst_number_want {
    const char *id;
    double value;
} tst_number_want;

/* Check label column `column`, and number column `column` exactly (NaN equal to NaN), of the
 * customers named in `want`; a mismatch fails the test naming the customer, the column, the value
 * found and the one wanted. */
void tst_expect_labels(const tier_frame *f, const tier_book *book, const char *column,
                       const tst_label_want *want, size_t n);
void tst_expect_numbers(const tier_frame *f, const tier_book *book, const char *column,
                        const tst_number_want *want, size_t n);

/* Fails the test unless `text` contains every one of the `n` parts, naming the first missing part
 * and showing the text. */
void tst_expect_parts(const char *text, const char *const *parts, size_t n);

/* The same for one part. */
void tst_expect_text(const char *text, const char *part);

/* Fails the test unless `rc` is `want` and the last error of `m` holds `says`, naming both. */
void tst_expect_model_error(const tier_model *m, int rc, int want, const char *says);

/* Explains customer `row` of frame `f` with model `m` into `t` (cleared first) and fails the test
 * unless the explanation succeeds and holds `want`. */
void tst_expect_explains(const tier_model *m, const tier_book *book, const tier_frame *f,
                         size_t row, tier_text *t, const char *want);

/* ---- models ------------------------------------------------------------------------------ */

/* One number option set and the status it must give. */
typedef struct tst_number_option {
    const char *name;
    double value;
    int status;
} tst_number_option;

/* Sets each option with tier_model_set_number; a status other than the wanted one fails the test
 * naming the option and the value. */
void tst_expect_set_numbers(tier_model *m, const tst_number_option *cases, size_t n);

/* The saved state of the model as a test_malloc'ed string (free with test_free). */
char *tst_saved(const tier_model *m, const tier_allocator *a);

/* A test_malloc'ed copy of the text's contents (free with test_free). */
char *tst_text_copy(const tier_text *t);

/* A user model's vtable of the current version, zeroed but for its kind and the four callbacks
 * given (any may be NULL); the test sets the other callbacks it wants. */
tier_model_vtable
tst_vtable(const char *kind, size_t (*output_count)(void *state),
           int (*output_info)(void *state, size_t i, const char **name, int *type),
           int (*fit)(void *state, const tier_book *book, const tier_frame *inputs),
           int (*score)(void *state, const tier_book *book, tier_frame *frame));

/* One output column of a fixed model: numbers (`num`) or labels (`labels`, `codes`). */
typedef struct tst_column {
    const char *name;
    int type;                  /* TIER_VALUE_NUMBER or TIER_VALUE_LABEL */
    const double *num;         /* one value per customer (numbers) */
    const char *const *labels; /* the label texts (labels) */
    size_t nlabels;
    const int32_t *codes; /* one code per customer, -1 for none (labels) */
} tst_column;

/* The state of a user model whose outputs are given by the test. Zero it, then set `outs`. */
typedef struct tst_fixed {
    const tst_column *outs;
    size_t nout;
    int fits;             /* fit calls seen */
    const char *need;     /* column the fit expects among its inputs (or NULL) */
    int need_seen;        /* 1 when it was there */
    int fit_rc, score_rc; /* statuses to fail with */
    const char *why;      /* last_error text */
} tst_fixed;

/* A number column of a fixed model. */
tst_column tst_number_column(const char *name, const double *num);

/* A label column of a fixed model. */
tst_column tst_label_column(const char *name, const char *const *labels, size_t nlabels,
                            const int32_t *codes);

/* Zeroes `state` and gives it its outputs. */
void tst_fixed_init(tst_fixed *state, const tst_column *outs, size_t nout);

/* A model of kind "fixed" named `name` over `state` (borrowed: it must outlive the model), with a
 * fit callback when `with_fit` is non-zero. Returns NULL when tier_model_new fails (for
 * out-of-memory walks); with tst_allocator() use tst_fixed_model_ok(). */
tier_model *tst_fixed_model(const char *name, tst_fixed *state, int with_fit,
                            const tier_allocator *a);

/* The same with tst_allocator(); creating it must succeed. */
tier_model *tst_fixed_model_ok(const char *name, tst_fixed *state, int with_fit);

/* ---- output and I/O ---------------------------------------------------------------------- */

/* An output callback target: collects what is written as one NUL-terminated string. */
typedef struct tst_sink {
    char *data; /* test_malloc'ed; NULL until something is written */
    size_t len, cap;
    int calls;        /* callback calls seen */
    size_t max_chunk; /* largest chunk handed over */
    int stop_at;      /* return non-zero on this call (1-based); 0 = never */
} tst_sink;

/* The callback (tier_result_write and alike), `ud` being a zeroed tst_sink. */
int tst_sink_write(void *ud, const char *data, size_t len);

/* Frees the collected text and zeroes the sink. */
void tst_sink_reset(tst_sink *s);

/* An in-memory file system behind a tier_io table, with short reads and writes and faults on
 * demand. Zero it, put files, then pass tst_memfs_io(&fs); release it with tst_memfs_clear(). */
#define TST_MEMFS_FILES 8

typedef struct tst_memfile {
    char name[256];
    char *data; /* test_malloc'ed, NUL-terminated */
    size_t len;
    size_t pos; /* read position, reset by each open */
    int used;
} tst_memfile;

typedef struct tst_memfs {
    tst_memfile files[TST_MEMFS_FILES];
    size_t read_chunk;  /* most bytes per read call; 0 = no limit */
    size_t write_chunk; /* most bytes per write call; 0 = no limit */
    int read_only;      /* 1: an open for writing fails the test */
    int fail_read;      /* 1-based read call that fails with -EIO; 0 = never */
    int eintr_read;     /* 1-based read call that returns -EINTR; 0 = never */
    int fail_open_write, fail_write, fail_sync, fail_close,
        fail_rename;          /* 1: every such call fails */
    int has_size;             /* 1: the table has the size hook */
    int reads, opens, closes; /* calls seen */
    char written_name[256];   /* last file opened for writing */
} tst_memfs;

/* The I/O table over `fs` (read when made: set has_size before). */
tier_io tst_memfs_io(tst_memfs *fs);

/* Creates or replaces file `name` with `len` bytes of `data`. */
tst_memfile *tst_memfs_put(tst_memfs *fs, const char *name, const char *data, size_t len);

/* The file called `name`, or NULL. */
tst_memfile *tst_memfs_find(tst_memfs *fs, const char *name);

/* Number of files. */
int tst_memfs_count(const tst_memfs *fs);

/* Frees every file and zeroes `fs`. */
void tst_memfs_clear(tst_memfs *fs);

/* ---- a file system that crashes and fails on demand --------------------------------------- */

/* An in-memory file system behind a tier_io table (version 3, with sync_dir) that keeps two views
 * of every file and every name, to test what survives a crash:
 *  - the volatile view is what the running program sees: every open, write, rename and remove
 *    changes it at once;
 *  - the durable view is what a disk holds: a file's contents become durable when the file is
 *    synced, and the names of a directory (created, renamed, removed) when sync_dir is called on
 *    a path in it.
 * tst_faultfs_crash() then keeps what a crash would leave: everything (KEEP), only the durable
 * view (DROP), or every name change but only the synced data of each file plus, of the data
 * written since its last sync, the whole 512-byte blocks (TORN).
 * Every hook call is one operation, numbered from 1 (`ops` counts them). Operation `fail_at`
 * fails once in the way `fail_kind` says: EIO or ENOSPC (nothing happens, the error is returned),
 * EINTR (nothing happens, -EINTR; a close still releases the handle, as on Linux), or SHORT (a
 * write writes, and a read reads, half of what was asked, at least one byte; other calls are not
 * affected). After operation `dead_after` (0: never) every call fails with EIO and changes
 * nothing: the machine is gone, what remains is decided by tst_faultfs_crash(). Handles open
 * are counted, so a test can check none leaked. Initialise with tst_faultfs_init(), release with
 * tst_faultfs_clear(). */
#define TST_FAULTFS_NAMES 16
#define TST_FAULTFS_NODES 24
#define TST_FAULTFS_FDS 8
#define TST_FAULTFS_LOG 512

enum { TST_FAULT_NONE, TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_EINTR, TST_FAULT_SHORT };
enum { TST_CRASH_KEEP, TST_CRASH_DROP, TST_CRASH_TORN };

typedef struct tst_fnode {
    int used;
    unsigned char *vdata, *ddata; /* test_malloc'ed contents: volatile, durable */
    size_t vlen, dlen;
    int dirty; /* written since the last sync */
} tst_fnode;

typedef struct tst_fname {
    char name[256];
    int vnode, dnode; /* node in the volatile and in the durable view; -1 for none */
} tst_fname;

typedef struct tst_ffd {
    int used, node, mode;
    size_t pos;
} tst_ffd;

typedef struct tst_faultfs {
    tst_fnode nodes[TST_FAULTFS_NODES];
    tst_fname names[TST_FAULTFS_NAMES];
    tst_ffd fds[TST_FAULTFS_FDS];
    long ops;        /* operations so far */
    long fail_at;    /* operation that fails once (1-based); 0 = none */
    int fail_kind;   /* TST_FAULT_* */
    long dead_after; /* every operation after this one fails; 0 = never */
    int open_fds;    /* handles open now */
    int no_sync_dir; /* 1: the table has no sync_dir hook (made by tst_faultfs_io) */
    int no_size;     /* 1: the table has no size hook */
    int version;     /* table version; 0 = TIER_IO_VERSION */
    long sync_dirs;  /* sync_dir calls that succeeded */
    const char *log[TST_FAULTFS_LOG]; /* hook name of each operation (the first LOG ones) */
} tst_faultfs;

void tst_faultfs_init(tst_faultfs *fs);
/* The table over fs, as its settings say when it is made. */
tier_io tst_faultfs_io(tst_faultfs *fs);
/* Creates or replaces `name` with `len` bytes, durable in both views. */
void tst_faultfs_put(tst_faultfs *fs, const char *name, const void *data, size_t len);
/* The volatile contents of `name` (*len set), or NULL when there is no such file. */
const unsigned char *tst_faultfs_get(const tst_faultfs *fs, const char *name, size_t *len);
/* Names in the volatile view. */
int tst_faultfs_count(const tst_faultfs *fs);
/* The hook name of operation n (1-based), or "?" past the log. */
const char *tst_faultfs_op(const tst_faultfs *fs, long n);
/* Crashes: keeps what `mode` (TST_CRASH_*) says, closes every handle, clears the faults. */
void tst_faultfs_crash(tst_faultfs *fs, int mode);
/* Frees every file. */
void tst_faultfs_clear(tst_faultfs *fs);
/* A name for a fault or crash kind, for messages. */
const char *tst_fault_name(int kind);
/* After a run on fs that was made to fail at operation n with `kind`: checks that no handle is left
 * open, writes "operation N (OP) failing with KIND: STATUS: err" into what (cap bytes) and returns
 * OP, the name of the operation that failed. */
const char *tst_fault_outcome(const tst_faultfs *fs, long n, int kind, int rc, const char *err,
                              char *what, size_t cap);
const char *tst_crash_name(int mode);

/* ---- histories ---------------------------------------------------------------------------- */

/* A new empty history on tst_allocator() (creating it must succeed). */
/* A transactions CSV of four customers over two months (support_history.c) for pipeline runs
 * with a history. */
extern const char tst_history_log[];

tier_history *tst_history_new(void);

/* Fills a new history with every part: variant 0 is tests/data/snapshot/history.snap
 * (make_history.py writes the same from the spec alone), variant 1 a later state larger by more
 * than two blocks of 512 bytes (for crash tests). Overrides go through the public call, the rest
 * through the handle's parts (history/history_internal.h). */
void tst_history_sample(tier_history *h, int variant);

/* The policies of the history tests (support_history.c): tst_hist_policy holds S for 3 runs, A
 * until revenue collapses, B for 90 days, C the rest; tst_hist_renamed the same with S renamed to
 * Gold (nothing held in a tier the policy no longer has); tst_hist_four_renamed its four tiers
 * with S renamed; tst_hist_capped S capped to one customer, overflow into A; tst_hist_flagged
 * flags and routing that read `tier` (they must see the final tier). */
extern const char tst_hist_policy[], tst_hist_renamed[], tst_hist_four_renamed[], tst_hist_capped[],
    tst_hist_flagged[];

/* One run: a book of one transaction per customer (the day before as_of), the policy run and,
 * unless told otherwise, the history applied. */
typedef struct tst_hrun {
    tier_book *book;
    tier_policy *policy;
    tier_result *result;
} tst_hrun;

/* A policy loaded from `text` with `a`, or NULL on any failure. */
tier_policy *tst_hist_policy_load(const tier_allocator *a, const char *text);
/* Makes the run (a book of one transaction per customer the day before as_of, the policy, the
 * result run) with `a`: TIER_OK or the first failure. */
int tst_hrun_make(tst_hrun *r, const tier_allocator *a, const char *policy, const char *const *ids,
                  const double *amounts, size_t n, int32_t as_of);
void tst_hrun_free(tst_hrun *r);
/* A run made and applied to h; fails the test on any failure. */
void tst_hrun_step(tier_history *h, tst_hrun *r, const char *policy, const char *const *ids,
                   const double *amounts, size_t n, int32_t as_of);
/* The final tier name ("" for none) and the reason of customer `id` in the run's result. */
const char *tst_hrun_tier(const tst_hrun *r, const char *id);
const char *tst_hrun_reason(const tst_hrun *r, const char *id);
/* The run's result written as CSV with `columns` (test_free it). */
char *tst_hrun_text(const tst_hrun *r, const char *columns);
/* The history's entry of customer `id` (fails the test when there is none). */
tier_history_entry tst_history_entry(const tier_history *h, const char *id);
/* The ledger as CSV (which 0), JSON (1) or the matrix (2) (test_free it); tst_expect_ledger
 * compares it with `want`. */
char *tst_ledger_text(const tier_history *h, int which);
void tst_expect_ledger(const tier_history *h, int which, const char *want);

/* A new history holding sample `variant`. */
tier_history *tst_history_of(int variant);

/* The snapshot of h as tier_history_write gives it, in one call (test_malloc'ed; free with
 * test_free); a failure fails the test. */
unsigned char *tst_history_image(const tier_history *h, size_t *len);

/* The snapshot of sample `variant` (test_malloc'ed). */
unsigned char *tst_history_sample_image(int variant, size_t *len);

/* tests/data/snapshot/history.snap (test_malloc'ed). */
unsigned char *tst_history_golden(size_t *len);

/* Fails the test, naming `what`, unless h's snapshot is exactly the `len` bytes of `want`. */
void tst_history_expect_image(const tier_history *h, const unsigned char *want, size_t len,
                              const char *what);

/* Loads `len` bytes into h as "state.snap" (tier_history_load_bytes); a failure's message must
 * start with the file's name. Returns the status. */
int tst_history_load(tier_history *h, const unsigned char *d, size_t len);

/* ---- damage ------------------------------------------------------------------------------ */

/* One random change of a copy of the `len` bytes of g into d (which has room for len + 64):
 * 1 to 8 bit flips, 1 to 16 overwritten bytes, a cut followed by up to 64 random bytes, an
 * insertion or a deletion of up to 64 bytes, or a range copied over another. Returns the new
 * length. `rng` is a util/rng.h generator. */
struct tier__rng;
size_t tst_mutate(struct tier__rng *rng, unsigned char *d, const unsigned char *g, size_t len);

/* ---- dedupe4b ---- */

/* Copies the text's contents into `value` (which must hold them), frees the text and returns
 * `value`. */
const char *tst_take_text(tier_text *t, char *value, size_t cap);
/* The pipeline's text value of setting `key`, in a static buffer (valid until the next call);
 * fails the test when the get fails. */
const char *tst_pipeline_get(const tier_pipeline *p, const char *key);

/* ---- dedupe4a ---- */

/* An atomic save under test, for the crash and fault walks below. save() writes the sample
 * `variant` to `path` through fs and returns the status (err, TIER__ERR_SIZE bytes, the reason);
 * load() reads `path` back through fs and returns the status, and on TIER_OK the file's bytes
 * (test_malloc'd, *len of them; NULL and the reason in err otherwise). image() gives the bytes
 * of the sample `variant` (test_malloc'd). The walks save variant 1 over variant 0. */
typedef struct tst_save_case {
    const char *path;
    const char *noun; /* what is saved, in failure messages: "snapshot", "history" */
    int (*save)(tst_faultfs *fs, int variant, char *err);
    unsigned char *(*load)(tst_faultfs *fs, size_t *len, int *rc, char *err);
    unsigned char *(*image)(int variant, size_t *len);
} tst_save_case;

/* Loads c->path from fs and says which of old (0, none when old is NULL) or new the file holds,
 * or -1 when there is none; fails the test for anything else (a damaged file, a third content),
 * naming `what`. */
int tst_save_loaded(const tst_save_case *c, tst_faultfs *fs, const unsigned char *old,
                    size_t old_len, const unsigned char *new_, size_t new_len, const char *what);

void tst_walk_save_crashes(const tst_save_case *c);

/* Every operation of a save over the old file fails with every fault kind: short writes and
 * interrupts are retried, EIO and ENOSPC are reported (naming the path and the errno text) and
 * leave the old file, or the new one and a message when only the directory sync failed. */
void tst_walk_save_faults(const tst_save_case *c);

/* ---- contracts (support_contracts.c) ------------------------------------------------------ */

/* One contract row of a test table: dates "YYYY-MM-DD" (end NULL: open), period and status as
 * in contract.h, plan NULL for none. */
typedef struct tst_contract {
    const char *id;
    const char *start;
    const char *end;
    double amount;
    int32_t period;
    int32_t status;
    const char *plan;
} tst_contract;

/* Adds the rows with one tier_book_add_contracts() call (flags as given) and returns its status.
 */
int tst_add_contracts(tier_book *book, const tst_contract *rows, size_t n, unsigned flags);

/* The contracts of tests/test_subscription.c and tests/test_contracts.c (docs/subscriptions.md's
 * worked example): customers a, b, c, d and f with contracts, e with a purchase only. */
extern const tst_contract tst_subscription_rows[];
extern const size_t tst_subscription_nrows;

/* A book of those rows made with `a` (NULL when out of memory): e's purchase on 2024-05-01, then
 * the contracts. */
tier_book *tst_subscription_book(const tier_allocator *a);

#endif
