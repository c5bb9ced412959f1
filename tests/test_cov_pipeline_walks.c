/* SPDX-License-Identifier: MIT */
/* The pipeline's less common runs walked over every failed allocation and every I/O operation
 * failing once (EIO, ENOSPC, a short transfer, EINTR), beyond the `tiers` run with a state
 * (test_pipeline_state.c) and the report (test_pipeline_report.c): a diff of two policies as text,
 * CSV and JSON; the built-in policies and one policy's text; the lint of a policy file with
 * warnings; the fit report of clv and the scores of two models; explanations (text and JSON)
 * with the state; an override added, removed and listed; and reads of a headerless input, of
 * ';'-separated rows with yyyymmdd dates and a margin, and of account attributes. Each job's output
 * is first checked for what it must say; then a run that fails is TIER_ENOMEM saying "out of
 * memory" (or, for an I/O fault, a status naming the file), writes nothing and leaves every file as
 * it was, no temporary file and no descriptor left; a run that succeeds gives exactly the output of
 * the run that was not disturbed. The summary (tier_pipeline_summary()) follows each output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define ERR_SIZE 2048
#define MAX_FILES 12

/* The files every job starts with; the state is that of a `tiers` run as of 2025-02-01. */
#define IN "d/in.csv"
#define STATE "d/state"
#define POLICY_FILE "d/warn.policy"
#define ACCOUNTS "d/acc.csv"
#define RAW "d/raw.txt"
#define SEMI "d/semi.csv"
#define OUT "d/out.txt"
#define ATTR_POLICY "d/attr.policy"
#define LATER "d/later"
#define NEEDS_POLICY "d/needs.policy"
/* In a job's settings: not a setting but a deferred executor for the run, whose value is the
 * most tasks it starts (0: no limit). */
#define EXECUTOR "(executor)"

/* A policy reading an attribute no customer has (twice, and once inside a quoted text, which
 * is no reading) and routing more accounts to a team than its capacity. */
static const char ATTR_POLICY_TEXT[] = "libtier-policy 1\n"
                                       "name \"attrs\"\n"
                                       "window rev = revenue over all\n"
                                       "flag north when attr.region == \"north\"\n"
                                       "flag south when attr.region == \"south\"\n"
                                       "tier S {\n"
                                       "    rule \"top \\\"attr.fake\\\"\" when rev >= 500\n"
                                       "}\n"
                                       "tier C {\n"
                                       "    rule \"rest\"\n"
                                       "}\n"
                                       "routing {\n"
                                       "    accounts when tier == \"S\"\n"
                                       "    team local \"key desk\" capacity 1 accounts\n"
                                       "}\n";

/* A policy lint warns about: a window nothing uses. */
static const char WARN_POLICY[] = "libtier-policy 1\n"
                                  "name \"warned\"\n"
                                  "window rev = revenue over 1 months\n"
                                  "window unused = purchases over 3 months\n"
                                  "tier S {\n"
                                  "    rule \"top\" when rev >= 1000\n"
                                  "}\n"
                                  "tier C {\n"
                                  "    rule \"rest\"\n"
                                  "}\n";

static const char ACCOUNTS_CSV[] =
    "account_id,industry,employees,module_crm,module_erp,goal_growth\n"
    "acme,retail,120,1,0,0.5\n"
    "bolt,software,15,0,1,0.2\n"
    "cory,retail,4,1,1,0.9\n"
    "dune,logistics,900,0,0,0.1\n";

/* Models declared with options: a number and a list. */
static const char NEEDS_POLICY_TEXT[] =
    "libtier-policy 1\n"
    "name \"needy\"\n"
    "model rfm = rfm (bins = 2)\n"
    "model needs = needs (features = [\"attr.module_crm\", \"attr.module_erp\"], k = 2)\n"
    "tier S {\n    rule \"top\" when rfm.m_score == 2\n}\n"
    "tier C {\n    rule \"rest\"\n}\n";

/* tst_history_log without its header line, whitespace-separated. */
static const char RAW_LOG[] = "acme 2025-01-10 5000\n"
                              "bolt 2025-01-12 700\n"
                              "cory 2025-01-15 40\n"
                              "acme 2025-02-10 100\n"
                              "dune 2025-02-20 900\n";

static const char SEMI_LOG[] = "who;day;paid;gain\n"
                               "acme;20250110;5000;1200\n"
                               "bolt;20250112;700;90\n"
                               "cory;20250115;40;4\n"
                               "acme;20250210;100;20\n"
                               "dune;20250220;900;300\n";

typedef struct job {
    const char *name;
    const char *const *set;    /* key, value, ..., NULL */
    const char *const *expect; /* parts of the output, in order, NULL-terminated */
    int to_file;               /* 1: the output goes to OUT, else to the output callback */
} job;

static const char *const set_1[] = {"input",       IN,           "produce",  "diff",   "policy",
                                    "pareto-sabc", "against",    "b2b-sabc", "format", "text",
                                    "as_of",       "2025-03-01", NULL};
static const char *const set_2[] = {"input",       IN,           "produce",   "diff",   "policy",
                                    "pareto-sabc", "against",    POLICY_FILE, "format", "json",
                                    "as_of",       "2025-03-01", NULL};
static const char *const set_3[] = {"input",   IN,          "produce", "diff", "policy", "b2b-sabc",
                                    "against", POLICY_FILE, "format",  "csv",  NULL};
