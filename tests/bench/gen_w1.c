/*
 * gen_w1.c - deterministic generator for benchmark workload W1
 * (see docs/performance.md and tests/bench/README.md).
 *
 *   gen_w1 --transactions N --customers K --seed S [--repeat-share P] --out FILE
 *
 * Output: CSV with header "customer_id,date,amount".
 *   customer_id  "C" + 7 zero-padded digits (ids are scattered over
 *                0..9999999 by a seeded bijection, not dense 1..K)
 *   date         ISO date, 2022-01-01 .. 2024-12-31
 *   amount       > 0, exactly two decimals (formatted from integer cents)
 * Rows are in date order and in random order within a day.  With the default
 * --repeat-share 0 a customer never has two rows on the same day, so
 * "transactions" == "purchase days".  With --repeat-share P (a whole percent,
 * 0..90) each row after a customer's first is, with probability P%, a repeat:
 * another purchase on a day the customer already buys on (its own amount), so
 * transactions > purchase days.  P = 0 writes exactly the files of earlier
 * versions (the repeat draws come from a stream of their own).
 * Every one of the K customers has at least one transaction.
 *
 * Distributions:
 *   - activity weight per customer ~ lognormal; the N-K transactions beyond
 *     the first one per customer are thrown as a multinomial over those
 *     weights (so counts are Poisson-like given the weight, overdispersed
 *     overall), capped at the number of days;
 *   - typical ticket per customer ~ lognormal, each purchase is the ticket
 *     times a uniform factor in [0.5, 1.5); account size = count x ticket is
 *     heavy-tailed (a few large accounts, many small);
 *   - each customer is active in a random window of days, and its purchase
 *     days are a uniform random subset of that window (Floyd's algorithm).
 *
 * Portability: only integer arithmetic is used (own splitmix64 PRNG, lognormal
 * via an Irwin-Hall normal approximation and a fixed-point 2^x), so the output
 * is byte-identical on every platform and compiler for the same arguments.
 *
 * Memory: O(K) for per-customer counts plus a bounded window of rows
 * (WINDOW_ROWS x 8 bytes).  The customers' streams are regenerated for each
 * window of days, which keeps memory modest at 10M rows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDAYS 1096u            /* 2022-01-01 .. 2024-12-31 */
#define ID_SPACE 10000000u     /* 7 digits */
#define WINDOW_ROWS (1u << 22) /* rows buffered per output window (32 MiB) */
#define OUTBUF_SIZE (1u << 20)

/* distribution parameters (fixed-point) */
#define ACT_MEDIAN 4096u           /* activity weight median */
#define ACT_SIGMA_Q8 443           /* lognormal sigma (ln) 1.2  -> 1.2/ln2 * 256 */
#define TICKET_MEDIAN_CENTS 13000u /* typical ticket median: 130.00 */
#define TICKET_SIGMA_Q8 333        /* lognormal sigma (ln) 0.9  -> 0.9/ln2 * 256 */
#define MAX_CENTS 99999999u

/* ---------------------------------------------------------------- PRNG */

static uint64_t sm64_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* independent stream for (seed, tag, index) */
static uint64_t stream_init(uint64_t seed, uint32_t tag, uint32_t index)
{
    uint64_t s = seed ^ 0x6A09E667F3BCC908ULL;
    uint64_t k = ((uint64_t)tag << 32) | index;
    s += k * 0xD1B54A32D192ED03ULL;
    (void)sm64_next(&s);
    s ^= sm64_next(&s);
    return s;
}

/* uniform in [0, n), n <= 2^32 (multiply-shift; negligible bias) */
static uint32_t bounded(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((sm64_next(s) >> 32) * (uint64_t)n) >> 32);
}

/* approx standard normal in Q16: Irwin-Hall sum of 12 uniforms minus 6 */
static int64_t normal_q16(uint64_t *s)
{
    int64_t sum = 0;
    int i;
    for (i = 0; i < 3; i++) {
        uint64_t r = sm64_next(s);
        sum += (int64_t)(r & 0xFFFF) + (int64_t)((r >> 16) & 0xFFFF) +
               (int64_t)((r >> 32) & 0xFFFF) + (int64_t)(r >> 48);
    }
    return sum - 6 * 65536;
}

