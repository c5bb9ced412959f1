/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the policy file parser. The input is the policy text. When it parses, its
 * description must parse too and describe identically (parse(describe(p)) == describe(p)), and
 * a deep copy must describe the same; anything else aborts. A failed load must leave the policy
 * it was loaded into unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tier.h"
#include "policy/lang/ast.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tier_allocator a;

static char *describe(const tier__pol *pol)
{
    tier__buf b;
    char *text;
    tier__buf_init(&b, &a);
    if (tier__pol_describe(pol, &b) != TIER_OK)
        abort();
    text = tier__buf_take(&b, NULL);
    if (!text)
        abort();
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char keep[] = "libtier-policy 1\nname \"keep\"\n";
    char err[TIER__ERR_SIZE];
    tier__pol first, second, copy;
    tier_policy *p = NULL;
    char *one, *two, *three;
    int rc;

    tier__alloc_init(&a, NULL);
    /* Through the public call: all or nothing. */
    if (tier_policy_new(&p, NULL) != TIER_OK)
        return 0;
    if (tier_policy_load_string(p, keep, sizeof keep - 1, "keep") != TIER_OK)
        abort();
    rc = tier_policy_load_string(p, (const char *)data, size, "fuzz");
    if (rc != TIER_OK && (strcmp(tier_policy_name(p), "keep") != 0 ||
                          strncmp(tier_policy_last_error(p), "fuzz:", 5) != 0))
        abort();
    tier_policy_free(p);

    if (tier__pol_parse(&a, (const char *)data, size, "fuzz", &first, err) != TIER_OK)
        return 0;
    one = describe(&first);
    if (tier__pol_parse(&a, one, strlen(one), "describe", &second, err) != TIER_OK) {
        fprintf(stderr, "the description does not parse: %s\n%s", err, one);
        abort();
    }
    two = describe(&second);
    if (strcmp(one, two) != 0) {
        fprintf(stderr, "the description reads back differently:\n%s---\n%s", one, two);
        abort();
    }
    if (tier__pol_copy(&a, &copy, &first) != TIER_OK)
        abort();
    three = describe(&copy);
    if (strcmp(one, three) != 0)
        abort();
    tier__free(&a, one);
    tier__free(&a, two);
    tier__free(&a, three);
    tier__pol_clear(&a, &first);
    tier__pol_clear(&a, &second);
    tier__pol_clear(&a, &copy);
    return 0;
}