static const char *const set_4[] = {"produce", "policies", NULL};
static const char *const set_5[] = {"produce", "policies", "policy", "pareto-sabc", NULL};
static const char *const set_5b[] = {"produce", "policies", "policy", POLICY_FILE, NULL};
static const char *const parts_5b[] = {
    "libtier-policy 1\nname \"warned\"\n\nwindow rev = revenue over 1 months\nwindow unused = "
    "purchases over 3 months\n\ntier S {\n    rule \"top\" when rev >= 1000\n}\n",
    NULL};
static const char *const set_6[] = {"produce", "lint", "policy", POLICY_FILE, NULL};
static const char *const set_7[] = {"input", IN, "produce", "fit", "models", "clv", NULL};
static const char *const set_8[] = {"input",      IN,       "produce", "scores", "models",
                                    "rfm,pareto", "format", "json",    NULL};
static const char *const set_9[] = {"input",  IN,      "produce", "explain", "customer",
                                    "acme",   "state", STATE,     "as_of",   "2025-03-01",
                                    "format", "text",  NULL};
static const char *const set_10[] = {"input",  IN,      "produce", "explain", "customer",
                                     "dune",   "state", STATE,     "as_of",   "2025-03-01",
                                     "format", "json",  NULL};
static const char *const set_11[] = {"produce",
                                     "override_add",
                                     "state",
                                     STATE,
                                     "customer",
                                     "bolt",
                                     "override_tier",
                                     "S",
                                     "override_reason",
                                     "key account",
                                     "override_author",
                                     "kim",
                                     "override_until",
                                     "2026-01-01",
                                     NULL};
static const char *const set_12[] = {
    "produce", "override_remove", "state", STATE, "customer", "cory", NULL};
static const char *const set_13[] = {"produce", "override_list", "state", STATE, NULL};
static const char *const set_14[] = {
    "input",     RAW,  "header", "no",  "columns", "customer_id,date,amount",
    "delimiter", "ws", "models", "rfm", "as_of",   "2025-03-01",
    NULL};
static const char *const set_15[] = {"input",       SEMI,       "id",        "who",    "date",
                                     "day",         "amount",   "paid",      "margin", "gain",
                                     "date_format", "yyyymmdd", "delimiter", ";",      "models",
                                     "rfm,pareto",  NULL};
static const char *const set_16[] = {
    "input",  IN,    "accounts", ACCOUNTS,   "as_of",          "2025-03-01",
    "models", "rfm", "policy",   "b2b-sabc", "output_columns", "customer_id,tier,reason",
    NULL};
static const char *const parts_1[] = {
    "before: pareto-sabc\nafter:  b2b-sabc\n",
    "moved: 2 customers (50.0%), revenue 6000.00 (88.4%): 0 up, 2 down",
    "coverage = named account manager                        -         2       -",
    "movers (2):",
    "acme      S            A         down  5100.00",
    "-- summary\n4 customers, 7 transactions, as of 2025-03-01: pareto-sabc against b2b-sabc\n",
    NULL};
static const char *const parts_2[] = {
    "{\"before\":{\"label\":\"pareto-sabc\",",
    "\"after\":{\"label\":\"d/warn.policy\",\"tiers\":[\"S\",\"C\"]}",
    "\"across\":{\"customers\":3,\"revenue\":6720}",
    "{\"tier\":\"A\",\"before\":{\"customers\":0,\"revenue\":0},\"after\":null}",
    "\"movers\":[{\"customer_id\":\"acme\",\"from\":\"S\",\"to\":\"C\",\"move\":\"across\"",
    "moved: 3 customers (75.0%), revenue 6720.00 (99.0%), between different tiers",
    NULL};
static const char *const parts_3[] = {
    "customer_id,from,to,move,revenue,reason_before,reason_after\n",
    "acme,A,C,across,5100,over the cap of S (15% by revenue_12m),rest\n",
    "bolt,B,C,across,720,\"revenue band A/B, low engagement\",rest\n",
    "as of 2025-02-21: b2b-sabc against d/warn.policy", NULL};
static const char *const parts_4[] = {"\nb2b-sabc                        S = top customers",
                                      "\nrfm-8                           important/general (M)",
                                      "-- summary\n", NULL};
static const char *const parts_5[] = {
    "libtier-policy 1\nname \"pareto-sabc\"",
    "tier C {\n    rule \"rest (pareto class C or no purchases)\" when true\n}\n-- summary\n",
    NULL};
static const char *const parts_6[] = {"d/warn.policy:4:8: warning: window unused is never used "
                                      "[unused]\n-- summary\nd/warn.policy: 0 errors, 1 warning\n",
                                      NULL};
static const char *const parts_7[] = {"{\"model\":\"bgnbd\",\"time_unit\":\"week\",\"calibration_"
                                      "end\":\"2025-02-20\",\"customers\":4,",
                                      "\"purchase_model\":{\"name\":\"BG/NBD\"",
                                      "\"spend_model\":{\"name\":\"Gamma-Gamma\"",
                                      "}}\n-- summary\n", NULL};
static const char *const parts_8[] = {"[\n{\"customer_id\":\"acme\",\"r\":11,\"f\":2,\"m\":5100,",
                                      "\"class\":\"A\"}",
                                      "-- summary\n4 customers, 7 transactions\n", NULL};
static const char *const parts_9[] = {
    "customer acme: tier A (over the cap of S (15% by revenue_12m))\n",
    "history (state d/state, run 2 as of 2025-03-01):\n  before this run: A\n  tier: A since "
    "2025-02-01 (dwell 28 days, 2 runs in the tier)\n",
    "  last move: on 2025-02-01, from no tier: over the cap of S (15% by revenue_12m)\n  override: "
    "none\n",
    NULL};