/* 2^(k/16) in Q30, k = 0..16 */
static const uint64_t POW2_TAB[17] = {
    1073741824u, 1121280436u, 1170923762u, 1222764986u, 1276901417u, 1333434672u,
    1392470869u, 1454120821u, 1518500250u, 1585730000u, 1655936265u, 1729250827u,
    1805811301u, 1885761398u, 1969251188u, 2056437387u, 2147483648u};

/* 2^(e/65536) in Q32, e clamped to [-16, 16] * 65536 */
static uint64_t pow2_q32(int64_t e)
{
    int64_t i, frac;
    uint64_t m;
    if (e > 16 * 65536)
        e = 16 * 65536;
    if (e < -16 * 65536)
        e = -16 * 65536;
    i = (e >= 0) ? e / 65536 : -((-e + 65535) / 65536); /* floor */
    frac = e - i * 65536;                               /* 0..65535 */
    m = POW2_TAB[frac >> 12] +
        (((POW2_TAB[(frac >> 12) + 1] - POW2_TAB[frac >> 12]) * (uint64_t)(frac & 4095)) >> 12);
    m <<= 2; /* Q32 */
    return (i >= 0) ? (m << i) : (m >> (-i));
}

/* median * exp(sigma * Z), sigma given as sigma/ln2 in Q8 */
static uint64_t lognormal(uint64_t *s, uint64_t median, int64_t sigma_log2_q8)
{
    int64_t e = normal_q16(s) * sigma_log2_q8 / 256;
    return (median * pow2_q32(e)) >> 32;
}

static int ctz64(uint64_t b) /* b != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(b);
#else
    int n = 0;
    while (!(b & 1)) {
        b >>= 1;
        n++;
    }
    return n;
#endif
}

static uint32_t popcount64(uint64_t b)
{
    b = b - ((b >> 1) & 0x5555555555555555ULL);
    b = (b & 0x3333333333333333ULL) + ((b >> 2) & 0x3333333333333333ULL);
    b = (b + (b >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (uint32_t)((b * 0x0101010101010101ULL) >> 56);
}

/* ---------------------------------------------------------------- model */

typedef struct {
    uint64_t seed;
    uint32_t ncust;
    const uint32_t *count; /* transactions per customer */
    uint32_t repeat_pct;   /* chance in percent that a row after the first is a repeat */
} model;

/* per-customer generated state */
typedef struct {
    uint64_t rng;
    uint32_t ticket;                  /* cents */
    uint32_t start;                   /* first day of the active window */
    uint32_t len;                     /* window length in days (>= days) */
    uint32_t days;                    /* distinct purchase days (count minus repeats) */
    uint64_t rep_rng;                 /* the repeats' own stream */
    uint16_t extra[NDAYS];            /* repeat rows per chosen day, relative to start */
    uint64_t bits[(NDAYS + 63) / 64]; /* chosen days, relative to start */
} cust_state;

/* draws ticket and the active window; cheap, done before deciding to skip */
static void cust_begin(const model *md, uint32_t ci, cust_state *cs)
{
    uint32_t c = md->count[ci], j;
    uint64_t t, u;
    cs->days = c;
    if (md->repeat_pct) { /* repeats from their own stream: P = 0 draws nothing here */
        cs->rep_rng = stream_init(md->seed, 6, ci);
        for (j = 1; j < c; j++)
            if (bounded(&cs->rep_rng, 100) < md->repeat_pct)
                cs->days--;
    }
    cs->rng = stream_init(md->seed, 1, ci);
    t = lognormal(&cs->rng, TICKET_MEDIAN_CENTS, TICKET_SIGMA_Q8);
    if (t < 50)
        t = 50;
    if (t > 5000000)
        t = 5000000;
    cs->ticket = (uint32_t)t;
    u = sm64_next(&cs->rng) >> 32; /* 32-bit uniform */
    u = (u * u) >> 32;             /* skew to short windows */
    cs->len = cs->days + (uint32_t)(((uint64_t)(NDAYS - cs->days) * u) >> 32);
    cs->start = bounded(&cs->rng, NDAYS - cs->len + 1);
}

/* chooses the customer's distinct days out of the window (Floyd's algorithm), then gives each
 * repeat row one of them (uniformly, from the repeats' stream) */
