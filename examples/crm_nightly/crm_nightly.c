/* SPDX-License-Identifier: MIT */
/* crm_nightly: the nightly tiering job of a CRM that keeps its accounts and invoices in SQLite.
 *
 *   crm_nightly init DB ACCOUNTS.csv INVOICES.csv   create DB and fill it from the B2B example
 *   crm_nightly run DB POLICY                       tier the accounts; write the outcome to DB
 *
 * `run` loads the invoices and the accounts with SQL queries (the accounts through the typed
 * attribute loader, tier_book_load_rows(), with the column types declared once below), runs the
 * policy file's models and tiers, applies the previous run's state (tier_history_apply(): moves,
 * hysteresis, overrides) and writes the tiers, entitlements, routes, the moves of this run
 * (table migrations, with the ledger's codes and reasons) and the new state into DB in ONE
 * transaction, which also covers the reads. The state (the snapshot of tier_history_save()) is kept
 * in the database itself, in table tier_state, so the tiers and the state they came from are
 * committed or rolled back together: no failure can leave them disagreeing. Exit status 0 on
 * success, 1 on any failure (one line on stderr, nothing written), 2 on a usage error. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <tier.h>

/* [account columns] */
/* The accounts table: one declaration gives both the SQL schema and the loader's column types,
 * so that nothing is guessed from the values. */
static const struct account_column {
    const char *name, *sql;
    int type;
} account_columns[] = {
    {"account_id", "TEXT PRIMARY KEY", TIER_COLUMN_ID},
    {"name", "TEXT", TIER_COLUMN_TEXT},
    {"industry", "TEXT", TIER_COLUMN_TEXT},
    {"region", "TEXT", TIER_COLUMN_TEXT},
    {"city", "TEXT", TIER_COLUMN_TEXT},
    {"scope", "TEXT", TIER_COLUMN_TEXT},
    {"parent_account", "TEXT", TIER_COLUMN_TEXT},
    {"employees", "INTEGER", TIER_COLUMN_NUMBER},
    {"contract_arr", "REAL", TIER_COLUMN_NUMBER},
    {"gross_margin", "REAL", TIER_COLUMN_NUMBER},
    {"years_cooperation", "REAL", TIER_COLUMN_NUMBER},
    {"arrears_days", "INTEGER", TIER_COLUMN_NUMBER},
    {"defaults", "INTEGER", TIER_COLUMN_NUMBER},
    {"support_tickets", "INTEGER", TIER_COLUMN_NUMBER},
    {"payment_score", "REAL", TIER_COLUMN_NUMBER},
    {"referrals", "INTEGER", TIER_COLUMN_NUMBER},
    {"growth_rate", "REAL", TIER_COLUMN_NUMBER},
    {"modules_used", "INTEGER", TIER_COLUMN_NUMBER},
    {"module_crm", "INTEGER", TIER_COLUMN_NUMBER},
    {"module_erp", "INTEGER", TIER_COLUMN_NUMBER},
    {"module_bi", "INTEGER", TIER_COLUMN_NUMBER},
    {"module_hr", "INTEGER", TIER_COLUMN_NUMBER},
    {"goal_growth", "REAL", TIER_COLUMN_NUMBER},
    {"goal_cost", "REAL", TIER_COLUMN_NUMBER},
    {"goal_compliance", "REAL", TIER_COLUMN_NUMBER},
    {"implementation_progress", "REAL", TIER_COLUMN_NUMBER},
    {"active_users_share", "REAL", TIER_COLUMN_NUMBER},
    {"onboarding_started", "TEXT", TIER_COLUMN_DATE},
};
#define NCOLS (sizeof account_columns / sizeof account_columns[0])
/* [account columns] */