static const char *const parts_10[] = {
    "{\"customer\":\"dune\",\"tier\":\"A\",",
    "\"history\":{\"state\":\"d/"
    "state\",\"run\":2,\"as_of\":\"2025-03-01\",\"tier_before\":\"C\",\"tier\":\"A\",\"since\":"
    "\"2025-03-01\",\"dwell_days\":0,\"runs_in_tier\":1,\"failing\":0,\"previous_tier\":\"C\"",
    "\"override\":null}}", NULL};
static const char *const parts_11[] = {
    "-- summary\noverride of bolt: S until 2026-01-01 (2 overrides in d/state)\n", NULL};
static const char *const parts_12[] = {
    "-- summary\noverride of cory removed (0 overrides left in d/state)\n", NULL};
static const char *const parts_13[] = {
    "customer_id,tier,until,reason,author,created\ncory,A,2025-06-01,\"trial "
    "\"\"pilot\"\"\",lee,2025-02-01\n-- summary\n1 override in d/state\n",
    NULL};
static const char *const parts_14[] = {"acme,A,19,2,5100.00,50,", "dune,A,9,1,900.00,9,",
                                       "4 customers, 5 transactions, as of 2025-03-01\n",
                                       "  A: 2 customers (50.0%), revenue 6000.00 (89.0%)\n", NULL};
static const char *const parts_15[] = {
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,pareto_class,",
    "acme,A,11,2,5100.00,42,", "4 customers, 5 transactions, as of 2025-02-21\n", NULL};
static const char *const parts_16[] = {"customer_id,tier,reason\nacme,A,over the cap of S", NULL};

static const char *const set_17[] = {"input",      IN,       "policy", ATTR_POLICY, "as_of",
                                     "2025-03-01", "models", "rfm",    NULL};
static const char *const parts_17[] = {
    "acme,S,",
    "key desk,\"top \"\"attr.fake\"\"\"\n",
    "bolt,S,",
    ",route_overflow,,",
    "-- warning: the policy reads attr.region, which no customer has: every condition on it is "
    "missing for everyone (no --accounts file)\n-- warning: team \"key desk\": capacity 1 "
    "accounts, 3 routed, 2 over\n-- summary\n",
    NULL};

static const char *const set_18[] = {"input",  IN,      "produce", "explain", "customer",
                                     "dune",   "state", STATE,     "as_of",   "2025-03-01",
                                     "format", "text",  NULL};
static const char *const parts_18[] = {
    "customer dune: tier A (over the cap of S (15% by revenue_12m))\n",
    "  before this run: C\n  tier: A since 2025-03-01 (dwell 0 days, 1 run in the tier)\n", NULL};
static const char *const set_19[] = {"input",  IN,      "produce", "explain", "customer",
                                     "cory",   "state", STATE,     "as_of",   "2025-03-01",
                                     "format", "json",  NULL};
static const char *const parts_19[] = {
    "{\"customer\":\"cory\",\"tier\":\"A\",",
    "\"last_move_reason\":\"override: trial \\\"pilot\\\" (lee, until "
    "2025-06-01)\",\"override\":{\"tier\":\"A\",\"until\":\"2025-06-01\",\"reason\":\"trial "
    "\\\"pilot\\\"\",\"author\":\"lee\"}}}",
    NULL};
static const char *const set_20[] = {"input",  IN,      "produce", "explain", "customer",
                                     "cory",   "state", STATE,     "as_of",   "2025-03-01",
                                     "format", "text",  NULL};
static const char *const parts_20[] = {
    "customer cory: tier A (override: trial \"pilot\" (lee, until 2025-06-01))\n",
    "  override: A until 2025-06-01 (trial \"pilot\", by lee)\n", NULL};

static const char *const set_21[] = {"input",    IN,           "produce", "report", "policy",
                                     "b2b-sabc", "state",      STATE,     "as_of",  "2025-03-01",
                                     "models",   "rfm,pareto", NULL};
static const char *const parts_21[] = {
    "<title>Tier report: b2b-sabc</title>",
    "State: run 2, 2 moves this run.",
    "<h2>Migration",
    "<p>2 customers changed tier; the 2 with the most revenue:</p>",
    "<tr><td class=\"id\">dune</td><td>C</td><td>A</td><td>up</td><td class=\"num\">900.00</td>",
    "<td>override: trial &quot;pilot&quot; (lee, until 2025-06-01)</td></tr>",
    "</html>\n-- summary\n4 customers, 7 transactions, as of 2025-03-01\n",
    "  state: run 2, 2 moves, 1 override\n",
    NULL};

static const char *const set_22[] = {"produce", "diff",   "state", STATE, "against_state",
                                     LATER,     "format", "text",  NULL};
static const char *const parts_22[] = {
    "before: d/state\nafter:  d/later\ncustomers: 4\nmoved: 2 customers (50.0%): 2 up, 0 down\n",
    "\nmovers (2):\n",
    "\ncory ",
    "override: trial \"pilot\" (lee, until 2025-06-01)\n",
    "-- summary\n4 customers, state d/state (run 1, as of 2025-02-01) against d/later (run 2, as "
    "of 2025-03-01)\n  moved: 2 customers (50.0%): 2 up, 0 down\n",
    NULL};
