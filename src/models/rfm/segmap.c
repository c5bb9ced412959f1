/* SPDX-License-Identifier: MIT */
/* Segment maps: ordered named boxes over the R x F (x M) score grid; first match wins. The text
 * format and the check rules are specified in docs/segment-maps.md. */
#include <stdio.h>
#include <string.h>

#include "models/rfm/segmap_internal.h"

#define SEGMAP_DIMS 3
#define SEGMAP_MAX_SCORE 10
#define SEGMAP_MAX_SEGMENTS 1024
#define SEGMAP_MAX_NAME 64

typedef struct segmap_segment {
    size_t name;             /* offset into names */
    uint8_t lo[SEGMAP_DIMS]; /* 0 = dimension left open */
    uint8_t hi[SEGMAP_DIMS];
} segmap_segment;

struct tier_segmap {
    tier_allocator alloc;
    size_t count;
    segmap_segment *segs;
    char *names; /* NUL-separated names */
    size_t names_len;
    int grid; /* score scale the map is written for (5 for built-ins), 0 = the model's own bins */
};

static const char dim_letter[SEGMAP_DIMS] = {'r', 'f', 'm'};

/* A built-in segment: name and inclusive ranges for r, f, m (0,0 = open). */
typedef struct builtin_segment {
    const char *name;
    uint8_t r_lo, r_hi, f_lo, f_hi, m_lo, m_hi;
} builtin_segment;

/* The 10-segment R x F map; every one of the 25 cells belongs to exactly one segment. */
static const builtin_segment rf10[] = {
    {"champions", 5, 5, 4, 5, 0, 0},
    {"loyal_customers", 3, 4, 4, 5, 0, 0},
    {"potential_loyalists", 4, 5, 2, 3, 0, 0},
    {"new_customers", 5, 5, 1, 1, 0, 0},
    {"promising", 4, 4, 1, 1, 0, 0},
    {"need_attention", 3, 3, 3, 3, 0, 0},
    {"about_to_sleep", 3, 3, 1, 2, 0, 0},
    {"cant_lose_them", 1, 2, 5, 5, 0, 0},
    {"at_risk", 1, 2, 3, 4, 0, 0},
    {"hibernating", 1, 2, 1, 2, 0, 0},
};

/* The 8-class map: "high" is a score of 3..5 in every dimension (a high R score = recent). */
static const builtin_segment rfm8[] = {
    {"important_value", 3, 5, 3, 5, 3, 5}, {"important_develop", 3, 5, 1, 2, 3, 5},
    {"important_keep", 1, 2, 3, 5, 3, 5},  {"important_retain", 1, 2, 1, 2, 3, 5},
    {"general_value", 3, 5, 3, 5, 1, 2},   {"general_develop", 3, 5, 1, 2, 1, 2},
    {"general_keep", 1, 2, 3, 5, 1, 2},    {"general_retain", 1, 2, 1, 2, 1, 2},
};

/* ---- building ---------------------------------------------------------------------------- */

/* A map under construction: grows its arrays, then hands them to a tier_segmap. */
typedef struct segmap_builder {
    const tier_allocator *alloc;
    segmap_segment *segs;
    size_t count, cap;
    char *names;
    size_t names_len, names_cap;
} segmap_builder;

static void builder_free(segmap_builder *b)
{
    tier__free(b->alloc, b->segs);
    tier__free(b->alloc, b->names);
}

static int builder_add(segmap_builder *b, const char *name, size_t len, const uint8_t *lo,
                       const uint8_t *hi)
{
    int rc;
    size_t need;
    if (b->count >= SEGMAP_MAX_SEGMENTS)
        return TIER_ERANGE;
    rc = tier__grow(b->alloc, (void **)&b->segs, &b->cap, b->count + 1, sizeof *b->segs);
    if (rc)
        return rc;
    need = b->names_len + len + 1;
    rc = tier__grow(b->alloc, (void **)&b->names, &b->names_cap, need, 1);
    if (rc)
        return rc;
    memcpy(b->names + b->names_len, name, len);
    b->names[b->names_len + len] = '\0';
    b->segs[b->count].name = b->names_len;
    memcpy(b->segs[b->count].lo, lo, SEGMAP_DIMS);
    memcpy(b->segs[b->count].hi, hi, SEGMAP_DIMS);
    b->names_len = need;
    b->count++;
    return TIER_OK;
}