static const char schema[] =
    "CREATE TABLE invoices(invoice_id INTEGER PRIMARY KEY, account_id TEXT NOT NULL,\n"
    "  date TEXT NOT NULL, amount REAL NOT NULL, margin REAL);\n"
    "CREATE TABLE runs(run INTEGER PRIMARY KEY, as_of TEXT NOT NULL, policy TEXT NOT NULL,\n"
    "  accounts INTEGER NOT NULL, migrations INTEGER NOT NULL);\n"
    "CREATE TABLE tiers(account_id TEXT PRIMARY KEY, tier TEXT, previous_tier TEXT, move TEXT,\n"
    "  since TEXT, reason TEXT NOT NULL, flags TEXT NOT NULL);\n"
    "CREATE TABLE entitlements(account_id TEXT NOT NULL, name TEXT NOT NULL, value,\n"
    "  PRIMARY KEY(account_id, name));\n"
    "CREATE TABLE routes(account_id TEXT PRIMARY KEY, team TEXT NOT NULL);\n"
    "CREATE TABLE migrations(run INTEGER NOT NULL, account_id TEXT NOT NULL, from_tier TEXT,\n"
    "  to_tier TEXT, code TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY(run, account_id));\n"
    "CREATE TABLE tier_state(id INTEGER PRIMARY KEY CHECK (id = 1), run INTEGER NOT NULL,\n"
    "  snapshot BLOB NOT NULL);\n";

/* ---- errors and small helpers ------------------------------------------------------------- */

static char error_text[1024];

/* Records the failure (the first one wins) and returns 1. */
static int fail(const char *fmt, ...)
{
    va_list ap;
    if (error_text[0])
        return 1;
    va_start(ap, fmt);
    vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    return 1;
}

/* A libtier status: 0 on TIER_OK, else the failure "what: message". */
static int tier_check(int rc, const char *what, const char *message)
{
    if (rc == TIER_OK)
        return 0;
    return fail("%s: %s (%s)", what, message && message[0] ? message : tier_strerror(rc),
                tier_status_name(rc));
}

static int sql_check(sqlite3 *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return fail("%s: %s", what, sqlite3_errmsg(db));
}

static int sql_exec(sqlite3 *db, const char *sql)
{
    return sql_check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

static int sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    return sql_check(db, sqlite3_prepare_v2(db, sql, -1, st, NULL), sql);
}

/* Runs a prepared insert once with what was bound, then resets it. */
static int sql_step_reset(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : sql_check(db, rc, sqlite3_sql(st));
}