static const char *const set_23[] = {"produce", "diff",  "state", STATE,    "against_state",
                                     LATER,     "input", IN,      "policy", "b2b-sabc",
                                     "format",  "json",  NULL};
static const char *const parts_23[] = {
    "{\"before\":{\"label\":\"d/"
    "state\",\"tiers\":[\"S\",\"A\",\"B\",\"C\"]},\"after\":{\"label\":\"d/later\",",
    "\"customers\":4,\"revenue\":6790,\"ladder\":true,\"moved\":{\"customers\":2,\"revenue\":970,",
    "-- summary\n4 customers, state d/state (run 1, as of 2025-02-01) against d/later (run 2, as "
    "of 2025-03-01)\n",
    NULL};
static const char *const set_24[] = {"produce", "diff",   "state", STATE, "against_state",
                                     STATE,     "format", "csv",   NULL};
static const char *const parts_24[] = {
    "customer_id,from,to,move,revenue,reason_before,reason_after\n-- summary\n4 customers, state "
    "before (run 1, as of 2025-02-01) against after (run 1, as of 2025-02-01)\n  moved: 0 "
    "customers (0.0%): 0 up, 0 down\n",
    NULL};

static const char *const set_25[] = {
    "input",  IN,    "split_min_bytes", "1",          "threads", "3", EXECUTOR, "0",
    "models", "rfm", "as_of",           "2025-03-01", NULL};
static const char *const parts_25[] = {"acme,A,19,2,5100.00,50,", "dune,A,9,1,900.00,9,",
                                       "4 customers, 7 transactions, as of 2025-03-01\n", NULL};
static const char *const set_26[] = {
    "input",     RAW,  "header",          "no",  "columns", "customer_id,date,amount",
    "delimiter", "ws", "split_min_bytes", "1",   "threads", "2",
    EXECUTOR,    "1",  "models",          "rfm", "as_of",   "2025-03-01",
    NULL};
static const char *const set_27[] = {"input",
                                     SEMI,
                                     "id",
                                     "who",
                                     "date",
                                     "day",
                                     "amount",
                                     "paid",
                                     "margin",
                                     "gain",
                                     "date_format",
                                     "yyyymmdd",
                                     "delimiter",
                                     ";",
                                     "models",
                                     "rfm,pareto",
                                     "split_min_bytes",
                                     "1",
                                     "threads",
                                     "4",
                                     EXECUTOR,
                                     "0",
                                     "accounts",
                                     ACCOUNTS,
                                     "policy",
                                     "b2b-sabc",
                                     NULL};

static const char *const set_28[] = {"input",      IN,      "accounts",   ACCOUNTS, "policy",
                                     NEEDS_POLICY, "as_of", "2025-03-01", NULL};
/* The four accounts sit on the corners of a square in (module_crm, module_erp): the split by
 * module_crm ({acme, cory} and {bolt, dune}) and by module_erp are equally good (inertia 4 in
 * standardised units); the canonical seeding (0.5.0) finds the first. Equal sizes: the centre
 * with the lower module_crm, {bolt, dune}, is need_1. */
static const char *const parts_28[] = {
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,need_segment,"
    "reason\n",
    "acme,S,19,2,5100.00,50,1,1,2,need_attention,important_value,need_2,top\n",
    "bolt,C,18,2,720.00,48,1,1,1,need_attention,important_value,need_1,rest\n",
    "cory,C,17,2,70.00,45,2,1,1,potential_loyalists,important_value,need_2,rest\n", NULL};
static const char *const set_29[] = {
    "input",       IN,      "accounts",   ACCOUNTS, "models", "rfm,pareto,needs", "policy",
    "pareto-sabc", "as_of", "2025-03-01", NULL};
static const char *const parts_29[] = {
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,pareto_class,need_"
    "segment,reason\n",
    "acme,S,19,2,5100.00,50,1,2,5,hibernating,important_retain,A,need_2,", NULL};

static const job JOBS[] = {
    {"diff as text", set_1, parts_1, 0},
    {"diff as JSON", set_2, parts_2, 1},
    {"diff as CSV", set_3, parts_3, 0},
    {"the built-in policies", set_4, parts_4, 0},
    {"one policy's text", set_5, parts_5, 0},
    {"a policy file's canonical text", set_5b, parts_5b, 0},
    {"a lint with warnings", set_6, parts_6, 0},
    {"the fit reports", set_7, parts_7, 0},
    {"the scores", set_8, parts_8, 1},
    {"an explanation with the state", set_9, parts_9, 0},
    {"an explanation as JSON with the state", set_10, parts_10, 0},
    {"an override added", set_11, parts_11, 0},
    {"cory's override removed", set_12, parts_12, 0},
    {"the overrides listed", set_13, parts_13, 0},
    {"a headerless input", set_14, parts_14, 0},
    {"';' rows with yyyymmdd dates and a margin", set_15, parts_15, 1},
    {"a policy's warnings", set_17, parts_17, 0},
    {"a read in three parts", set_25, parts_25, 0},
    {"models declared with a number and a list option", set_28, parts_28, 0},
    {"needs with its features from the accounts", set_29, parts_29, 1},
    {"a headerless read in two parts, one task started", set_26, parts_14, 0},
    {"a ';' read with margins and accounts in four parts", set_27, parts_15, 1},
    {"a diff of two snapshots", set_22, parts_22, 0},
    {"a diff of two snapshots with the input and a policy", set_23, parts_23, 1},
    {"a diff of a snapshot with itself", set_24, parts_24, 0},
    {"a report of a built-in policy with the state", set_21, parts_21, 1},
    {"an explanation of a customer new to the state", set_18, parts_18, 0},
    {"an explanation of a pinned customer as JSON", set_19, parts_19, 0},
    {"an explanation of a pinned customer", set_20, parts_20, 0},
    {"account attributes", set_16, parts_16, 0},
};