static int builder_finish(segmap_builder *b, tier_segmap **out, int grid)
{
    tier_segmap *map = tier__malloc(b->alloc, sizeof *map);
    if (!map)
        return TIER_ENOMEM;
    map->alloc = *b->alloc;
    map->count = b->count;
    map->segs = b->segs;
    map->names = b->names;
    map->names_len = b->names_len;
    map->grid = grid;
    b->segs = NULL;
    b->names = NULL;
    *out = map;
    return TIER_OK;
}

int tier_segmap_new_builtin(tier_segmap **out, int which, const tier_allocator *alloc)
{
    const builtin_segment *def;
    size_t n, i;
    tier_allocator a;
    segmap_builder b;
    int rc = TIER_OK;

    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (which == TIER_SEGMAP_RF10) {
        def = rf10;
        n = sizeof rf10 / sizeof rf10[0];
    } else if (which == TIER_SEGMAP_RFM8) {
        def = rfm8;
        n = sizeof rfm8 / sizeof rfm8[0];
    } else {
        return TIER_EINVAL;
    }
    tier__alloc_init(&a, alloc);
    memset(&b, 0, sizeof b);
    b.alloc = &a;
    for (i = 0; i < n && rc == TIER_OK; i++) {
        uint8_t lo[SEGMAP_DIMS], hi[SEGMAP_DIMS];
        lo[0] = def[i].r_lo;
        hi[0] = def[i].r_hi;
        lo[1] = def[i].f_lo;
        hi[1] = def[i].f_hi;
        lo[2] = def[i].m_lo;
        hi[2] = def[i].m_hi;
        rc = builder_add(&b, def[i].name, strlen(def[i].name), lo, hi);
    }
    if (rc == TIER_OK)
        rc = builder_finish(&b, out, 5);
    builder_free(&b);
    return rc;
}

/* ---- parsing ----------------------------------------------------------------------------- */