static char *copy_bytes(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* A growable byte buffer, also a tier_write_cb target. */
typedef struct buffer {
    char *data;
    size_t len, cap;
} buffer;

static int buffer_write(void *ud, const char *data, size_t len)
{
    buffer *b = ud;
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;
        while (cap < b->len + len + 1)
            cap *= 2;
        if (!(p = realloc(b->data, cap)))
            return 1; /* the writer reports TIER_EUSER */
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

/* ---- init: the database from the example CSV files ---------------------------------------- */

/* Splits one line of the B2B files (comma separated, no quoting) in place into at most `max`
 * fields; returns their number. */
static size_t split_line(char *line, char **field, size_t max)
{
    size_t n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    for (;;) {
        char *comma = strchr(p, ',');
        if (n < max)
            field[n] = p;
        n++;
        if (!comma)
            return n;
        *comma = '\0';
        p = comma + 1;
    }
}

/* Binds a CSV field as the declared type: empty is NULL, a number column takes a number only. */
static int bind_field(sqlite3_stmt *st, int param, const char *text, int type, const char *where)
{
    char *end;
    double v;
    if (!text[0])
        return sqlite3_bind_null(st, param) == SQLITE_OK ? 0 : fail("%s: cannot bind", where);
    if (type != TIER_COLUMN_NUMBER)
        return sqlite3_bind_text(st, param, text, -1, SQLITE_TRANSIENT) == SQLITE_OK
                   ? 0
                   : fail("%s: cannot bind", where);
    v = strtod(text, &end);
    if (*end || !isfinite(v))
        return fail("%s: \"%s\" is not a number", where, text);
    return sqlite3_bind_double(st, param, v) == SQLITE_OK ? 0 : fail("%s: cannot bind", where);
}

/* Copies a CSV file into `table`: header line `header`, `n` fields per line of the given types. */
static int import_csv(sqlite3 *db, const char *path, const char *header, const char *insert,
                      const int *types, size_t n)
{
    FILE *f = fopen(path, "r");
    sqlite3_stmt *st = NULL;
    char line[4096], *field[64], where[256];
    unsigned long lineno = 1;
    size_t k, got;
    int bad = 0;
    if (!f)
        return fail("%s: cannot open", path);
    if (!fgets(line, sizeof line, f) || (line[strcspn(line, "\r\n")] = '\0', strcmp(line, header)))
        bad = fail("%s:1: the header is not \"%s\"", path, header);
    if (!bad)
        bad = sql_prepare(db, insert, &st);
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        if ((got = split_line(line, field, 64)) != n) {
            bad = fail("%s:%lu: %zu fields, expected %zu", path, lineno, got, n);
            break;
        }
        for (k = 0; k < n && !bad; k++) {
            snprintf(where, sizeof where, "%s:%lu: field %zu", path, lineno, k + 1);
            bad = bind_field(st, (int)k + 1, field[k], types[k], where);
        }
        if (!bad)
            bad = sql_step_reset(db, st);
    }
    if (!bad && ferror(f))
        bad = fail("%s: read error", path);
    sqlite3_finalize(st);
    fclose(f);
    return bad;
}

static int init(sqlite3 *db, const char *accounts_csv, const char *invoices_csv)
{
    static const int invoice_types[] = {TIER_COLUMN_TEXT, TIER_COLUMN_DATE, TIER_COLUMN_NUMBER,
                                        TIER_COLUMN_NUMBER};
    char create[4096], header[2048], insert[2048];
    int types[NCOLS], bad;
    size_t c, u = 0, h = 0, i = 0;
    u += (size_t)snprintf(create + u, sizeof create - u, "CREATE TABLE accounts(");
    i += (size_t)snprintf(insert + i, sizeof insert - i, "INSERT INTO accounts VALUES (");
    for (c = 0; c < NCOLS; c++) {
        const char *sep = c ? ", " : "";
        u += (size_t)snprintf(create + u, sizeof create - u, "%s%s %s", sep,
                              account_columns[c].name, account_columns[c].sql);
        h += (size_t)snprintf(header + h, sizeof header - h, "%s%s", c ? "," : "",
                              account_columns[c].name);
        i += (size_t)snprintf(insert + i, sizeof insert - i, "%s?", sep);
        types[c] = account_columns[c].type;
    }
    snprintf(create + u, sizeof create - u, ");");
    snprintf(insert + i, sizeof insert - i, ")");
    bad = sql_exec(db, "BEGIN");
    if (!bad)
        bad = sql_exec(db, create);
    if (!bad)
        bad = sql_exec(db, schema);
    if (!bad)
        bad = import_csv(db, accounts_csv, header, insert, types, NCOLS);
    if (!bad)
        bad =
            import_csv(db, invoices_csv, "customer_id,date,amount,margin",
                       "INSERT INTO invoices(account_id, date, amount, margin) VALUES (?, ?, ?, ?)",
                       invoice_types, 4);
    if (!bad)
        bad = sql_exec(db, "COMMIT");
    if (bad)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return bad;
}

/* ---- run: load --------------------------------------------------------------------------- */

static int load_invoices(sqlite3 *db, tier_book *book, size_t *count)
{
    sqlite3_stmt *st = NULL;
    int rc, bad = sql_prepare(db,
                              "SELECT invoice_id, account_id, date, amount, margin FROM invoices "
                              "ORDER BY invoice_id",
                              &st);
    *count = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 1);
        const char *date = (const char *)sqlite3_column_text(st, 2);
        double margin =
            sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
        int32_t day = 0;
        long long invoice = sqlite3_column_int64(st, 0);
        if (!id || !date || tier_date_parse(&day, date, strlen(date), TIER_DATE_ISO) != TIER_OK) {
            bad =
                fail("invoice %lld: the date \"%s\" is not YYYY-MM-DD", invoice, date ? date : "");
            break;
        }
        rc = tier_book_add_txn(book, id, strlen(id), day, sqlite3_column_double(st, 3), margin);
        if (rc != TIER_OK) {
            bad = fail("invoice %lld: %s", invoice, tier_book_last_error(book));
            break;
        }
        ++*count;
    }
    if (!bad)
        bad = sql_check(db, rc, "reading invoices");
    sqlite3_finalize(st);
    return bad;
}