/* The files before a job: name and bytes. */
typedef struct image {
    const char *name[MAX_FILES];
    unsigned char *data[MAX_FILES];
    size_t len[MAX_FILES];
    size_t n;
} image;

static void image_add(image *im, const char *name, const void *data, size_t len)
{
    im->name[im->n] = name;
    im->data[im->n] = test_malloc(len ? len : 1);
    memcpy(im->data[im->n], data, len);
    im->len[im->n++] = len;
}

static void image_fs(const image *im, tst_faultfs *fs)
{
    size_t i;
    tst_faultfs_init(fs);
    for (i = 0; i < im->n; i++)
        tst_faultfs_put(fs, im->name[i], im->data[i], im->len[i]);
}

/* Every file of im is on fs as it was and there is no other, but for `extra` more files and the
 * file `renamed` (when not NULL: a new state renamed into place before its directory's sync
 * failed). */
static void expect_unchanged(const image *im, const tst_faultfs *fs, int extra, const char *renamed,
                             const char *what)
{
    size_t i, len;
    for (i = 0; i < im->n; i++) {
        if (renamed && strcmp(im->name[i], renamed) == 0)
            continue;
        const unsigned char *d = tst_faultfs_get(fs, im->name[i], &len);
        if (!d || len != im->len[i] || memcmp(d, im->data[i], len) != 0)
            fail_msg("%s changed %s", what, im->name[i]);
    }
    if (tst_faultfs_count(fs) != (int)im->n + extra)
        fail_msg("%s left %d files, not %zu", what, tst_faultfs_count(fs), im->n);
}

/* One run of j on fs with alloc; the output into out (the callback's or the file's), the error
 * text into err. */
static int run_job(const job *j, tst_faultfs *fs, const tier_allocator *alloc, tst_sink *out,
                   char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    tst_exec e;
    size_t i;
    int rc = tier_pipeline_new(&p, alloc);
    if (rc) {
        snprintf(err, ERR_SIZE, "out of memory making the pipeline");
        return rc;
    }
    rc = tier_pipeline_set_io(p, &io);
    if (!rc)
        rc = j->to_file ? tier_pipeline_set(p, "out", OUT)
                        : tier_pipeline_set_output(p, tst_sink_write, out);
    for (i = 0; !rc && j->set[i]; i += 2) {
        if (strcmp(j->set[i], EXECUTOR) == 0) { /* not a setting: the executor the run gets */
            tst_exec_init(&e, TST_EXEC_DEFERRED, (unsigned)atoi(j->set[i + 1]));
            rc = tier_pipeline_set_executor(p, &e.ex);
        } else {
            rc = tier_pipeline_set(p, j->set[i], j->set[i + 1]);
        }
    }
    if (!rc)
        rc = tier_pipeline_run(p);
    snprintf(err, ERR_SIZE, "%s", tier_pipeline_last_error(p));
    if (!rc && j->to_file) {
        size_t len;
        const unsigned char *d = tst_faultfs_get(fs, OUT, &len);
        assert_non_null(d);
        tst_sink_write(out, (const char *)d, len);
    }
    for (i = 0; !rc && i < tier_pipeline_warning_count(p); i++) {
        tst_sink_write(out, "-- warning: ", 12);
        tst_sink_write(out, tier_pipeline_warning(p, i), strlen(tier_pipeline_warning(p, i)));
        tst_sink_write(out, "\n", 1);
    }
    if (!rc) {
        /* The warnings and the summary follow the output, as the command prints them. */
        tier_text *t = NULL;
        rc = tier_text_new(&t, alloc);
        if (!rc && (rc = tier_pipeline_summary(p, t)) == TIER_OK) {
            tst_sink_write(out, "-- summary\n", 11);
            tst_sink_write(out, tier_text_data(t), tier_text_length(t));
        }
        if (rc) {
            /* The run itself succeeded: only the summary's text had no room. */
            tst_expect_oom(rc, "out of memory");
            rc = TIER_OK;
            tst_sink_reset(out);
            tst_sink_write(out, "(no summary)", 12);
        }
        tier_text_free(t);
    }
    tier_pipeline_free(p);
    return rc;
}

typedef struct fixture {
    const job *job;
    image files;
    tst_sink want; /* the output of the run not disturbed */
    long ops;      /* its I/O operations */
} fixture;