static void parse_error(tier_text *error, size_t line, const char *msg, const char *detail,
                        size_t detail_len)
{
    char buf[256];
    int n;
    if (!error)
        return;
    if (detail_len > 40)
        detail_len = 40;
    if (detail)
        n = snprintf(buf, sizeof buf, "line %lu: %s '%.*s'", (unsigned long)line, msg,
                     (int)detail_len, detail);
    else
        n = snprintf(buf, sizeof buf, "line %lu: %s", (unsigned long)line, msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    tier_text_clear(error);
    /* A failure to store the message still reports TIER_EPARSE. */
    (void)tier_text_append(error, buf, (size_t)n);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads a score 1..10 at s[*i]; returns 0 when there is none or it is out of range. */
static int read_score(const char *s, size_t len, size_t *i, int *out)
{
    int v = 0;
    size_t start = *i;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        if (v > 1000)
            v = 1000; /* saturate: any value this big is out of range anyway */
        (*i)++;
    }
    if (*i == start)
        return 0;
    *out = v;
    return 1;
}

/* Parses one segment line (comment and blanks already trimmed). */
static int parse_segment(segmap_builder *b, const char *s, size_t len, size_t line,
                         tier_text *error)
{
    size_t i = 0, name_len, k;
    uint8_t lo[SEGMAP_DIMS] = {0, 0, 0}, hi[SEGMAP_DIMS] = {0, 0, 0};
    int rc;

    while (i < len && is_name_char(s[i]))
        i++;
    name_len = i;
    if (name_len == 0 || (i < len && s[i] != ':' && !is_blank(s[i]))) {
        size_t end = 0;
        while (end < len && !is_blank(s[end]) && s[end] != ':')
            end++;
        parse_error(error, line, "segment name must be letters a-z, digits and '_':", s,
                    end ? end : 1);
        return TIER_EPARSE;
    }
    if (name_len > SEGMAP_MAX_NAME) {
        parse_error(error, line, "segment name longer than 64 bytes:", s, name_len);
        return TIER_EPARSE;
    }
    while (i < len && is_blank(s[i]))
        i++;
    if (i >= len || s[i] != ':') {
        parse_error(error, line, "expected ':' after the segment name", s, name_len);
        return TIER_EPARSE;
    }
    i++;
    for (;;) {
        size_t start;
        int d, a, z;
        while (i < len && is_blank(s[i]))
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && !is_blank(s[i]))
            i++;
        /* One range: <dim>=<a> or <dim>=<a>-<b>. */
        k = start;
        switch (s[k]) {
        case 'r':
            d = 0;
            break;
        case 'f':
            d = 1;
            break;
        case 'm':
            d = 2;
            break;
        default:
            d = -1;
            break;
        }
        if (d < 0 || k + 1 >= i || s[k + 1] != '=') {
            parse_error(error, line, "expected r=, f= or m= with a score range, got", s + start,
                        i - start);
            return TIER_EPARSE;
        }
        if (lo[d]) {
            parse_error(error, line, "dimension given twice:", s + start, i - start);
            return TIER_EPARSE;
        }
        k += 2;
        if (!read_score(s, i, &k, &a)) {
            parse_error(error, line, "expected a score after '=' in", s + start, i - start);
            return TIER_EPARSE;
        }
        z = a;
        if (k < i && s[k] == '-') {
            k++;
            if (!read_score(s, i, &k, &z)) {
                parse_error(error, line, "expected a score after '-' in", s + start, i - start);
                return TIER_EPARSE;
            }
        }
        if (k != i) {
            parse_error(error, line, "unexpected text in range", s + start, i - start);
            return TIER_EPARSE;
        }
        if (a < 1 || a > SEGMAP_MAX_SCORE || z < 1 || z > SEGMAP_MAX_SCORE) {
            parse_error(error, line, "scores must lie in 1..10:", s + start, i - start);
            return TIER_EPARSE;
        }
        if (a > z) {
            parse_error(error, line, "range runs backwards:", s + start, i - start);
            return TIER_EPARSE;
        }
        lo[d] = (uint8_t)a;
        hi[d] = (uint8_t)z;
    }
    for (k = 0; k < b->count; k++) {
        const char *other = b->names + b->segs[k].name;
        if (strlen(other) == name_len && memcmp(other, s, name_len) == 0) {
            parse_error(error, line, "duplicate segment name", s, name_len);
            return TIER_EPARSE;
        }
    }
    rc = builder_add(b, s, name_len, lo, hi);
    if (rc == TIER_ERANGE)
        parse_error(error, line, "too many segments (at most 1024)", NULL, 0);
    return rc;
}

int tier_segmap_parse(tier_segmap **out, const char *text, size_t len, const tier_allocator *alloc,
                      tier_text *error)
{
    tier_allocator a;
    segmap_builder b;
    size_t pos = 0, line = 0;
    int have_header = 0, rc = TIER_OK;

    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!text && len) {
        parse_error(error, 1, "no text", NULL, 0);
        return TIER_EPARSE;
    }
    tier__alloc_init(&a, alloc);
    memset(&b, 0, sizeof b);
    b.alloc = &a;
    while (pos < len && rc == TIER_OK) {
        size_t start = pos, end, k;
        const char *nl = memchr(text + pos, '\n', len - pos);
        end = nl ? (size_t)(nl - text) : len;
        pos = nl ? end + 1 : len;
        line++;
        for (k = start; k < end; k++) {
            if (text[k] == '\0') {
                parse_error(error, line, "NUL byte in the text", NULL, 0);
                rc = TIER_EPARSE;
                break;
            }
        }
        if (rc)
            break;
        /* Strip the comment, then surrounding blanks. */
        for (k = start; k < end; k++)
            if (text[k] == '#')
                break;
        end = k;
        while (start < end && is_blank(text[start]))
            start++;
        while (end > start && is_blank(text[end - 1]))
            end--;
        if (start == end)
            continue;
        if (!have_header) {
            static const char magic[] = "libtier-segmap";
            size_t ml = sizeof magic - 1, v = start + ml;
            if (end - start < ml || memcmp(text + start, magic, ml) != 0 || v >= end ||
                !is_blank(text[v])) {
                parse_error(error, line, "expected the header 'libtier-segmap 1', got",
                            text + start, end - start);
                rc = TIER_EPARSE;
                break;
            }
            while (v < end && is_blank(text[v]))
                v++;
            if (end - v != 1 || text[v] != '1') {
                parse_error(error, line,
                            "unsupported segment map version (this library reads 1):", text + v,
                            end - v);
                rc = TIER_EPARSE;
                break;
            }
            have_header = 1;
            continue;
        }
        rc = parse_segment(&b, text + start, end - start, line, error);
    }
    if (rc == TIER_OK && !have_header) {
        parse_error(error, line ? line : 1, "empty map: expected the header 'libtier-segmap 1'",
                    NULL, 0);
        rc = TIER_EPARSE;
    }
    if (rc == TIER_OK)
        rc = builder_finish(&b, out, 0);
    builder_free(&b);
    return rc;
}

