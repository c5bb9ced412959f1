/* SPDX-License-Identifier: MIT */
/* Account attributes read as text for hierarchies and routing (policy/org.h). */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/org/org.h"
#include "util/numtext.h"

#define ATTR_PREFIX "attr."
#define ATTR_PREFIX_LEN 5

typedef char org_num_fits[sizeof(((tier__org_attr *)0)->num) >= TIER__NUM_SIZE ? 1 : -1];

int tier__org_attr_init(tier__org_attr *at, const tier_book *book, const char *ref,
                        const char *what, char *err)
{
    memset(at, 0, sizeof *at);
    if (!ref || strncmp(ref, ATTR_PREFIX, ATTR_PREFIX_LEN) != 0 || !ref[ATTR_PREFIX_LEN]) {
        tier__errorf(err, "%s must be an account attribute (attr.NAME), got %s", what,
                     ref ? ref : "nothing");
        return TIER_EINVAL;
    }
    at->book = book;
    at->ref = ref;
    at->name = ref + ATTR_PREFIX_LEN;
    at->type = tier__book_attr_type(book, at->name);
    return TIER_OK;
}

const char *tier__org_attr_text(tier__org_attr *at, size_t i, size_t *len)
{
    const char *s = NULL;
    size_t n = 0;
    if (at->type == TIER_ATTR_TEXT) {
        if (tier_book_get_text(at->book, i, at->name, &s) != TIER_OK || !s || !*s)
            return NULL;
        n = strlen(s);
    } else if (at->type == TIER_ATTR_NUMBER) {
        double v = NAN;
        if (tier_book_get_number(at->book, i, at->name, &v) != TIER_OK || isnan(v))
            return NULL;
        n = tier__num_format(at->num, v, TIER__NUM_SHORT_EXP);
        s = at->num;
    }
    if (len)
        *len = n;
    return s;
}