static void cust_days(const model *md, uint32_t ci, cust_state *cs)
{
    uint32_t c = cs->days, L = cs->len, j, r;
    memset(cs->bits, 0, ((L + 63) / 64) * sizeof(uint64_t));
    for (j = L - c; j < L; j++) {
        uint32_t t = bounded(&cs->rng, j + 1);
        if (cs->bits[t >> 6] >> (t & 63) & 1)
            cs->bits[j >> 6] |= (uint64_t)1 << (j & 63);
        else
            cs->bits[t >> 6] |= (uint64_t)1 << (t & 63);
    }
    if (!md->repeat_pct)
        return;
    memset(cs->extra, 0, L * sizeof cs->extra[0]);
    for (r = md->count[ci] - c; r > 0; r--) {
        /* the k-th chosen day, k uniform */
        uint32_t k = bounded(&cs->rep_rng, c), w = 0;
        for (;; w++) {
            uint32_t n = popcount64(cs->bits[w]);
            if (k < n)
                break;
            k -= n;
        }
        {
            uint64_t b = cs->bits[w];
            while (k--)
                b &= b - 1;
            cs->extra[w * 64 + (uint32_t)ctz64(b)]++;
        }
    }
}

/* rows of the customer on day offset `off` of its window (1 + its repeats) */
static uint32_t rows_on(const model *md, const cust_state *cs, uint32_t off)
{
    return 1 + (md->repeat_pct ? cs->extra[off] : 0);
}

/* ---------------------------------------------------------------- counts */

/* Counts: 1 per customer plus a multinomial of (N-K) over lognormal weights,
 * sampled with an exact integer Walker/Vose alias table. */
static uint32_t *make_counts(uint64_t seed, uint64_t ntx, uint32_t ncust)
{
    uint32_t *count = malloc((size_t)ncust * sizeof *count);
    uint64_t *q = malloc((size_t)ncust * sizeof *q);
    uint32_t *alias = malloc((size_t)ncust * sizeof *alias);
    uint32_t *small = malloc((size_t)ncust * sizeof *small);
    uint32_t *large = malloc((size_t)ncust * sizeof *large);
    uint64_t W = 0, extra, rng, k;
    uint32_t i, ns = 0, nl = 0;

    if (!count || !q || !alias || !small || !large) {
        fprintf(stderr, "gen_w1: out of memory\n");
        exit(1);
    }
    for (i = 0; i < ncust; i++) {
        uint64_t r = stream_init(seed, 2, i);
        uint64_t w = lognormal(&r, ACT_MEDIAN, ACT_SIGMA_Q8);
        if (w < 1)
            w = 1;
        q[i] = w;
        W += w;
        count[i] = 1;
    }
    for (i = 0; i < ncust; i++) {
        q[i] *= ncust; /* compared against W */
        if (q[i] < W)
            small[ns++] = i;
        else
            large[nl++] = i;
        alias[i] = i;
    }
    while (ns > 0 && nl > 0) {
        uint32_t s = small[--ns], l = large[--nl];
        alias[s] = l; /* q[s] stays as the acceptance threshold */
        q[l] -= W - q[s];
        if (q[l] < W)
            small[ns++] = l;
        else
            large[nl++] = l;
    }
    while (ns > 0)
        q[small[--ns]] = W;
    while (nl > 0)
        q[large[--nl]] = W;
    free(small);
    free(large);

    extra = ntx - ncust;
    rng = stream_init(seed, 3, 0);
    for (k = 0; k < extra;) {
        uint32_t b = bounded(&rng, ncust);
        uint64_t r = sm64_next(&rng) % W;
        uint32_t pick = (r < q[b]) ? b : alias[b];
        if (count[pick] >= NDAYS)
            continue; /* at most one row per day */
        count[pick]++;
        k++;
    }
    free(q);
    free(alias);
    return count;
}

/* ---------------------------------------------------------------- output */

typedef struct {
    FILE *f;
    char *buf;
    size_t len;
    uint64_t bytes;
} outbuf;

static void out_flush(outbuf *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        fprintf(stderr, "gen_w1: write error: %s\n", strerror(errno));
        exit(1);
    }
    o->bytes += o->len;
    o->len = 0;
}

static char DATES[NDAYS][11];