/* [load accounts] */
/* The accounts as typed cells, row after row, then one all-or-nothing load. Text cells point at
 * copies: SQLite's own text is valid only until the cursor moves. */
static int load_accounts(sqlite3 *db, tier_book *book, size_t *count)
{
    tier_column columns[NCOLS];
    tier_cell *cells = NULL;
    size_t c, rows = 0, cap = 0, k;
    char select[2048];
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK, bad;
    size_t u = (size_t)snprintf(select, sizeof select, "SELECT ");
    for (c = 0; c < NCOLS; c++) {
        columns[c].name = account_columns[c].name;
        columns[c].type = account_columns[c].type;
        u += (size_t)snprintf(select + u, sizeof select - u, "%s%s", c ? ", " : "",
                              account_columns[c].name);
    }
    snprintf(select + u, sizeof select - u, " FROM accounts ORDER BY rowid");
    bad = sql_prepare(db, select, &st);
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        tier_cell *row;
        if (rows == cap) {
            tier_cell *p = realloc(cells, (cap = cap ? 2 * cap : 1024) * NCOLS * sizeof *cells);
            if (!p) {
                bad = fail("out of memory reading accounts");
                break;
            }
            cells = p;
        }
        row = &cells[rows++ * NCOLS];
        memset(row, 0, NCOLS * sizeof *row);
        for (c = 0; c < NCOLS && !bad; c++) {
            switch (sqlite3_column_type(st, (int)c)) {
            case SQLITE_NULL:
                break; /* TIER_CELL_NULL: not on file */
            case SQLITE_INTEGER:
            case SQLITE_FLOAT:
                row[c].type = TIER_CELL_NUMBER;
                row[c].number = sqlite3_column_double(st, (int)c);
                break;
            default: /* text (a blob is handed over as its bytes: the loader checks them) */
                row[c].type = TIER_CELL_TEXT;
                row[c].len = (size_t)sqlite3_column_bytes(st, (int)c);
                row[c].text = copy_bytes(sqlite3_column_blob(st, (int)c), row[c].len);
                if (!row[c].text)
                    bad = fail("out of memory reading accounts");
            }
        }
    }
    if (!bad)
        bad = sql_check(db, rc, "reading accounts");
    sqlite3_finalize(st);
    if (!bad)
        bad = tier_check(tier_book_load_rows(book, columns, NCOLS, cells, rows, 0), "accounts",
                         tier_book_last_error(book));
    for (k = 0; k < rows * NCOLS; k++)
        if (cells[k].type == TIER_CELL_TEXT)
            free((char *)cells[k].text);
    free(cells);
    *count = rows;
    return bad;
}
/* [load accounts] */