static void fixture_make(fixture *fx, const job *j)
{
    static const char *const jan_set[] = {"input", IN, "as_of", "2025-02-01", "state", STATE, NULL};
    static const char *const jan_parts[] = {"customer_id", NULL};
    static const job january = {"January", jan_set, jan_parts, 0};
    static const char *const pin_set[] = {"produce",
                                          "override_add",
                                          "state",
                                          STATE,
                                          "customer",
                                          "cory",
                                          "override_tier",
                                          "A",
                                          "override_reason",
                                          "trial \"pilot\"",
                                          "override_until",
                                          "2025-06-01",
                                          "override_author",
                                          "lee",
                                          NULL};
    static const job pin = {"cory's override", pin_set, jan_parts, 0};
    static const char *const march_set[] = {"input", IN,    "as_of", "2025-03-01",
                                            "state", LATER, NULL};
    static const job march = {"March", march_set, jan_parts, 0};
    char err[ERR_SIZE];
    tst_faultfs fs;
    tst_sink s = {0};
    const unsigned char *d;
    size_t len;
    memset(fx, 0, sizeof *fx);
    fx->job = j;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, IN, tst_history_log, strlen(tst_history_log));
    if (run_job(&january, &fs, TST_ALLOC, &s, err) != TIER_OK)
        fail_msg("January: %s", err);
    tst_sink_reset(&s);
    if (run_job(&pin, &fs, TST_ALLOC, &s, err) != TIER_OK)
        fail_msg("cory's override: %s", err);
    tst_sink_reset(&s);
    d = tst_faultfs_get(&fs, STATE, &len);
    assert_non_null(d);
    image_add(&fx->files, STATE, d, len);
    /* the state after a March run too */
    tst_faultfs_put(&fs, LATER, d, len);
    if (run_job(&march, &fs, TST_ALLOC, &s, err) != TIER_OK)
        fail_msg("March: %s", err);
    tst_sink_reset(&s);
    d = tst_faultfs_get(&fs, LATER, &len);
    assert_non_null(d);
    image_add(&fx->files, LATER, d, len);
    tst_faultfs_clear(&fs);
    image_add(&fx->files, IN, tst_history_log, strlen(tst_history_log));
    image_add(&fx->files, POLICY_FILE, WARN_POLICY, strlen(WARN_POLICY));
    image_add(&fx->files, ACCOUNTS, ACCOUNTS_CSV, strlen(ACCOUNTS_CSV));
    image_add(&fx->files, RAW, RAW_LOG, strlen(RAW_LOG));
    image_add(&fx->files, SEMI, SEMI_LOG, strlen(SEMI_LOG));
    image_add(&fx->files, ATTR_POLICY, ATTR_POLICY_TEXT, strlen(ATTR_POLICY_TEXT));
    image_add(&fx->files, NEEDS_POLICY, NEEDS_POLICY_TEXT, strlen(NEEDS_POLICY_TEXT));
    image_fs(&fx->files, &fs);
    if (run_job(j, &fs, TST_ALLOC, &fx->want, err) != TIER_OK)
        fail_msg("%s: %s", j->name, err);
    assert_int_equal(fs.open_fds, 0);
    fx->ops = fs.ops;
    tst_faultfs_clear(&fs);
    assert_non_null(fx->want.data);
    {
        size_t n = 0;
        while (j->expect[n])
            n++;
        tst_expect_parts(fx->want.data, j->expect, n);
    }
}

static void fixture_free(fixture *fx)
{
    size_t i;
    for (i = 0; i < fx->files.n; i++)
        test_free(fx->files.data[i]);
    tst_sink_reset(&fx->want);
}

/* A run that succeeded gave the output of the undisturbed one; it changed no input, and only
 * the override runs change the state. */
static void expect_success(const fixture *fx, const tst_faultfs *fs, const tst_sink *got,
                           const char *what)
{
    if (got->data && strcmp(got->data, "(no summary)") == 0)
        return; /* the run succeeded; the allocation that failed was the summary's */
    if (!got->data || strcmp(got->data, fx->want.data) != 0)
        fail_msg("%s: %s gave another output:\n%s", fx->job->name, what,
                 got->data ? got->data : "(nothing)");
    assert_int_equal(tst_faultfs_count(fs), (int)fx->files.n + fx->job->to_file);
}

/* A run that failed wrote nothing and changed no file, except the output file when only the
 * sync of its directory failed after the rename (and the message says so). */
static void expect_failure(const fixture *fx, const tst_faultfs *fs, const tst_sink *got,
                           const char *err, const char *what)
{
    if (got->len)
        fail_msg("%s: %s wrote output", fx->job->name, what);
    size_t len;
    int synced = strstr(err, "the new file is in place, but syncing its directory failed") != NULL;
    expect_unchanged(&fx->files, fs, synced && fx->job->to_file && tst_faultfs_get(fs, OUT, &len),
                     synced ? STATE : NULL, what);
}

static int oom_run(const tier_allocator *alloc, void *ud)
{
    const fixture *fx = ud;
    char err[ERR_SIZE];
    tst_faultfs fs;
    tst_sink got = {0};
    int rc;
    image_fs(&fx->files, &fs);
    rc = run_job(fx->job, &fs, alloc, &got, err);
    assert_int_equal(fs.open_fds, 0);
    if (rc == TIER_OK) {
        expect_success(fx, &fs, &got, "a run with every allocation");
    } else {
        tst_expect_oom(rc, err);
        expect_failure(fx, &fs, &got, err, err);
    }
    tst_sink_reset(&got);
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_walks_survive_every_failed_allocation(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(JOBS); i++) {
        fixture fx;
        fixture_make(&fx, &JOBS[i]);
        if (tst_oom_walk(oom_run, &fx) < 10)
            fail_msg("%s: too few allocations to walk", JOBS[i].name);
        fixture_free(&fx);
    }
}