static void make_dates(void)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint32_t d = 0;
    int y, m, dd;
    for (y = 2022; y <= 2024; y++)
        for (m = 1; m <= 12; m++) {
            int n = mdays[m - 1] + (m == 2 && y % 4 == 0);
            for (dd = 1; dd <= n; dd++, d++)
                sprintf(DATES[d], "%04d-%02d-%02d", y, m, dd);
        }
    if (d != NDAYS) {
        fprintf(stderr, "gen_w1: internal error: %u days\n", d);
        exit(1);
    }
}

typedef struct {
    uint32_t cust;
    uint32_t cents;
} row;

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    if (*end == 'k' || *end == 'K') {
        v *= 1000ULL;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        v *= 1000000ULL;
        end++;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_w1 --transactions N --customers K --seed S [--repeat-share P] --out FILE\n"
            "  N, K accept k/M suffixes (e.g. 10M); K <= 9999999; K <= N <= K*%u\n"
            "  P: percent (0..90, default 0) of rows after a customer's first that repeat a\n"
            "  purchase on one of its days (0: never two rows of a customer on one day)\n"
            "  FILE '-' writes to stdout\n",
            NDAYS);
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t ntx = 0, ncust64 = 0, seed = 1;
    uint32_t repeat_pct = 0;
    const char *outpath = NULL;
    int i, have_n = 0, have_k = 0;
    uint32_t ncust, ci, d, d0;
    uint32_t *count;
    uint64_t daycount[NDAYS], idmul, idadd;
    model md;
    cust_state cs;
    row *rows;
    uint32_t pos[NDAYS];
    outbuf o;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--transactions")) {
            if (parse_u64(argv[++i], &ntx))
                usage();
            have_n = 1;
        } else if (!strcmp(a, "--customers")) {
            if (parse_u64(argv[++i], &ncust64))
                usage();
            have_k = 1;
        } else if (!strcmp(a, "--seed")) {
            if (parse_u64(argv[++i], &seed))
                usage();
        } else if (!strcmp(a, "--repeat-share")) {
            uint64_t pct;
            if (parse_u64(argv[++i], &pct) || pct > 90)
                usage();
            repeat_pct = (uint32_t)pct;
        } else if (!strcmp(a, "--out"))
            outpath = argv[++i];
        else
            usage();
    }
    if (!have_n || !have_k || !outpath)
        usage();
    if (ncust64 < 1 || ncust64 >= ID_SPACE || ntx < ncust64 || ntx > ncust64 * NDAYS) {
        fprintf(stderr,
                "gen_w1: need 1 <= customers <= %u and customers <= transactions <= customers*%u\n",
                ID_SPACE - 1, NDAYS);
        return 2;
    }
    ncust = (uint32_t)ncust64;
    make_dates();

    /* customer index -> id: bijection x -> (a*x + b) mod 10^7, a coprime to 10 */
    {
        uint64_t r = stream_init(seed, 4, 0);
        idmul = 1000003 + 2 * (sm64_next(&r) % 4000000); /* odd */
        while (idmul % 5 == 0)
            idmul += 2;
        idadd = sm64_next(&r) % ID_SPACE;
    }

    count = make_counts(seed, ntx, ncust);
    md.seed = seed;
    md.ncust = ncust;
    md.count = count;
    md.repeat_pct = repeat_pct;

    /* pass 1: rows per day */
    memset(daycount, 0, sizeof daycount);
    for (ci = 0; ci < ncust; ci++) {
        uint32_t w;
        cust_begin(&md, ci, &cs);
        cust_days(&md, ci, &cs);
        for (w = 0; w < (cs.len + 63) / 64; w++) {
            uint64_t b = cs.bits[w];
            while (b) {
                int bit = ctz64(b);
                daycount[cs.start + w * 64 + (uint32_t)bit] +=
                    rows_on(&md, &cs, w * 64 + (uint32_t)bit);
                b &= b - 1;
            }
        }
    }

    rows = malloc((size_t)WINDOW_ROWS * sizeof *rows);
    o.buf = malloc(OUTBUF_SIZE);
    if (!rows || !o.buf) {
        fprintf(stderr, "gen_w1: out of memory\n");
        return 1;
    }
    if (!strcmp(outpath, "-"))
        o.f = stdout;
    else
        o.f = fopen(outpath, "wb");
    if (!o.f) {
        fprintf(stderr, "gen_w1: cannot open %s: %s\n", outpath, strerror(errno));
        return 1;
    }
    o.len = 0;
    o.bytes = 0;
    memcpy(o.buf, "customer_id,date,amount\n", 24);
    o.len = 24;

    /* pass 2..: windows of whole days holding <= WINDOW_ROWS rows (at least one day) */
    for (d0 = 0; d0 < NDAYS;) {
        uint32_t d1 = d0;
        uint64_t total = 0;
        row *wrows = rows;
        while (d1 < NDAYS && (d1 == d0 || total + daycount[d1] <= WINDOW_ROWS))
            total += daycount[d1++];
        if (total > WINDOW_ROWS) { /* a single huge day */
            free(rows);
            rows = wrows = malloc((size_t)total * sizeof *rows);
            if (!rows) {
                fprintf(stderr, "gen_w1: out of memory\n");
                return 1;
            }
        }
        {
            uint32_t acc = 0;
            for (d = d0; d < d1; d++) {
                pos[d] = acc;
                acc += (uint32_t)daycount[d];
            }
        }
        for (ci = 0; ci < ncust; ci++) {
            uint32_t w;
            cust_begin(&md, ci, &cs);
            if (cs.start >= d1 || cs.start + cs.len <= d0)
                continue;
            cust_days(&md, ci, &cs);
            for (w = 0; w < (cs.len + 63) / 64; w++) {
                uint64_t b = cs.bits[w];
                while (b) {
                    int bit = ctz64(b);
                    uint32_t day = cs.start + w * 64 + (uint32_t)bit;
                    uint32_t rep, nrep = rows_on(&md, &cs, w * 64 + (uint32_t)bit);
                    for (rep = 0; rep < nrep; rep++) {
                        /* the day's first row from the customer's stream as always, repeats
                         * from theirs */
                        uint64_t *rs = rep ? &cs.rep_rng : &cs.rng;
                        uint64_t cents = ((uint64_t)cs.ticket * (512 + bounded(rs, 1024))) >> 10;
                        if (cents < 1)
                            cents = 1;
                        if (cents > MAX_CENTS)
                            cents = MAX_CENTS;
                        if (day >= d0 && day < d1) {
                            row *r = &wrows[pos[day]++];
                            r->cust = ci;
                            r->cents = (uint32_t)cents;
                        }
                    }
                    b &= b - 1;
                }
            }
        }
        /* shuffle within each day, then format */
        {
            uint32_t start = 0;
            for (d = d0; d < d1; d++) {
                uint32_t n = (uint32_t)daycount[d], j;
                row *dr = wrows + start;
                uint64_t rng = stream_init(seed, 5, d);
                for (j = n; j > 1; j--) {
                    uint32_t k = bounded(&rng, j);
                    row tmp = dr[j - 1];
                    dr[j - 1] = dr[k];
                    dr[k] = tmp;
                }
                for (j = 0; j < n; j++) {
                    char *p;
                    uint32_t id = (uint32_t)((idmul * dr[j].cust + idadd) % ID_SPACE);
                    uint32_t c = dr[j].cents, units = c / 100, cc = c % 100;
                    char tmpd[12];
                    int nd = 0, q;
                    if (o.len + 64 > OUTBUF_SIZE)
                        out_flush(&o);
                    p = o.buf + o.len;
                    p[0] = 'C';
                    for (q = 7; q >= 1; q--) {
                        p[q] = (char)('0' + id % 10);
                        id /= 10;
                    }
                    p[8] = ',';
                    memcpy(p + 9, DATES[d], 10);
                    p[19] = ',';
                    p += 20;
                    do {
                        tmpd[nd++] = (char)('0' + units % 10);
                        units /= 10;
                    } while (units);
                    while (nd)
                        *p++ = tmpd[--nd];
                    p[0] = '.';
                    p[1] = (char)('0' + cc / 10);
                    p[2] = (char)('0' + cc % 10);
                    p[3] = '\n';
                    p += 4;
                    o.len = (size_t)(p - o.buf);
                }
                start += n;
            }
        }
        d0 = d1;
    }
    out_flush(&o);
    if (o.f != stdout && fclose(o.f) != 0) {
        fprintf(stderr, "gen_w1: close error: %s\n", strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen_w1: %llu transactions, %u customers, seed %llu, %llu bytes -> %s\n",
            (unsigned long long)ntx, ncust, (unsigned long long)seed, (unsigned long long)o.bytes,
            outpath);
    free(rows);
    free(o.buf);
    free(count);
    return 0;
}