/* The models the policy declares, with its options. */
static int make_models(const tier_policy *policy, tier_model **models, size_t *n)
{
    size_t i, j, nopt;
    int bad = 0;
    tier_value *v = NULL;
    *n = tier_policy_model_count(policy);
    if (*n > 16)
        return fail("the policy declares %zu models; this job takes 16", *n);
    bad = tier_check(tier_value_new(&v, NULL), "value", NULL);
    for (i = 0; i < *n && !bad; i++) {
        const char *name = NULL, *kind = NULL, *opt = NULL;
        bad = tier_check(tier_policy_model(policy, i, &name, &kind, &nopt), "policy", NULL) ||
              tier_check(tier_model_new_kind(&models[i], NULL, kind, name, NULL), kind, NULL);
        for (j = 0; j < nopt && !bad; j++) {
            int rc = tier_policy_model_option(policy, i, j, &opt, v);
            if (rc == TIER_OK && tier_value_get_type(v) == TIER_OPTION_NUMBER)
                rc = tier_model_set_number(models[i], opt, tier_value_number(v));
            else if (rc == TIER_OK && tier_value_get_type(v) == TIER_OPTION_TEXT)
                rc = tier_model_set_text(models[i], opt, tier_value_text(v));
            else if (rc == TIER_OK) {
                const char *items[64];
                size_t k, count = tier_value_list_count(v);
                for (k = 0; k < count && k < 64; k++)
                    items[k] = tier_value_list_item(v, k);
                rc = count > 64 ? TIER_ERANGE : tier_model_set_list(models[i], opt, items, count);
            }
            bad = tier_check(rc, name, tier_model_last_error(models[i]));
        }
        /* The needs model segments accounts by what they use and want: the module_* and goal_*
         * columns (as `tier run --accounts` does), unless the policy names its features. */
        nopt = !bad && strcmp(kind, "needs") == 0 && tier_needs_feature_count(models[i]) == 0;
        for (j = 0; j < NCOLS && nopt && !bad; j++) {
            char feature[64];
            if (strncmp(account_columns[j].name, "module_", 7) != 0 &&
                strncmp(account_columns[j].name, "goal_", 5) != 0)
                continue;
            snprintf(feature, sizeof feature, "attr.%s", account_columns[j].name);
            bad = tier_check(tier_needs_add_feature(models[i], feature), name,
                             tier_model_last_error(models[i]));
        }
    }
    tier_value_free(v);
    return bad;
}

/* ---- run: write ---------------------------------------------------------------------------- */

/* Binds text, or NULL for NULL or "" when `empty_is_null`. */
static int bind_text(sqlite3_stmt *st, int param, const char *text, int empty_is_null)
{
    if (!text || (empty_is_null && !text[0]))
        return sqlite3_bind_null(st, param);
    return sqlite3_bind_text(st, param, text, -1, SQLITE_TRANSIENT);
}

/* The label of frame column `name` for row i, NULL when missing; for a number column holding day
 * numbers (since), the date written into day_buf. */
static const char *frame_text(const tier_frame *f, const char *name, size_t i, char *day_buf)
{
    size_t col;
    const int32_t *codes;
    const double *num;
    if (tier_frame_find(f, name, &col) != TIER_OK)
        return NULL;
    if ((codes = tier_frame_labels(f, col)) != NULL)
        return codes[i] < 0 ? NULL : tier_frame_label_text(f, col, codes[i]);
    num = tier_frame_numbers(f, col);
    if (!num || isnan(num[i]) || tier_date_format_iso(day_buf, 16, (int32_t)num[i]) != TIER_OK)
        return NULL;
    return day_buf;
}