/* ---- access ------------------------------------------------------------------------------ */

void tier_segmap_free(tier_segmap *map)
{
    tier_allocator a;
    if (!map)
        return;
    a = map->alloc;
    tier__free(&a, map->segs);
    tier__free(&a, map->names);
    tier__free(&a, map);
}

size_t tier_segmap_count(const tier_segmap *map)
{
    return map ? map->count : 0;
}

const char *tier_segmap_name(const tier_segmap *map, size_t i)
{
    if (!map || i >= map->count)
        return NULL;
    return map->names + map->segs[i].name;
}

static int segment_matches(const segmap_segment *s, const int *score)
{
    int d;
    for (d = 0; d < SEGMAP_DIMS; d++)
        if (s->lo[d] && (score[d] < s->lo[d] || score[d] > s->hi[d]))
            return 0;
    return 1;
}

int tier_segmap_lookup(const tier_segmap *map, int r, int f, int m)
{
    int score[SEGMAP_DIMS];
    size_t i;
    if (!map)
        return -1;
    score[0] = r;
    score[1] = f;
    score[2] = m;
    for (i = 0; i < map->count; i++)
        if (segment_matches(&map->segs[i], score))
            return (int)i;
    return -1;
}

int tier__segmap_copy(tier_segmap **out, const tier_segmap *src, const tier_allocator *alloc)
{
    tier_segmap *map;
    map = tier__malloc(alloc, sizeof *map);
    if (!map)
        return TIER_ENOMEM;
    map->alloc = *alloc;
    map->count = src->count;
    map->names_len = src->names_len;
    map->grid = src->grid;
    map->segs = tier__calloc(alloc, src->count ? src->count : 1, sizeof *map->segs);
    map->names = tier__malloc(alloc, src->names_len ? src->names_len : 1);
    if (!map->segs || !map->names) {
        tier__free(alloc, map->segs);
        tier__free(alloc, map->names);
        tier__free(alloc, map);
        return TIER_ENOMEM;
    }
    if (src->count)
        memcpy(map->segs, src->segs, src->count * sizeof *map->segs);
    if (src->names_len)
        memcpy(map->names, src->names, src->names_len);
    *out = map;
    return TIER_OK;
}

int tier__segmap_grid(const tier_segmap *map)
{
    return map ? map->grid : 0;
}

/* ---- checking ---------------------------------------------------------------------------- */

/* A small growable report that is handed to the caller's text in one append (all or nothing). */
typedef struct report_buf {
    const tier_allocator *alloc;
    char *data;
    size_t len, cap;
    int failed;
} report_buf;

static void report_add(report_buf *r, const char *s, size_t n)
{
    if (r->failed || !r->alloc)
        return;
    if (tier__grow(r->alloc, (void **)&r->data, &r->cap, r->len + n + 1, 1)) {
        r->failed = 1;
        return;
    }
    memcpy(r->data + r->len, s, n);
    r->len += n;
    r->data[r->len] = '\0';
}

static void report_str(report_buf *r, const char *s)
{
    report_add(r, s, strlen(s));
}