static void test_walks_survive_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    size_t i, k;
    (void)state;
    for (i = 0; i < TST_COUNT(JOBS); i++) {
        fixture fx;
        long n, failed = 0;
        fixture_make(&fx, &JOBS[i]);
        for (k = 0; k < TST_COUNT(kinds); k++) {
            for (n = 1; n <= fx.ops; n++) {
                char err[ERR_SIZE], what[ERR_SIZE + 160];
                tst_faultfs fs;
                tst_sink got = {0};
                int rc;
                image_fs(&fx.files, &fs);
                fs.fail_at = n;
                fs.fail_kind = kinds[k];
                rc = run_job(fx.job, &fs, TST_ALLOC, &got, err);
                tst_fault_outcome(&fs, n, kinds[k], rc, err, what, sizeof what);
                if (rc == TIER_OK) {
                    expect_success(&fx, &fs, &got, what);
                } else {
                    if (!*err)
                        fail_msg("%s: %s without a message", fx.job->name, what);
                    expect_failure(&fx, &fs, &got, err, what);
                    failed++;
                }
                tst_sink_reset(&got);
                tst_faultfs_clear(&fs);
            }
        }
        if (fx.ops && !failed)
            fail_msg("%s: no I/O fault made the run fail", fx.job->name);
        fixture_free(&fx);
    }
}

/* tier_pipeline_retier() after a run, its Nth allocation failing: TIER_ENOMEM saying so and no
 * handle, then (allocations succeeding again) the handle, the same one on the next call, whose
 * tiers are the run's. */
static void test_the_retier_of_a_run_survives_every_failed_allocation(void **state)
{
    static const char *const set[] = {"input", IN, "as_of", "2025-03-01", NULL};
    static const char *const parts[] = {"customer_id", NULL};
    static const job tiers = {"tiers", set, parts, 0};
    long k;
    (void)state;
    for (k = 1;; k++) {
        tst_failing f;
        tier_allocator a;
        tst_faultfs fs;
        tst_sink out = {0};
        tier_io io;
        tier_pipeline *p = NULL;
        tier_retier *rt = NULL, *again = NULL;
        const tier_result *res;
        size_t i;
        int rc;
        memset(&f, 0, sizeof f);
        a = tst_failing_allocator(&f);
        tst_faultfs_init(&fs);
        tst_faultfs_put(&fs, IN, tst_history_log, strlen(tst_history_log));
        io = tst_faultfs_io(&fs);
        assert_int_equal(tier_pipeline_new(&p, &a), TIER_OK);
        assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
        for (i = 0; tiers.set[i]; i += 2)
            assert_int_equal(tier_pipeline_set(p, tiers.set[i], tiers.set[i + 1]), TIER_OK);
        if (tier_pipeline_run(p) != TIER_OK)
            fail_msg("run: %s", tier_pipeline_last_error(p));
        f.fail_at = f.calls + k;
        rc = tier_pipeline_retier(p, &rt);
        if (rc != TIER_OK) {
            tst_expect_oom(rc, tier_pipeline_last_error(p));
            assert_null(rt);
            assert_int_equal(strncmp(tier_pipeline_last_error(p), "retier: ", 8), 0);
            f.fail_at = 0;
            assert_int_equal(tier_pipeline_retier(p, &rt), TIER_OK);
        }
        assert_non_null(rt);
        assert_int_equal(tier_pipeline_retier(p, &again), TIER_OK);
        assert_ptr_equal(again, rt);
        res = tier_pipeline_result(p);
        for (i = 0; i < tier_result_customer_count(res); i++)
            assert_int_equal(tier_retier_tier(rt, i), tier_result_tier(res, i));
        tier_pipeline_free(p);
        tst_sink_reset(&out);
        tst_faultfs_clear(&fs);
        if (f.failures == 0)
            break;
    }
    assert_true(k > 5);
}

/* tier_pipeline_explain() after a run: before any run and after a scores run (no policy) it is
 * TIER_ESTATE; into a text whose allocations fail in turn it is TIER_ENOMEM saying so, else the
 * explanation of the run. */