static int write_tiers(sqlite3 *db, const tier_book *book, const tier_result *res,
                       const tier_policy *policy)
{
    sqlite3_stmt *t = NULL, *e = NULL, *r = NULL;
    const tier_frame *f = tier_result_frame(res);
    size_t i, k, n = tier_result_customer_count(res);
    tier_value *v = NULL;
    char day[16];
    int bad = sql_prepare(db, "INSERT INTO tiers VALUES (?, ?, ?, ?, ?, ?, ?)", &t) ||
              sql_prepare(db, "INSERT INTO entitlements VALUES (?, ?, ?)", &e) ||
              sql_prepare(db, "INSERT INTO routes VALUES (?, ?)", &r) ||
              tier_check(tier_value_new(&v, NULL), "value", NULL);
    if (!bad && n != tier_book_customer_count(book))
        bad = fail("the result has %zu customers, the book %zu", n, tier_book_customer_count(book));
    for (i = 0; i < n && !bad; i++) {
        const char *id = tier_book_customer_id(book, i, NULL);
        int tier = tier_result_tier(res, i);
        bind_text(t, 1, id, 0);
        bind_text(t, 2, tier < 0 ? NULL : tier_result_tier_name(res, (size_t)tier), 0);
        bind_text(t, 3, frame_text(f, "previous_tier", i, day), 1);
        bind_text(t, 4, frame_text(f, "move", i, day), 1);
        bind_text(t, 5, frame_text(f, "since", i, day), 1);
        bind_text(t, 6, tier_result_reason(res, i), 0);
        bind_text(t, 7, tier_result_flags(res, i), 0);
        bad = sql_step_reset(db, t);
        for (k = 0; k < tier_policy_entitlement_count(policy) && !bad; k++) {
            const char *name = tier_policy_entitlement_name(policy, k, NULL);
            int rc = tier_result_entitlement(res, i, name, v);
            if (rc == TIER_ENOTFOUND)
                continue;
            if ((bad = tier_check(rc, name, tier_result_last_error(res))) != 0)
                break;
            bind_text(e, 1, id, 0);
            bind_text(e, 2, name, 0);
            if (tier_value_get_type(v) == TIER_OPTION_TEXT)
                bind_text(e, 3, tier_value_text(v), 0);
            else if (tier_value_number(v) == floor(tier_value_number(v)) &&
                     fabs(tier_value_number(v)) < 9e15) /* whole numbers, bools 0/1 */
                sqlite3_bind_int64(e, 3, (long long)tier_value_number(v));
            else
                sqlite3_bind_double(e, 3, tier_value_number(v));
            bad = sql_step_reset(db, e);
        }
        if (!bad && tier_result_route(res, i)[0]) {
            bind_text(r, 1, id, 0);
            bind_text(r, 2, tier_result_route(res, i), 0);
            bad = sql_step_reset(db, r);
        }
    }
    tier_value_free(v);
    sqlite3_finalize(t);
    sqlite3_finalize(e);
    sqlite3_finalize(r);
    return bad;
}

/* Reads one CSV field (RFC 4180 quoting) at *p into out (NUL-terminated, at most cap bytes);
 * returns 1 when more fields follow on the line. */
static int csv_field(const char **p, char *out, size_t cap, int *bad)
{
    size_t o = 0;
    const char *s = *p;
    int quoted = *s == '"';
    if (quoted)
        s++;
    for (; *s; s++) {
        if (quoted && *s == '"' && s[1] == '"')
            s++;
        else if (quoted && *s == '"') {
            quoted = 0;
            continue;
        } else if (!quoted && (*s == ',' || *s == '\n'))
            break;
        if (o + 1 >= cap) {
            *bad = fail("a ledger field longer than %zu bytes", cap);
            break;
        }
        out[o++] = *s;
    }
    out[o] = '\0';
    *p = *s ? s + 1 : s;
    return *s == ',';
}

/* The moves of the ledger (CSV customer_id,from,to,code,detail) into table migrations. */
static int write_migrations(sqlite3 *db, const tier_history *hist, long long run, size_t *moves)
{
    buffer ledger = {NULL, 0, 0};
    sqlite3_stmt *st = NULL;
    char field[5][1024];
    const char *p;
    int bad = tier_check(tier_history_ledger_write(hist, TIER_LEDGER_CSV, buffer_write, &ledger),
                         "ledger", tier_history_last_error(hist));
    *moves = 0;
    if (!bad)
        bad = sql_prepare(db, "INSERT INTO migrations VALUES (?, ?, ?, ?, ?, ?)", &st);
    p = ledger.data ? strchr(ledger.data, '\n') : NULL; /* after the header */
    while (!bad && p && *++p) {
        int k, more = 1;
        for (k = 0; k < 5 && more && !bad; k++)
            more = csv_field(&p, field[k], sizeof field[k], &bad);
        if (!bad && (k != 5 || more))
            bad = fail("ledger line %zu: not 5 fields", *moves + 2);
        if (bad)
            break;
        p--; /* csv_field stepped past the newline */
        sqlite3_bind_int64(st, 1, run);
        for (k = 0; k < 5; k++)
            bind_text(st, k + 2, field[k], k == 1 || k == 2);
        bad = sql_step_reset(db, st);
        ++*moves;
    }
    sqlite3_finalize(st);
    free(ledger.data);
    return bad;
}

