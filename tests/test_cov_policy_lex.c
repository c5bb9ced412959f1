/* SPDX-License-Identifier: MIT */
/* The policy lexer at the edges of its input (docs/policy-format.md): a byte order mark, CRLF
 * line ends and tabs are accepted; 4-byte UTF-8 in a string is kept; overlong, surrogate and
 * out-of-range sequences, a bare carriage return, malformed numbers and a string left open by a
 * backslash at the end of a line or of the file are refused with the line, the column and what
 * was expected, in one line of text; numbers beyond the largest double read as infinite. */
#include <string.h>

#include "support.h"

#define H "libtier-policy 1\n"

typedef struct lex_case {
    const char *name;
    const char *text;
    size_t len;
    const char *want; /* the error, or for an accepted text a part of its description */
    int ok;
} lex_case;

#define OK(name, text, part)                  \
    {                                         \
        name, text, sizeof(text) - 1, part, 1 \
    }
#define BAD(name, text, err)                 \
    {                                        \
        name, text, sizeof(text) - 1, err, 0 \
    }

static const lex_case cases[] = {
    OK("bom", "\xEF\xBB\xBF" H "tier S {\n rule \"a\"\n}\n", "    rule \"a\"\n"),
    OK("crlf", "libtier-policy 1\r\ntier S {\r\n rule \"a\" # c\r\n}\r\n", "    rule \"a\"\n"),
    OK("tab", H "tier S {\n\trule \"a\"\n}\n", "    rule \"a\"\n"),
    OK("utf8_4", H "tier S {\n rule \"\xF0\x9F\x98\x80\"\n}\n", "rule \"\xF0\x9F\x98\x80\""),
    OK("huge_number", H "tier S {\n rule \"a\" when 1e999 > 1\n}\n", "when 1e999 > 1\n"),
    OK("leading_dot", H "tier S {\n rule \"a\" when .5 > 0\n}\n", "when 0.5 > 0\n"),
    OK("percent", H "tier S {\n rule \"a\" when abc(attr.x, 80%, 95%) == \"A\"\n}\n",
       "abc(attr.x, 0.8, 0.95)"),
    BAD("overlong", H "tier S {\n rule \"\xE0\x80\x80\"\n}\n",
        "x.policy:3:8: invalid UTF-8 byte 0xe0 in a string, expected UTF-8 text"),
    BAD("surrogate", H "tier S {\n rule \"\xED\xA0\x80\"\n}\n",
        "x.policy:3:8: invalid UTF-8 byte 0xed in a string, expected UTF-8 text"),
    BAD("f0_low", H "tier S {\n rule \"\xF0\x80\x80\x80\"\n}\n",
        "x.policy:3:8: invalid UTF-8 byte 0xf0 in a string, expected UTF-8 text"),
    BAD("f4_high", H "tier S {\n rule \"\xF4\x90\x80\x80\"\n}\n",
        "x.policy:3:8: invalid UTF-8 byte 0xf4 in a string, expected UTF-8 text"),
    BAD("comment_utf8", H "# \xC3\n tier S {\n rule \"a\"\n}\n",
        "x.policy:2:3: invalid UTF-8 byte 0xc3, expected UTF-8 text"),
    BAD("comment_cr", H "# a\rb\ntier S {\n rule \"a\"\n}\n",
        "x.policy:2:4: carriage return without a line feed, expected a line end"),
    BAD("bare_cr", H "tier S {\r rule \"a\"\n}\n",
        "x.policy:2:9: carriage return without a line feed, expected a line end"),
    BAD("exponent_at_eof", H "tier S {\n rule \"a\" when 1 > 1e",
        "x.policy:3:20: malformed number \"1e\", expected digits with an optional fraction and "
        "exponent"),
    BAD("exponent_sign", H "tier S {\n rule \"a\" when 1 > 1e+\n}\n",
        "x.policy:3:20: malformed number \"1e\", expected digits with an optional fraction and "
        "exponent"),
    BAD("number_letters", H "tier S {\n rule \"a\" when 1 > 12ab\n}\n",
        "x.policy:3:20: malformed number \"12ab\", expected digits with an optional fraction and "
        "exponent"),
    BAD("long_number",
        H "tier S {\n rule \"a\" when 1 > "
          "123456789012345678901234567890123456789012345678901234567890x\n}\n",
        "x.policy:3:20: malformed number \"1234567890123456789012345678901234567890\"..., "
        "expected digits with an optional fraction and exponent"),
    BAD("string_crlf", H "tier S {\n rule \"a\r\nb\"\n}\n",
        "x.policy:3:9: unterminated string, expected '\"' before the end of the line"),
    BAD("backslash_at_eof", H "tier S {\n rule \"a\\",
        "x.policy:3:9: unterminated string, expected '\"' before the end of the file"),
    BAD("backslash_at_eol", H "tier S {\n rule \"a\\\n\"\n}\n",
        "x.policy:3:9: unterminated string, expected '\"' before the end of the line"),
    BAD("backslash_at_crlf", H "tier S {\n rule \"a\\\r\n\"\n}\n",
        "x.policy:3:9: unterminated string, expected '\"' before the end of the line"),
    BAD("unknown_escape", H "tier S {\n rule \"a\\\xC3\xA9\"\n}\n",
        "x.policy:3:9: unknown escape '\\\xC3\xA9' in a string, expected \\\", \\\\, \\n or \\t"),
};

static void run_case(void **state)
{
    const lex_case *c = *state;
    tier_policy *p = NULL;
    int rc;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    rc = tier_policy_load_string(p, c->text, c->len, "x.policy");
    if (c->ok) {
        tier_text *d = NULL;
        if (rc != TIER_OK)
            fail_msg("%s: %s", c->name, tier_policy_last_error(p));
        assert_int_equal(tier_text_new(&d, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_policy_describe(p, d), TIER_OK);
        if (!strstr(tier_text_data(d), c->want))
            fail_msg("%s: no \"%s\" in\n%s", c->name, c->want, tier_text_data(d));
        tier_text_free(d);
    } else {
        assert_int_equal(rc, TIER_EPARSE);
        assert_string_equal(tier_policy_last_error(p), c->want);
        assert_null(strchr(c->want, '\n')); /* one line */
        assert_int_equal(tier_policy_tier_count(p), 0);
    }
    tier_policy_free(p);
}

#define C(i) TST_CASE(cases[i].name, run_case, &cases[i])
TST_MAIN(C(0), C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10), C(11), C(12), C(13),
         C(14), C(15), C(16), C(17), C(18), C(19), C(20), C(21), C(22))