static void test_explain_after_a_run(void **state)
{
    static const char *const set[] = {"input", IN, "as_of", "2025-03-01", NULL};
    static const char *const scores_set[] = {"input",  IN,    "produce", "scores",
                                             "models", "rfm", NULL};
    static const char *const parts[] = {"customer_id", NULL};
    static const job tiers = {"tiers", set, parts, 0}, scores = {"scores", scores_set, parts, 0};
    tst_faultfs fs;
    tst_sink out = {0};
    tier_io io;
    tier_pipeline *p = NULL;
    tier_text *t = NULL;
    size_t i;
    long k;
    (void)state;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, IN, tst_history_log, strlen(tst_history_log));
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
    assert_int_equal(tier_pipeline_explain(p, "acme", TIER_EXPLAIN_TEXT, t), TIER_ESTATE);
    assert_string_equal(tier_pipeline_last_error(p), "explain: no run has tiered customers yet");
    assert_int_equal(tier_pipeline_explain(p, "acme", 7, t), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "explain: unknown format 7");
    for (i = 0; scores.set[i]; i += 2)
        assert_int_equal(tier_pipeline_set(p, scores.set[i], scores.set[i + 1]), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_int_equal(tier_pipeline_explain(p, "acme", TIER_EXPLAIN_TEXT, t), TIER_ESTATE);
    assert_int_equal(tier_pipeline_set(p, "produce", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "models", NULL), TIER_OK);
    for (i = 0; tiers.set[i]; i += 2)
        assert_int_equal(tier_pipeline_set(p, tiers.set[i], tiers.set[i + 1]), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_int_equal(tier_pipeline_explain(p, "eve", TIER_EXPLAIN_TEXT, t), TIER_ENOTFOUND);
    assert_string_equal(tier_pipeline_last_error(p), "customer \"eve\" is not in d/in.csv");
    for (k = 1;; k++) {
        tst_failing f;
        tier_allocator a;
        tier_text *small = NULL;
        int rc;
        memset(&f, 0, sizeof f);
        f.fail_at = k;
        a = tst_failing_allocator(&f);
        if (tier_text_new(&small, &a) != TIER_OK) {
            assert_int_equal(k, 1);
            continue;
        }
        rc = tier_pipeline_explain(p, "acme", TIER_EXPLAIN_JSON, small);
        if (rc) {
            tst_expect_oom(rc, tier_pipeline_last_error(p));
        } else {
            assert_int_equal(strncmp(tier_text_data(small), "{\"customer\":\"acme\",", 19), 0);
        }
        tier_text_free(small);
        if (f.failures == 0)
            break;
    }
    assert_true(k > 1);
    tier_text_free(t);
    tier_pipeline_free(p);
    tst_sink_reset(&out);
    tst_faultfs_clear(&fs);
}

/* Every job whose output goes to the callback stops when the callback does: TIER_EUSER, "cannot
 * write the output", and no file changed; a job that writes nothing (an override added or
 * removed) never calls it. */
static void test_a_stopped_output_stops_every_job(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(JOBS); i++) {
        char err[ERR_SIZE];
        fixture fx;
        tst_faultfs fs;
        tst_sink got = {0};
        int rc;
        if (JOBS[i].to_file)
            continue;
        fixture_make(&fx, &JOBS[i]);
        image_fs(&fx.files, &fs);
        got.stop_at = 1;
        rc = run_job(fx.job, &fs, TST_ALLOC, &got, err);
        if (rc == TIER_OK) {
            /* only a job without output of its own (its undisturbed output starts with the
             * warnings or the summary run_job adds) may succeed */
            if (strncmp(fx.want.data, "-- ", 3) != 0)
                fail_msg("%s: the callback stopped but the run succeeded", fx.job->name);
        } else {
            if (rc != TIER_EUSER || strncmp(err, "cannot write the output", 23) != 0)
                fail_msg("%s: %s: %s", fx.job->name, tier_status_name(rc), err);
            expect_unchanged(&fx.files, &fs, 0, NULL, err);
        }
        assert_int_equal(fs.open_fds, 0);
        tst_sink_reset(&got);
        tst_faultfs_clear(&fs);
        fixture_free(&fx);
    }
}

/* A lint that finds errors writes its whole report and fails with the counts, in words that
 * agree with them: "1 error, 1 warning", "2 errors, 2 warnings". */
static void test_a_lint_with_errors_writes_its_report_and_fails(void **state)
{
    static const char one[] = "libtier-policy 1\n"
                              "model m = rfm (bins = 99)\n"
                              "window u1 = purchases over 3 months\n"
                              "tier S {\n    rule \"a\" when m.r > 1\n}\n"
                              "tier C {\n    rule \"rest\"\n}\n";
    static const char two[] = "libtier-policy 1\n"
                              "model m = rfm (bins = 99)\n"
                              "window u1 = purchases over 3 months\n"
                              "window u2 = purchases over 6 months\n"
                              "tier S {\n    rule \"a\" when m.nosuch > 1\n}\n"
                              "tier C {\n    rule \"rest\"\n}\n";
    static const struct {
        const char *text, *report_end, *message;
    } cases[] = {
        {one, "d/e.policy:3:8: warning: window u1 is never used [unused]\n",
         "d/e.policy: 1 error, 1 warning"},
        {two,
         "d/e.policy:6:19: error: model m (rfm) has no output 'nosuch'; its outputs: r, f, m, "
         "tenure, r_score, f_score, m_score, segment, value_class [unknown-output]\n",
         "d/e.policy: 2 errors, 2 warnings"},
    };
#define FIRST                                                                                     \
    "d/e.policy:2:16: error: model m (rfm) refuses option 'bins': model \"m\": option \"bins\": " \
    "must be an integer from 2 to 10, not 99 [model-option-value]\n"
    static const char *const set[] = {"produce", "lint", "policy", "d/e.policy", NULL};
    static const char *const parts[] = {"", NULL};
    static const job lint = {"lint", set, parts, 0};
    size_t k;
    (void)state;
    for (k = 0; k < TST_COUNT(cases); k++) {
        char err[ERR_SIZE];
        tst_faultfs fs;
        tst_sink out = {0};
        tst_faultfs_init(&fs);
        tst_faultfs_put(&fs, "d/e.policy", cases[k].text, strlen(cases[k].text));
        assert_int_equal(run_job(&lint, &fs, TST_ALLOC, &out, err), TIER_EINVAL);
        assert_string_equal(err, cases[k].message);
        assert_non_null(out.data);
        assert_true(out.len > strlen(FIRST));
        assert_memory_equal(out.data, FIRST, strlen(FIRST));
        assert_true(out.len > strlen(cases[k].report_end));
        assert_string_equal(out.data + out.len - strlen(cases[k].report_end), cases[k].report_end);
        tst_sink_reset(&out);
        tst_faultfs_clear(&fs);
    }
#undef FIRST
}

TST_MAIN(cmocka_unit_test(test_walks_survive_every_failed_allocation),
         cmocka_unit_test(test_a_stopped_output_stops_every_job),
         cmocka_unit_test(test_explain_after_a_run),
         cmocka_unit_test(test_a_lint_with_errors_writes_its_report_and_fails),
         cmocka_unit_test(test_walks_survive_every_failed_operation),
         cmocka_unit_test(test_the_retier_of_a_run_survives_every_failed_allocation))