/* The previous state from table tier_state (none before the first run). */
static int load_state(sqlite3 *db, tier_history *hist)
{
    sqlite3_stmt *st = NULL;
    int rc, bad = sql_prepare(db, "SELECT snapshot FROM tier_state WHERE id = 1", &st);
    if (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW)
        bad = tier_check(tier_history_load_bytes(hist, sqlite3_column_blob(st, 0),
                                                 (size_t)sqlite3_column_bytes(st, 0), "tier_state"),
                         "the previous state", tier_history_last_error(hist));
    else if (!bad)
        bad = sql_check(db, rc, "reading tier_state");
    sqlite3_finalize(st);
    return bad;
}

/* Everything of one run inside one transaction: the caller commits or rolls back. */
static int write_run(sqlite3 *db, const tier_book *book, const tier_result *res,
                     const tier_policy *policy, const tier_history *hist, size_t *moves)
{
    sqlite3_stmt *st = NULL;
    buffer snap = {NULL, 0, 0};
    long long run = (long long)tier_history_runs(hist);
    char as_of[16] = "";
    int bad = sql_exec(db, "DELETE FROM tiers; DELETE FROM entitlements; DELETE FROM routes;") ||
              write_tiers(db, book, res, policy) || write_migrations(db, hist, run, moves);
    if (!bad)
        bad =
            tier_check(tier_date_format_iso(as_of, sizeof as_of, (int32_t)tier_history_as_of(hist)),
                       "as-of day", NULL) ||
            sql_prepare(db, "INSERT INTO runs VALUES (?, ?, ?, ?, ?)", &st);
    if (!bad) {
        sqlite3_bind_int64(st, 1, run);
        bind_text(st, 2, as_of, 0);
        bind_text(st, 3, tier_policy_name(policy), 0);
        sqlite3_bind_int64(st, 4, (long long)tier_result_customer_count(res));
        sqlite3_bind_int64(st, 5, (long long)*moves);
        bad = sql_step_reset(db, st);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (!bad)
        bad = tier_check(tier_history_write(hist, buffer_write, &snap), "state",
                         tier_history_last_error(hist)) ||
              sql_prepare(db, "INSERT OR REPLACE INTO tier_state VALUES (1, ?, ?)", &st);
    if (!bad) {
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_blob(st, 2, snap.data, (int)snap.len, SQLITE_STATIC);
        bad = sql_step_reset(db, st);
    }
    sqlite3_finalize(st);
    free(snap.data);
    return bad;
}

/* After the commit: the tables hold what this run decided (the job checks its own output). */
static int verify(sqlite3 *db, long long run, size_t customers, size_t moves)
{
    static const char *const checks[] = {
        "SELECT count(*) FROM tiers",
        "SELECT count(*) FROM migrations WHERE run = ?1",
        "SELECT count(*) FROM runs WHERE run = ?1 AND run = (SELECT run FROM tier_state)",
        ("SELECT count(*) FROM tiers t JOIN migrations m ON m.account_id = t.account_id "
         "AND m.run = ?1 AND m.code <> 'gone' WHERE m.to_tier IS NOT t.tier"),
    };
    const long long want[] = {(long long)customers, (long long)moves, 1, 0};
    size_t k;
    int bad = 0;
    for (k = 0; k < sizeof checks / sizeof checks[0] && !bad; k++) {
        sqlite3_stmt *st = NULL;
        long long got = -1;
        bad = sql_prepare(db, checks[k], &st);
        if (!bad && sqlite3_bind_parameter_count(st))
            sqlite3_bind_int64(st, 1, run);
        if (!bad && sqlite3_step(st) == SQLITE_ROW)
            got = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (!bad && got != want[k])
            bad = fail("self-check failed: %s gives %lld, expected %lld", checks[k], got, want[k]);
    }
    return bad;
}

static void summary(const tier_result *res, const tier_history *hist, size_t invoices,
                    size_t accounts, size_t moves)
{
    char as_of[16] = "?";
    size_t t, n;
    (void)tier_date_format_iso(as_of, sizeof as_of, (int32_t)tier_history_as_of(hist));
    printf("run %llu as of %s: %zu invoices, %zu accounts;",
           (unsigned long long)tier_history_runs(hist), as_of, invoices, accounts);
    for (t = 0; t < tier_result_tier_count(res); t++)
        if (tier_result_summary(res, t, &n, NULL) == TIER_OK)
            printf(" %s %zu", tier_result_tier_name(res, t), n);
    printf("; %zu migrations\n", moves);
}

/* [nightly run] */
static int run(sqlite3 *db, const char *policy_path)
{
    tier_book *book = NULL;
    tier_policy *policy = NULL;
    tier_result *res = NULL;
    tier_history *hist = NULL;
    tier_model *models[16] = {NULL};
    size_t nmodels = 0, invoices = 0, accounts = 0, moves = 0, i;
    int bad = tier_check(tier_book_new(&book, NULL), "book", NULL) ||
              tier_check(tier_policy_new(&policy, NULL), "policy", NULL) ||
              tier_check(tier_result_new(&res, NULL), "result", NULL) ||
              tier_check(tier_history_new(&hist, NULL), "history", NULL);
    if (!bad)
        bad = tier_check(tier_policy_load_file(policy, policy_path, NULL), "policy",
                         tier_policy_last_error(policy));
    if (!bad)
        bad = make_models(policy, models, &nmodels);
    /* One transaction from the first read to the last write. IMMEDIATE takes the write lock at
     * once: a second job started meanwhile waits, then sees this run's state, so two runs never
     * both start from the same previous state. */
    if (!bad)
        bad = sql_exec(db, "BEGIN IMMEDIATE") || load_invoices(db, book, &invoices) ||
              load_accounts(db, book, &accounts) || load_state(db, hist);
    if (!bad)
        bad = tier_check(tier_result_run(res, book, models, nmodels, policy), "run",
                         tier_result_last_error(res));
    if (!bad)
        bad = tier_check(tier_history_apply(hist, res, book, policy), "history",
                         tier_history_last_error(hist));
    if (!bad)
        bad = write_run(db, book, res, policy, hist, &moves) || sql_exec(db, "COMMIT");
    /* Any failure before the commit: nothing of this run stays (tiers, migrations, state). */
    if (bad && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (!bad)
        bad =
            verify(db, (long long)tier_history_runs(hist), tier_result_customer_count(res), moves);
    if (!bad)
        summary(res, hist, invoices, accounts, moves);
    for (i = 0; i < nmodels; i++)
        tier_model_free(models[i]);
    tier_history_free(hist);
    tier_result_free(res);
    tier_policy_free(policy);
    tier_book_free(book);
    return bad;
}
/* [nightly run] */

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    int bad, is_init = argc == 5 && strcmp(argv[1], "init") == 0;
    if (!is_init && !(argc == 4 && strcmp(argv[1], "run") == 0)) {
        fprintf(stderr, "usage: crm_nightly init DB ACCOUNTS.csv INVOICES.csv\n"
                        "       crm_nightly run DB POLICY\n");
        return 2;
    }
    if (is_init) {
        FILE *exists = fopen(argv[2], "r");
        if (exists) {
            fclose(exists);
            fprintf(stderr, "crm_nightly: %s exists; init makes a new database\n", argv[2]);
            return 1;
        }
    }
    bad = sql_check(db,
                    sqlite3_open_v2(argv[2], &db,
                                    is_init ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                            : SQLITE_OPEN_READWRITE,
                                    NULL),
                    argv[2]);
    if (!bad)
        bad = sql_check(db, sqlite3_busy_timeout(db, 10000), "busy timeout");
    if (!bad)
        bad = is_init ? init(db, argv[3], argv[4]) : run(db, argv[3]);
    if (!bad && is_init)
        printf("created %s from %s and %s\n", argv[2], argv[3], argv[4]);
    if (sqlite3_close(db) != SQLITE_OK && !bad)
        bad = fail("closing %s: %s", argv[2], sqlite3_errmsg(db));
    if (bad)
        fprintf(stderr, "crm_nightly: %s\n", error_text);
    return bad ? 1 : 0;
}