static void report_cell(report_buf *r, const int *dims, size_t ndims, const int *score)
{
    size_t d;
    char buf[16];
    for (d = 0; d < ndims; d++) {
        int n =
            snprintf(buf, sizeof buf, "%s%c=%d", d ? " " : "", dim_letter[dims[d]], score[dims[d]]);
        report_add(r, buf, (size_t)n);
    }
}

int tier_segmap_check(const tier_segmap *map, int bins, size_t *overlapping, size_t *shadowed,
                      size_t *uncovered, tier_text *report)
{
    int dims[SEGMAP_DIMS], score[SEGMAP_DIMS] = {0, 0, 0};
    size_t ndims = 0, cells = 1, c, i, n_over = 0, n_shadow = 0, n_unc = 0;
    unsigned char *reached = NULL;
    report_buf r;
    int d, used[SEGMAP_DIMS] = {0, 0, 0};
    char buf[160];

    if (!map)
        return TIER_EINVAL;
    if (bins < 2 || bins > SEGMAP_MAX_SCORE)
        return TIER_ERANGE;
    /* The grid spans the dimensions any segment names; r x f when none names any. */
    for (i = 0; i < map->count; i++)
        for (d = 0; d < SEGMAP_DIMS; d++)
            if (map->segs[i].lo[d])
                used[d] = 1;
    if (!used[0] && !used[1] && !used[2])
        used[0] = used[1] = 1;
    for (d = 0; d < SEGMAP_DIMS; d++)
        if (used[d]) {
            dims[ndims++] = d;
            cells *= (size_t)bins;
        }
    memset(&r, 0, sizeof r);
    r.alloc = report ? &map->alloc : NULL;
    reached = tier__calloc(&map->alloc, map->count ? map->count : 1, 1);
    if (!reached)
        return TIER_ENOMEM;

    for (c = 0; c < cells; c++) {
        size_t rest = c, hits = 0, first = 0;
        /* Cell c in row-major order over the used dimensions, the last one varying fastest. */
        for (i = ndims; i-- > 0;) {
            score[dims[i]] = (int)(rest % (size_t)bins) + 1;
            rest /= (size_t)bins;
        }
        for (i = 0; i < map->count; i++) {
            if (!segment_matches(&map->segs[i], score))
                continue;
            if (hits++ == 0) {
                first = i;
                reached[i] = 1;
            }
        }
        if (hits == 0) {
            n_unc++;
            report_str(&r, "uncovered ");
            report_cell(&r, dims, ndims, score);
            report_str(&r, "\n");
        } else if (hits > 1) {
            int sep = 0;
            n_over++;
            report_str(&r, "overlapping ");
            report_cell(&r, dims, ndims, score);
            report_str(&r, ":");
            for (i = first; i < map->count; i++) {
                if (!segment_matches(&map->segs[i], score))
                    continue;
                report_str(&r, sep ? ", " : " ");
                report_str(&r, map->names + map->segs[i].name);
                sep = 1;
            }
            report_str(&r, " (first match wins)\n");
        }
    }
    for (i = 0; i < map->count; i++) {
        if (reached[i])
            continue;
        n_shadow++;
        report_str(&r, "shadowed ");
        report_str(&r, map->names + map->segs[i].name);
        report_str(
            &r, ": every cell it claims is taken by earlier segments or lies outside the grid\n");
    }
    tier__free(&map->alloc, reached);
    snprintf(buf, sizeof buf,
             "checked %lu cells (%d scores per dimension): %lu overlapping, %lu shadowed, %lu "
             "uncovered\n",
             (unsigned long)cells, bins, (unsigned long)n_over, (unsigned long)n_shadow,
             (unsigned long)n_unc);
    report_str(&r, buf);
    if (r.failed || (report && tier_text_append(report, r.data, r.len) != TIER_OK)) {
        tier__free(&map->alloc, r.data);
        return TIER_ENOMEM;
    }
    tier__free(&map->alloc, r.data);
    if (overlapping)
        *overlapping = n_over;
    if (shadowed)
        *shadowed = n_shadow;
    if (uncovered)
        *uncovered = n_unc;
    return TIER_OK;
}
