/* SPDX-License-Identifier: MIT */
/* Generates the synthetic B2B example data set: examples/data/b2b_accounts.csv (one row per
 * account), examples/data/b2b_invoices.csv (customer_id,date,amount,margin) and
 * examples/data/b2b_contracts.csv (customer_id,plan,start,end,amount,period,status: the yearly
 * terms of the subscription customers, drawn from a second generator after the other two files,
 * so that adding them changed no byte of those).
 *
 *   gen_b2b [--seed N] [--accounts N] OUTDIR
 *
 * The output depends only on the seed and the account count: the generator has its own PRNG and
 * uses nothing but integer arithmetic and IEEE +, -, *, / (no libm, no locale, no qsort ties), so
 * every platform writes the same bytes. The committed files were made with the defaults
 * (seed 20250701, 2000 accounts); examples/data/README-b2b.md describes the columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SEED 20250701u
#define DEFAULT_ACCOUNTS 2000

/* ---- deterministic numbers ---------------------------------------------------------------- */

typedef struct rng {
    unsigned long long s;
} rng;

/* splitmix64: a full-period 64-bit generator with good output mixing. */
static unsigned long long next_u64(rng *r)
{
    unsigned long long z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double uniform(rng *r)
{
    return (double)(next_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double between(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * uniform(r);
}

/* Uniform integer in [lo, hi]. */
static long irange(rng *r, long lo, long hi)
{
    return lo + (long)(next_u64(r) % (unsigned long long)(hi - lo + 1));
}

/* Approximately standard normal: the sum of 12 uniforms minus 6 (Irwin-Hall), libm-free. */
static double normal(rng *r)
{
    double s = 0;
    int i;
    for (i = 0; i < 12; i++)
        s += uniform(r);
    return s - 6.0;
}

#define LN2 0.69314718055994530942

/* exp(x) by range reduction to |r| <= ln2/2 and a Taylor series: only +, -, *, /. */
static double my_exp(double x)
{
    double k, rr, term = 1, sum = 1;
    long n;
    int i;
    if (x > 700)
        x = 700;
    if (x < -700)
        x = -700;
    n = (long)(x / LN2 + (x >= 0 ? 0.5 : -0.5));
    k = (double)n;
    rr = x - k * LN2;
    for (i = 1; i < 25; i++) {
        term *= rr / i;
        sum += term;
    }
    while (n > 0) {
        sum *= 2;
        n--;
    }
    while (n < 0) {
        sum *= 0.5;
        n++;
    }
    return sum;
}

/* log(x) for x > 0, libm-free. */
static double my_log(double x)
{
    double y, y2, term, sum = 0;
    int e = 0, i;
    while (x >= 2) {
        x *= 0.5;
        e++;
    }
    while (x < 1) {
        x *= 2;
        e--;
    }
    /* log(x) = 2 atanh((x-1)/(x+1)) for x in [1, 2). */
    y = (x - 1) / (x + 1);
    y2 = y * y;
    term = y;
    for (i = 1; i < 60; i += 2) {
        sum += term / i;
        term *= y2;
    }
    return 2 * sum + e * LN2;
}

/* Exponential with the given mean, by inversion. */
static double exponential(rng *r, double mean)
{
    return -mean * my_log(1.0 - uniform(r));
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Rounds to the nearest integer, halves away from zero (no libm). */
static long long round_ll(double x)
{
    return x >= 0 ? (long long)(x + 0.5) : -(long long)(-x + 0.5);
}

/* ---- dates -------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, long m, long d)
{
    long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, char *out)
{
    long era, doe, yoe, y, doy, mp, d, m;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    sprintf(out, "%04ld-%02ld-%02ld", y, m, d);
}

/* ---- the model of the accounts ------------------------------------------------------------ */

enum { SCOPE_NATIONAL, SCOPE_REGIONAL, SCOPE_CITY };
enum { LC_NEW, LC_GROWING, LC_MATURE, LC_DECLINING, LC_DORMANT, LC_CHURNED };
enum { NEED_SALES, NEED_OPERATIONS, NEED_COMPLIANCE, NEED_SUITE };

static const char *const scope_name[] = {"national", "regional", "city"};

static const char *const regions[5] = {"North", "South", "East", "West", "Central"};
static const char *const cities[5][4] = {{"Minneapolis", "Milwaukee", "Detroit", "Fargo"},
                                         {"Atlanta", "Houston", "Miami", "Nashville"},
                                         {"Boston", "Philadelphia", "Baltimore", "Hartford"},
                                         {"Seattle", "Portland", "Sacramento", "San Diego"},
                                         {"Chicago", "St. Louis", "Kansas City", "Omaha"}};

static const char *const industries[10] = {
    "Retail",       "Manufacturing", "Logistics", "Healthcare", "Hospitality",
    "Construction", "Software",      "Wholesale", "Education",  "Finance"};
/* Need profile most common per industry (the others appear too). */
static const int industry_need[10] = {
    NEED_SALES,      NEED_OPERATIONS, NEED_OPERATIONS, NEED_COMPLIANCE, NEED_SALES,
    NEED_OPERATIONS, NEED_SALES,      NEED_OPERATIONS, NEED_COMPLIANCE, NEED_COMPLIANCE};

static const char *const name_first[16] = {
    "Blue",    "Summit",  "Granite",   "Harbor",  "Pioneer",  "Maple",    "Silver", "Keystone",
    "Prairie", "Coastal", "Northstar", "Redwood", "Lakeside", "Ironwood", "Beacon", "Evergreen"};
static const char *const name_second[16] = {
    "Supply",   "Foods",   "Works", "Health",   "Logistics", "Systems", "Partners", "Trading",
    "Builders", "Markets", "Labs",  "Services", "Goods",     "Academy", "Capital",  "Hotels"};
static const char *const name_suffix[4] = {"Inc", "LLC", "Co", "Group"};

/* Usage probability of CRM, ERP, BI, HR and mean goal weights (growth, cost, compliance) per
 * need profile. */
static const double need_modules[4][4] = {{0.95, 0.20, 0.55, 0.10},
                                          {0.55, 0.90, 0.25, 0.45},
                                          {0.50, 0.60, 0.30, 0.80},
                                          {0.95, 0.90, 0.85, 0.80}};
static const double need_goals[4][3] = {
    {0.65, 0.20, 0.15}, {0.20, 0.65, 0.15}, {0.15, 0.25, 0.60}, {0.40, 0.35, 0.25}};

typedef struct account {
    int scope, region, city, industry, lifecycle, need;
    long parent; /* index of the parent account, -1 for none */
    long employees;
    double arr, margin, growth;
    long start; /* relationship start (may be before the data window) */
    long first; /* first invoice day; -1 when the account has none yet */
    long last;  /* last invoice day (inclusive) */
    long arrears, defaults, tickets, payment, referrals;
    int modules[4];
    int goals[3];        /* hundredths, summing to 100 */
    int progress, users; /* hundredths */
    int has_growth;
    char name[64];
} account;

typedef struct invoice {
    long day;
    long account;
    long seq;
    long long cents;
    long long margin_cents;
} invoice;

static int cmp_invoice(const void *a, const void *b)
{
    const invoice *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->account != y->account)
        return x->account < y->account ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Shares of the lifecycle archetypes, in per mille. */
static int pick_lifecycle(rng *r)
{
    static const int cum[6] = {90, 240, 640, 790, 890, 1000};
    long u = irange(r, 0, 999);
    int i;
    for (i = 0; i < 6; i++)
        if (u < cum[i])
            break;
    return i;
}

static void make_account(rng *r, account *a, long index, long d0, long d1)
{
    double z = normal(r), u = uniform(r), base;
    int i;
    long as_of = d1 + 1;
    a->scope = u < 0.03 ? SCOPE_NATIONAL : u < 0.15 ? SCOPE_REGIONAL : SCOPE_CITY;
    a->region = (int)irange(r, 0, 4);
    a->city = (int)irange(r, 0, 3);
    a->industry = (int)irange(r, 0, 9);
    a->need = uniform(r) < 0.6 ? industry_need[a->industry] : (int)irange(r, 0, 3);
    a->parent = -1;
    a->lifecycle = pick_lifecycle(r);
    /* Size: one latent factor drives employees and contract value (heavy-tailed revenue). */
    if (a->scope == SCOPE_NATIONAL) {
        a->employees = round_ll(2500 * my_exp(0.7 * z));
        base = 420000;
    } else if (a->scope == SCOPE_REGIONAL) {
        a->employees = round_ll(350 * my_exp(0.7 * z));
        base = 70000;
    } else {
        a->employees = round_ll(35 * my_exp(0.9 * z));
        base = 9000;
    }
    if (a->employees < 3)
        a->employees = 3;
    a->arr = base * my_exp(0.8 * (0.8 * z + 0.6 * normal(r)));
    a->margin =
        clamp(0.36 + 0.07 * normal(r) - (a->scope == SCOPE_NATIONAL ? 0.06 : 0), 0.08, 0.65);
    {
        /* One draw per statement: argument evaluation order differs between compilers. */
        long w1 = irange(r, 0, 15), w2 = irange(r, 0, 15), w3 = irange(r, 0, 3);
        sprintf(a->name, "%s %s %s", name_first[w1], name_second[w2], name_suffix[w3]);
    }
    (void)index;

    /* Active period by lifecycle archetype. */
    switch (a->lifecycle) {
    case LC_NEW:
        a->first = as_of - irange(r, 5, 85);
        a->start = a->first - irange(r, 0, 20);
        a->last = d1;
        /* A few have signed but have not been invoiced yet. */
        if (uniform(r) < 0.08)
            a->first = -1;
        break;
    case LC_GROWING:
        a->start = uniform(r) < 0.5 ? d0 - irange(r, 30, 2500) : irange(r, d0, as_of - 300);
        a->first = a->start < d0 ? d0 + irange(r, 0, 20) : a->start;
        a->last = d1;
        break;
    case LC_MATURE:
        a->start = uniform(r) < 0.75 ? d0 - irange(r, 100, 3600) : irange(r, d0, as_of - 400);
        a->first = a->start < d0 ? d0 + irange(r, 0, 30) : a->start;
        a->last = d1;
        break;
    case LC_DECLINING:
        a->start = uniform(r) < 0.7 ? d0 - irange(r, 100, 3600) : irange(r, d0, as_of - 450);
        a->first = a->start < d0 ? d0 + irange(r, 0, 30) : a->start;
        a->last = d1 - irange(r, 0, 60);
        break;
    case LC_DORMANT:
        a->start = uniform(r) < 0.6 ? d0 - irange(r, 100, 3000) : irange(r, d0, as_of - 500);
        a->first = a->start < d0 ? d0 + irange(r, 0, 30) : a->start;
        a->last = as_of - irange(r, 190, 355);
        break;
    default: /* churned */
        a->start = uniform(r) < 0.6 ? d0 - irange(r, 100, 3000) : irange(r, d0, d0 + 200);
        a->first = a->start < d0 ? d0 + irange(r, 0, 30) : a->start;
        a->last = as_of - irange(r, 380, 700);
        if (a->last < a->first + 30)
            a->last = a->first + 30;
        break;
    }

    /* Growth over the last year, as the account team records it. */
    a->has_growth = a->lifecycle != LC_NEW && a->start < as_of - 365;
    switch (a->lifecycle) {
    case LC_GROWING:
        a->growth = 0.35 + 0.12 * normal(r);
        break;
    case LC_MATURE:
        a->growth = 0.03 + 0.06 * normal(r);
        break;
    case LC_DECLINING:
        a->growth = -0.30 + 0.10 * normal(r);
        break;
    case LC_DORMANT:
        a->growth = -0.55 + 0.15 * normal(r);
        break;
    default:
        a->growth = -1.0;
        break;
    }

    /* Risk: arrears, defaults, payment behaviour (worse on the way out). */
    {
        static const double zero_p[6] = {0.85, 0.75, 0.72, 0.45, 0.35, 0.25};
        static const double mean[6] = {10, 15, 18, 40, 60, 75};
        int lc = a->lifecycle;
        a->arrears =
            uniform(r) < zero_p[lc] ? 0 : round_ll(clamp(exponential(r, mean[lc]), 1, 365));
        a->defaults = 0;
        if (a->arrears > 60 && uniform(r) < 0.4)
            a->defaults++;
        if (a->arrears > 120 && uniform(r) < 0.35)
            a->defaults++;
        a->payment = round_ll(clamp(
            96 - 0.35 * (double)a->arrears - 15.0 * (double)a->defaults + 4 * normal(r), 0, 100));
    }

    /* Modules and goals from the need profile. */
    for (i = 0; i < 4; i++) {
        double p = need_modules[a->need][i];
        if (i == 2 && a->scope == SCOPE_NATIONAL)
            p = p + (1 - p) * 0.5;
        if (i == 3 && a->employees > 500)
            p = p + (1 - p) * 0.4;
        a->modules[i] = uniform(r) < p;
    }
    if (!a->modules[0] && !a->modules[1] && !a->modules[2] && !a->modules[3])
        a->modules[a->need == NEED_SALES ? 0 : 1] = 1;
    {
        double g[3], s = 0;
        for (i = 0; i < 3; i++) {
            g[i] = clamp(need_goals[a->need][i] + 0.08 * normal(r), 0.01, 1);
            s += g[i];
        }
        a->goals[0] = (int)round_ll(100 * g[0] / s);
        a->goals[1] = (int)round_ll(100 * g[1] / s);
        if (a->goals[0] + a->goals[1] > 100)
            a->goals[1] = 100 - a->goals[0];
        a->goals[2] = 100 - a->goals[0] - a->goals[1];
    }

    /* Support load grows with size and breadth of use. */
    {
        int nmod = a->modules[0] + a->modules[1] + a->modules[2] + a->modules[3];
        double lam = 1.5 * my_exp(0.35 * my_log((double)a->employees)) * (0.6 + 0.2 * nmod);
        a->tickets = round_ll(clamp(lam * my_exp(0.4 * normal(r)), 0, 5000));
    }
    a->referrals = round_ll(
        clamp(my_exp(0.8 * normal(r) +
                     (a->lifecycle == LC_MATURE || a->lifecycle == LC_GROWING ? 0.5 : -0.3)) -
                  1.2,
              0, 40));

    /* Implementation progress and the share of licensed users who are active. */
    if (a->lifecycle == LC_NEW) {
        long days = as_of - a->start;
        double p = clamp((double)days / 110.0 + 0.12 * normal(r), 0.02, 1.0);
        a->progress = (int)round_ll(100 * p);
        a->users = (int)round_ll(100 * clamp(0.75 * p + 0.1 * normal(r), 0, 1));
    } else if (a->start < d0 - 5 * 365 && uniform(r) < 0.3) {
        /* Relationships older than the implementation tracking have no figures on file. */
        a->progress = a->users = -1;
    } else {
        static const double users_mean[6] = {0, 0.80, 0.78, 0.50, 0.18, 0.05};
        a->progress =
            (int)round_ll(100 * clamp(uniform(r) < 0.85 ? 1.0 : between(r, 0.6, 1.0), 0, 1));
        a->users = (int)round_ll(100 * clamp(users_mean[a->lifecycle] + 0.1 * normal(r), 0, 1));
    }
}

/* Spend multiplier of an archetype on day `d` of its active period. */
static double spend_trend(const account *a, long d, long d1)
{
    double t = (double)(d - (d1 - 540)) / 540.0; /* 0 eighteen months before the end, 1 at it */
    if (t < 0)
        t = 0;
    switch (a->lifecycle) {
    case LC_GROWING:
        return 0.45 + 1.35 * t * t;
    case LC_DECLINING:
        return 1.45 - 1.05 * t;
    case LC_DORMANT:
    case LC_CHURNED:
        return 1.1 - 0.5 * (double)(d - a->first) / (double)(a->last - a->first + 1);
    default:
        return 1.0;
    }
}

static int grow_invoices(invoice **inv, size_t *cap, size_t n)
{
    if (n < *cap)
        return 0;
    *cap = *cap ? *cap * 2 : 4096;
    *inv = realloc(*inv, *cap * sizeof **inv);
    return *inv == NULL;
}

static int make_invoices(rng *r, const account *a, long index, long d0, long d1, invoice **inv,
                         size_t *n, size_t *cap)
{
    /* Billing cycle by scope: chains are invoiced weekly or fortnightly, single-city accounts
     * monthly; each invoice bills the contract for its cycle, with usage-driven variation and
     * now and then a project or stock-up order on top. */
    static const long cycle[3] = {7, 14, 30};
    double per_invoice = a->arr * (double)cycle[a->scope] / 365.0;
    long d, seq = 0;
    if (a->first < d0)
        return 0; /* also: not invoiced yet (first = -1) */
    d = a->first;
    while (d <= a->last && d <= d1) {
        double amount = per_invoice * spend_trend(a, d, d1) * my_exp(0.12 * normal(r));
        long long cents;
        if (uniform(r) < 0.02)
            amount *= between(r, 1.3, 2.2);
        cents = uniform(r) < 0.002 ? 0 : round_ll(amount * 100);
        if (grow_invoices(inv, cap, *n + 2))
            return 1;
        (*inv)[*n].day = d;
        (*inv)[*n].account = index;
        (*inv)[*n].seq = seq++;
        (*inv)[*n].cents = cents;
        (*inv)[*n].margin_cents =
            round_ll((double)cents * clamp(a->margin + 0.04 * normal(r), -0.2, 0.9));
        (*n)++;
        /* Occasionally part of an invoice is credited back a few weeks later. */
        if (cents > 0 && uniform(r) < 0.015) {
            long rd = d + irange(r, 3, 40);
            if (rd <= d1) {
                long long back = round_ll((double)cents * between(r, 0.1, 1.0));
                (*inv)[*n].day = rd;
                (*inv)[*n].account = index;
                (*inv)[*n].seq = seq++;
                (*inv)[*n].cents = -back;
                (*inv)[*n].margin_cents = -round_ll((double)back * a->margin);
                (*n)++;
            }
        }
        /* Next cycle, give or take a few days; single-city accounts skip a month now and then. */
        d += cycle[a->scope] + irange(r, -2, 2);
        if (a->scope == SCOPE_CITY && uniform(r) < 0.03)
            d += cycle[a->scope];
    }
    return 0;
}

static void put_money(FILE *f, long long cents)
{
    long long u = cents < 0 ? -cents : cents;
    fprintf(f, "%s%lld.%02lld", cents < 0 ? "-" : "", u / 100, u % 100);
}

static void put_hundredths(FILE *f, long v)
{
    if (v >= 100)
        fprintf(f, "%ld", v / 100);
    else
        fprintf(f, "0.%02ld", v);
}

static void put_thousandths(FILE *f, long long v)
{
    long long u = v < 0 ? -v : v;
    fprintf(f, "%s%lld.%03lld", v < 0 ? "-" : "", u / 1000, u % 1000);
}

static int write_accounts(const char *path, const account *acc, long n, long d1)
{
    FILE *f = fopen(path, "wb");
    long i;
    char date[16];
    if (!f)
        return 1;
    fputs("account_id,name,industry,region,city,scope,parent_account,employees,contract_arr,"
          "gross_margin,years_cooperation,arrears_days,defaults,support_tickets,payment_score,"
          "referrals,growth_rate,modules_used,module_crm,module_erp,module_bi,module_hr,"
          "goal_growth,goal_cost,goal_compliance,implementation_progress,active_users_share,"
          "onboarding_started\n",
          f);
    for (i = 0; i < n; i++) {
        const account *a = &acc[i];
        long years10 = (long)round_ll((double)(d1 + 1 - a->start) / 36.525);
        fprintf(f, "ACC%05ld,%s,%s,%s,%s,%s,", i + 1, a->name, industries[a->industry],
                regions[a->region], cities[a->region][a->city], scope_name[a->scope]);
        if (a->parent >= 0)
            fprintf(f, "ACC%05ld", a->parent + 1);
        fprintf(f, ",%ld,", a->employees);
        put_money(f, round_ll(a->arr * 100));
        fputc(',', f);
        put_thousandths(f, round_ll(a->margin * 1000));
        fprintf(f, ",%ld.%ld,%ld,%ld,%ld,%ld,%ld,", years10 / 10, years10 % 10, a->arrears,
                a->defaults, a->tickets, a->payment, a->referrals);
        if (a->has_growth)
            put_thousandths(f, round_ll(a->growth * 1000));
        fprintf(f, ",%d,%d,%d,%d,%d,",
                a->modules[0] + a->modules[1] + a->modules[2] + a->modules[3], a->modules[0],
                a->modules[1], a->modules[2], a->modules[3]);
        put_hundredths(f, a->goals[0]);
        fputc(',', f);
        put_hundredths(f, a->goals[1]);
        fputc(',', f);
        put_hundredths(f, a->goals[2]);
        fputc(',', f);
        if (a->progress >= 0)
            put_hundredths(f, a->progress);
        fputc(',', f);
        if (a->users >= 0)
            put_hundredths(f, a->users);
        fputc(',', f);
        /* The onboarding date is on file for relationships of the last three years. */
        if (a->start >= d1 + 1 - 3 * 365) {
            civil_from_days(a->start, date);
            fputs(date, f);
        }
        fputc('\n', f);
    }
    return fclose(f) != 0;
}

static int write_invoices(const char *path, const invoice *inv, size_t n)
{
    FILE *f = fopen(path, "wb");
    size_t i;
    char date[16];
    if (!f)
        return 1;
    fputs("customer_id,date,amount,margin\n", f);
    for (i = 0; i < n; i++) {
        civil_from_days(inv[i].day, date);
        fprintf(f, "ACC%05ld,%s,", inv[i].account + 1, date);
        put_money(f, inv[i].cents);
        fputc(',', f);
        put_money(f, inv[i].margin_cents);
        fputc('\n', f);
    }
    return fclose(f) != 0;
}

/* ---- contracts ------------------------------------------------------------------------------ */

/* The plan of an annual contract value: core, plus or enterprise. */
static const char *plan_of(double annual)
{
    return annual < 6000 ? "core" : annual < 15000 ? "plus" : "enterprise";
}

/* The contracts of the subscription customers: about half of the single-city accounts (billed
 * monthly), with yearly terms from the relationship start. A term's amount is the contract value
 * times the account's spend trend at its start (so growing accounts expand at renewal and
 * declining ones contract, which may move them to another plan); about 30% state the annual value
 * (period yearly), the others the monthly one. Terms that ended by the last day are renewed; the
 * term running then is active; an account whose invoices stopped (dormant, churned) cancelled at
 * the end of the month its last invoice covers. Rows are sorted by account, then start. */
static int write_contracts(const char *path, const account *acc, long n, long d1,
                           unsigned long long seed)
{
    FILE *f = fopen(path, "wb");
    rng r2;
    long i, rows = 0;
    if (!f)
        return 1;
    r2.s = seed ^ 0x5c0e7ac75ULL;
    fputs("customer_id,plan,start,end,amount,period,status\n", f);
    for (i = 0; i < n; i++) {
        const account *a = &acc[i];
        int yearly;
        long s;
        double pick = uniform(&r2), keep = 0.5;
        yearly = uniform(&r2) < 0.3;
        if (a->last < d1) {
            /* An account whose invoices stopped cancels after its k-th renewal: it is kept as a
             * subscription customer more often the sooner it left, so that the risk of leaving
             * falls with tenure as in real subscription books (the sBG model's premise). */
            long k = (a->last - a->start) / 365;
            keep = 1.0 / (1.0 + 0.9 * (double)(k < 0 ? 0 : k));
        }
        if (a->scope != SCOPE_CITY || pick >= keep)
            continue;
        for (s = a->start; s <= d1; s += 365) {
            long e = s + 365, td = s;
            const char *status = e <= d1 ? "renewed" : "active";
            double annual;
            char sd[16], ed[16];
            if (a->first >= 0 && td < a->first)
                td = a->first;
            if (a->first >= 0 && td > a->last)
                td = a->last;
            annual = a->arr * spend_trend(a, td, d1);
            if (a->last < d1 && e > a->last) {
                /* The last term: cancelled when the invoices stopped. */
                if (a->last + 30 < e)
                    e = a->last + 30;
                status = "cancelled";
            }
            civil_from_days(s, sd);
            civil_from_days(e, ed);
            fprintf(f, "ACC%05ld,%s,%s,%s,", i + 1, plan_of(annual), sd, ed);
            put_money(f, round_ll((yearly ? annual : annual / 12) * 100));
            fprintf(f, ",%s,%s\n", yearly ? "yearly" : "monthly", status);
            rows++;
            if (status[0] == 'c')
                break;
        }
    }
    printf("gen_b2b: %ld contracts\n", rows);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    unsigned long long seed = DEFAULT_SEED;
    long n = DEFAULT_ACCOUNTS, i, nnational = 0, nregional = 0;
    long *national, *regional;
    const char *dir = NULL;
    char path[4096];
    account *acc;
    invoice *inv = NULL;
    size_t ninv = 0, cap = 0;
    long d0 = days_from_civil(2023, 1, 1), d1 = days_from_civil(2025, 6, 30);
    rng r;
    int argi;

    for (argi = 1; argi < argc; argi++) {
        if (strcmp(argv[argi], "--seed") == 0 && argi + 1 < argc)
            seed = strtoull(argv[++argi], NULL, 10);
        else if (strcmp(argv[argi], "--accounts") == 0 && argi + 1 < argc)
            n = strtol(argv[++argi], NULL, 10);
        else if (argv[argi][0] != '-' && !dir)
            dir = argv[argi];
        else
            dir = NULL, argi = argc;
    }
    if (!dir || n < 1 || n > 99999) {
        fprintf(stderr, "usage: gen_b2b [--seed N] [--accounts N (1..99999)] OUTDIR\n");
        return 2;
    }
    r.s = seed;
    acc = calloc((size_t)n, sizeof *acc);
    national = calloc((size_t)n, sizeof *national);
    regional = calloc((size_t)n, sizeof *regional);
    if (!acc || !national || !regional) {
        fprintf(stderr, "gen_b2b: out of memory\n");
        return 1;
    }
    for (i = 0; i < n; i++) {
        make_account(&r, &acc[i], i, d0, d1);
        if (acc[i].scope == SCOPE_NATIONAL)
            national[nnational++] = i;
        else if (acc[i].scope == SCOPE_REGIONAL)
            regional[nregional++] = i;
    }
    /* Chains: some regional accounts belong to a national one, some city accounts to a regional
     * or national one; a parent is always of a wider scope, so there are no cycles. */
    for (i = 0; i < n; i++) {
        account *a = &acc[i];
        if (a->scope == SCOPE_REGIONAL && nnational && uniform(&r) < 0.30)
            a->parent = national[irange(&r, 0, nnational - 1)];
        else if (a->scope == SCOPE_CITY && uniform(&r) < 0.12) {
            if (nregional && uniform(&r) < 0.6)
                a->parent = regional[irange(&r, 0, nregional - 1)];
            else if (nnational)
                a->parent = national[irange(&r, 0, nnational - 1)];
        }
        if (a->parent >= 0) {
            /* A branch sits in its parent's region, mostly in its own city. */
            a->region = acc[a->parent].region;
            if (uniform(&r) < 0.3)
                a->city = acc[a->parent].city;
        }
    }
    for (i = 0; i < n; i++)
        if (make_invoices(&r, &acc[i], i, d0, d1, &inv, &ninv, &cap)) {
            fprintf(stderr, "gen_b2b: out of memory\n");
            return 1;
        }
    /* Keys (day, account, seq) are unique, so the order does not depend on the sort used. */
    qsort(inv, ninv, sizeof *inv, cmp_invoice);
    snprintf(path, sizeof path, "%s/b2b_accounts.csv", dir);
    if (write_accounts(path, acc, n, d1)) {
        fprintf(stderr, "gen_b2b: cannot write %s\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s/b2b_invoices.csv", dir);
    if (write_invoices(path, inv, ninv)) {
        fprintf(stderr, "gen_b2b: cannot write %s\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s/b2b_contracts.csv", dir);
    if (write_contracts(path, acc, n, d1, seed)) {
        fprintf(stderr, "gen_b2b: cannot write %s\n", path);
        return 1;
    }
    printf("gen_b2b: %ld accounts, %lu invoices (seed %llu)\n", n, (unsigned long)ninv, seed);
    free(inv);
    free(acc);
    free(national);
    free(regional);
    return 0;
}
