/* SPDX-License-Identifier: MIT */
/* Every refusal of the policy parser (docs/policy-format.md), statement by statement: the status
 * (TIER_EPARSE, or TIER_ERANGE for a limit), the one-line message with the origin, line and column
 * and what was expected, and the all-or-nothing promise (the policy loaded before is kept). A
 * stray character ('@') after each word checks that a lexer error anywhere in a statement stops
 * the parse at its own place. */
#include <string.h>

#include "support.h"

#define H "libtier-policy 1\n"
#define AT(lc) "x.policy:" lc ": "
#define LEX(lc) AT(lc) "unexpected character \"@\", expected a name, number, string or operator"

typedef struct parse_case {
    const char *name;
    const char *text;
    int rc;
    const char *err;
} parse_case;

typedef struct parse_group {
    const parse_case *cases;
    size_t n;
} parse_group;

static const parse_case header_cases[] = {
    {"header_lex_after_libtier", "libtier@", TIER_EPARSE, LEX("1:8")},
    {"header_lex_after_dash", "libtier-@", TIER_EPARSE, LEX("1:9")},
    {"header_lex_after_policy", "libtier-policy @", TIER_EPARSE, LEX("1:16")},
    {"header_lex_after_version", "libtier-policy 1 @", TIER_EPARSE, LEX("1:18")},
    {"header_dash_on_next_line", "libtier\n-policy 1\n", TIER_EPARSE,
     AT("1:8") "expected 'libtier-policy 1' as the first statement, got end of line"},
    {"header_space_before_policy", "libtier- policy 1\n", TIER_EPARSE,
     AT("1:10") "expected 'libtier-policy 1' as the first statement, got \"policy\""},
    {"header_percent_version", "libtier-policy 1%\n", TIER_EPARSE,
     AT("1:16") "expected the format version 1 after 'libtier-policy', got the number 1%"},
    {"header_version_2", "libtier-policy 2\n", TIER_EPARSE,
     AT("1:16") "unsupported format version 2, expected 1"},
};

static const parse_case statement_cases[] = {
    {"comment_only_then_eof", "# nothing\n\n", TIER_EPARSE,
     AT("3:1") "empty policy, expected 'libtier-policy 1' as the first statement"},
    {"rule_outside", H "rule \"a\"\n", TIER_EPARSE,
     AT("2:1") "'rule' outside a block, expected it inside tier { } or routing { }"},
    {"cap_outside", H "cap 5 by 1 overflow B\n", TIER_EPARSE,
     AT("2:1") "'cap' outside a block, expected it inside tier { } or routing { }"},
    {"entitle_outside", H "entitle x = 1\n", TIER_EPARSE,
     AT("2:1") "'entitle' outside a block, expected it inside tier { } or routing { }"},
    {"team_outside", H "team national \"n\"\n", TIER_EPARSE,
     AT("2:1") "'team' outside a block, expected it inside tier { } or routing { }"},
    {"accounts_outside", H "accounts when true\n", TIER_EPARSE,
     AT("2:1") "'accounts' outside a block, expected it inside tier { } or routing { }"},
    {"close_outside", H "}\n", TIER_EPARSE, AT("2:1") "'}' outside a block, expected a statement"},
    {"unknown_statement", H "frobnicate x\n", TIER_EPARSE,
     AT("2:1") "expected a statement (name, description, model, window, let, entitlement, tier, "
               "flag, hierarchy or routing), got \"frobnicate\""},
};

static const parse_case model_cases[] = {
    {"model_lex_after_word", H "model @", TIER_EPARSE, LEX("2:7")},
    {"model_reserved", H "model attr = rfm\n", TIER_EPARSE,
     AT("2:7") "'attr' is reserved, expected another name"},
    {"model_kind_lex", H "model m = rfm @\n", TIER_EPARSE, LEX("2:15")},
    {"model_open_lex", H "model m = rfm(@\n", TIER_EPARSE, LEX("2:15")},
    {"model_comma_lex", H "model m = rfm(a = 1,@\n", TIER_EPARSE, LEX("2:21")},
    {"model_close_lex", H "model m = rfm(a = 1) @\n", TIER_EPARSE, LEX("2:22")},
    {"model_option_twice", H "model m = rfm(a = 1, a = 2)\n", TIER_EPARSE,
     AT("2:22") "option 'a' given twice, expected each option once"},
    {"model_option_no_comma", H "model m = rfm(a = 1 b = 2)\n", TIER_EPARSE,
     AT("2:21") "expected ',' or ')' in the options, got \"b\""},
    {"model_option_minus_name", H "model m = rfm(a = -b)\n", TIER_EPARSE,
     AT("2:20") "expected a number after '-', got \"b\""},
    {"model_option_minus_lex", H "model m = rfm(a = -@)\n", TIER_EPARSE, LEX("2:20")},
    {"model_option_bad_value", H "model m = rfm(a = true)\n", TIER_EPARSE,
     AT("2:19") "expected a number, a string or a list of strings after '=', got \"true\""},
    {"model_option_list_lex", H "model m = rfm(a = [@])\n", TIER_EPARSE, LEX("2:20")},
    {"model_option_list_number", H "model m = rfm(a = [1])\n", TIER_EPARSE,
     AT("2:20") "expected a string in the list, got the number 1"},
    {"model_option_list_no_comma", H "model m = rfm(a = [\"x\" \"y\"])\n", TIER_EPARSE,
     AT("2:24") "expected ',', got the string \"y\""},
    {"model_option_list_comma_lex", H "model m = rfm(a = [\"x\",@])\n", TIER_EPARSE, LEX("2:24")},
    {"model_option_list_end_lex", H "model m = rfm(a = [\"x\"]@)\n", TIER_EPARSE, LEX("2:24")},
    {"model_option_empty_list_lex", H "model m = rfm(a = []@)\n", TIER_EPARSE, LEX("2:21")},
    {"model_option_text_lex", H "model m = rfm(a = \"x\"@)\n", TIER_EPARSE, LEX("2:22")},
    {"model_kind_number", H "model m = 5\n", TIER_EPARSE,
     AT("2:11") "expected a model kind (rfm, pareto, scorecard, ...) after '=', got the number 5"},
};

static const parse_case window_let_cases[] = {
    {"window_lex_after_word", H "window @", TIER_EPARSE, LEX("2:8")},
    {"window_after_name_lex", H "window w @", TIER_EPARSE, LEX("2:10")},
    {"window_measure_lex", H "window w = revenue @", TIER_EPARSE, LEX("2:20")},
    {"window_over_lex", H "window w = revenue over @", TIER_EPARSE, LEX("2:25")},
    {"window_all_lex", H "window w = revenue over all @", TIER_EPARSE, LEX("2:29")},
    {"window_number_lex", H "window w = revenue over 12 @", TIER_EPARSE, LEX("2:28")},
    {"window_days_lex", H "window w = revenue over 12 days @", TIER_EPARSE, LEX("2:33")},
    {"window_share", H "window w = revenue over 12% days\n", TIER_EPARSE,
     AT("2:25") "expected a number of days or months, or 'all' after 'over', got the number 12%"},
    {"window_fraction", H "window w = revenue over 1.5 days\n", TIER_EPARSE,
     AT("2:25") "window length 1.5, expected a whole number from 1 to 100000"},
    {"window_zero", H "window w = revenue over 0 days\n", TIER_EPARSE,
     AT("2:25") "window length 0, expected a whole number from 1 to 100000"},
    {"window_long_number",
     H "window w = revenue over 123456789012345678901234567890123456789012345678 days\n",
     TIER_EPARSE,
     AT("2:25") "window length 1234567890123456789012345678901234567890, expected a whole number "
                "from 1 to 100000"},
    {"window_weeks", H "window w = revenue over 3 weeks\n", TIER_EPARSE,
     AT("2:27") "expected 'days' or 'months' after the number, got \"weeks\""},
    {"window_same_name_as_let", H "let x = 1\nwindow x = revenue over all\n", TIER_EPARSE,
     AT("3:8") "'x' is the name of a let, expected another name"},
    {"window_reserved", H "window tier = revenue over all\n", TIER_EPARSE,
     AT("2:8") "'tier' is reserved, expected another name"},
    {"let_reserved", H "let attr = 1\n", TIER_EPARSE,
     AT("2:5") "'attr' is reserved, expected another name"},
    {"let_same_as_window", H "window x = revenue over all\nlet x = 1\n", TIER_EPARSE,
     AT("3:5") "'x' is the name of a window, expected another name"},
    {"let_same_as_model", H "model x = rfm\nlet x = 1\n", TIER_EPARSE,
     AT("3:5") "'x' is the name of a model, expected another name"},
};

static const parse_case entitlement_flag_hierarchy_cases[] = {
    {"entitlement_lex_after_word", H "entitlement @", TIER_EPARSE, LEX("2:13")},
    {"entitlement_type_lex", H "entitlement e number @", TIER_EPARSE, LEX("2:22")},
    {"entitlement_bad_type", H "entitlement e date\n", TIER_EPARSE,
     AT("2:15") "expected number, text or bool after 'e', got \"date\""},
    {"entitlement_twice", H "entitlement e number\nentitlement e text\n", TIER_EPARSE,
     AT("3:13") "duplicate entitlement name 'e', expected a name not used by another entitlement"},
    {"flag_lex_after_word", H "flag @", TIER_EPARSE, LEX("2:6")},
    {"flag_twice", H "tier S {\n rule \"a\"\n}\nflag f when true\nflag f when false\n", TIER_EPARSE,
     AT("6:6") "duplicate flag name 'f', expected a name not used by another flag"},
    {"flag_not_bool", H "tier S {\n rule \"a\"\n}\nflag f when 1 + 2\n", TIER_EPARSE,
     AT("5:15") "the flag's condition is a number, expected a bool (a comparison, in, between, is "
                "missing, and, or, not, true or false)"},
    {"hierarchy_lex_after_word", H "hierarchy @", TIER_EPARSE, LEX("2:11")},
    {"hierarchy_no_parent", H "hierarchy children = own\n", TIER_EPARSE,
     AT("2:11") "expected 'parent' after 'hierarchy', got \"children\""},
    {"hierarchy_parent_not_attr", H "hierarchy parent = x.y\n", TIER_EPARSE,
     AT("2:20") "expected an attribute (attr.NAME) after 'parent =', got \"x.y\""},
    {"hierarchy_parent_attr_only", H "hierarchy parent = attr\n", TIER_EPARSE,
     AT("2:20") "expected an attribute (attr.NAME) after 'parent =', got \"attr\""},
    {"hierarchy_parent_lex", H "hierarchy parent = attr.p @\n", TIER_EPARSE, LEX("2:27")},
    {"hierarchy_children_lex", H "hierarchy parent = attr.p children @\n", TIER_EPARSE,
     LEX("2:36")},
    {"hierarchy_children_value_lex", H "hierarchy parent = attr.p children = own @\n", TIER_EPARSE,
     LEX("2:42")},
    {"hierarchy_children_bad", H "hierarchy parent = attr.p children = adopt\n", TIER_EPARSE,
     AT("2:38") "expected inherit or own after 'children =', got \"adopt\""},
    {"hierarchy_twice", H "hierarchy parent = attr.p\nhierarchy parent = attr.q\n", TIER_EPARSE,
     AT("3:1") "a second 'hierarchy' statement, expected at most one"},
};

static const parse_case tier_block_cases[] = {
    {"tier_lex_after_word", H "tier @", TIER_EPARSE, LEX("2:6")},
    {"tier_name_lex", H "tier S @", TIER_EPARSE, LEX("2:8")},
    {"tier_number_name", H "tier 5 {\n}\n", TIER_EPARSE,
     AT("2:6") "expected a tier name after 'tier', got the number 5"},
    {"tier_string_name_twice",
     H "tier \"B plus\" {\n rule \"a\"\n}\ntier \"B plus\" {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("5:1") "duplicate tier name 'B plus', expected a name not used by another tier"},
    {"tier_block_line_lex", H "tier S {\n @\n}\n", TIER_EPARSE, LEX("3:2")},
    {"tier_close_lex", H "tier S {\n rule \"a\"\n} @\n", TIER_EPARSE, LEX("4:3")},
    {"tier_unknown_line", H "tier S {\n when true\n}\n", TIER_EPARSE,
     AT("3:2") "expected rule, cap, entitle, demote, dwell or '}' (is a '}' missing?), got "
               "\"when\""},
    {"rule_lex_after_word", H "tier S {\n rule @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:7")},
    {"rule_when_lex", H "tier S {\n rule \"a\" when @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:16")},
    {"rule_not_bool", H "tier S {\n rule \"a\" when 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:16") "the rule's condition is a number, expected a bool (a comparison, in, between, is "
                "missing, and, or, not, true or false)"},
    {"cap_lex_after_word", H "tier S {\n cap @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:6")},
    {"cap_not_number", H "tier S {\n cap x by 1 overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:6") "expected a number or a share with '%' after 'cap', got \"x\""},
    {"cap_share_zero", H "tier S {\n cap 0% by 1 overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:6") "cap share 0% is out of range, expected more than 0% and at most 100%"},
    {"cap_share_over", H "tier S {\n cap 150% by 1 overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:6") "cap share 150% is out of range, expected more than 0% and at most 100%"},
    {"cap_fraction", H "tier S {\n cap 2.5 by 1 overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:6") "cap 2.5 is not a whole number of customers, expected a count or a share with '%'"},
    {"cap_long_fraction",
     H "tier S {\n cap 2.50000000000000000000000000000000000000000001 by 1 overflow B\n}\ntier B "
       "{\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:6") "cap 2.50000000000000000000000000000000000000 is not a whole number of customers, "
               "expected a count or a share with '%'"},
    {"cap_number_lex", H "tier S {\n cap 5 @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:8")},
    {"cap_text_criterion", H "tier S {\n cap 5 by \"x\" overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:11") "the cap's criterion is a text, expected a number"},
    {"cap_desc_lex", H "tier S {\n cap 5 by 1 desc @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:18")},
    {"cap_asc_no_overflow", H "tier S {\n cap 5 by 1 asc B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:17") "expected 'overflow' after 'asc', got \"B\""},
    {"cap_overflow_lex", H "tier S {\n cap 5 by 1 overflow B @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:24")},
    {"cap_overflow_number", H "tier S {\n cap 5 by 1 overflow 5\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:22") "expected a tier name after 'overflow', got the number 5"},
    {"cap_twice",
     H "tier S {\n cap 5 by 1 overflow B\n cap 6 by 1 overflow B\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("4:2") "a second cap in tier S, expected at most one"},
    {"cap_overflow_string_unknown",
     H "tier S {\n cap 5 by 1 overflow \"Z z\"\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:22") "unknown tier 'Z z' after 'overflow', expected a tier declared after S"},
    {"cap_overflow_earlier", H "tier A {\n rule \"a\"\n}\ntier S {\n cap 5 by 1 overflow A\n}\n",
     TIER_EPARSE, AT("6:22") "overflow into tier 'A', which is not after S, expected a later tier"},
    {"entitle_lex_after_word",
     H "entitlement e number\ntier S {\n entitle @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("4:10")},
    {"entitle_not_name",
     H "entitlement e number\ntier S {\n entitle 5 = 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("4:10") "expected an entitlement name after 'entitle', got the number 5"},
    {"entitle_unknown",
     H "entitlement e number\ntier S {\n entitle f = 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("4:10") "unknown entitlement 'f', expected one declared with 'entitlement' before"},
    {"entitle_twice",
     H "entitlement e number\ntier S {\n entitle e = 1\n entitle e = 2\n}\ntier B {\n rule "
       "\"b\"\n}\n",
     TIER_EPARSE, AT("5:10") "entitlement 'e' set twice in tier S, expected it once"},
    {"entitle_name_lex",
     H "entitlement e number\ntier S {\n entitle e @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("4:12")},
    {"entitle_value_bad",
     H "entitlement e number\ntier S {\n entitle e = x\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("4:14") "expected a number, a string, true or false after '=', got \"x\""},
    {"entitle_value_percent",
     H "entitlement e number\ntier S {\n entitle e = 5%\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("4:14") "a percentage here, expected a number"},
    {"entitle_value_minus_lex",
     H "entitlement e number\ntier S {\n entitle e = -@\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("4:15")},
    {"entitle_value_minus_text",
     H "entitlement e number\ntier S {\n entitle e = -\"x\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("4:15") "expected a number after '-', got the string \"x\""},
    {"entitle_text_given_bool",
     H "entitlement e text\ntier S {\n entitle e = true\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("4:14") "entitlement 'e' given a bool, expected a text (it is declared text at 2:13)"},
    {"entitle_bool_given_number",
     H "entitlement e bool\ntier S {\n entitle e = -2\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("4:14") "entitlement 'e' given a number, expected a bool (it is declared bool at 2:13)"},
    {"entitle_number_given_text",
     H "entitlement e number\ntier S {\n entitle e = \"x\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("4:14") "entitlement 'e' given a text, expected a number (it is declared number at 2:13)"},
    {"entitle_value_lex",
     H "entitlement e number\ntier S {\n entitle e = 1 @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("4:16")},
    {"demote_lex_after_word", H "tier S {\n demote @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:9")},
    {"demote_after_lex", H "tier S {\n demote after @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:15")},
    {"demote_after_word_lex", H "tier S {\n demote after 3 @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:17")},
    {"demote_after_unit_lex", H "tier S {\n demote after 3 runs @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:22")},
    {"demote_after_text", H "tier S {\n demote after \"x\" runs\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:15") "expected a number of runs after 'demote after', got the string \"x\""},
    {"demote_after_percent", H "tier S {\n demote after 5% runs\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:15") "expected a number of runs after 'demote after', got the number 5%"},
    {"demote_after_too_many", H "tier S {\n demote after 1001 runs\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:15") "demote after 1001, expected a whole number of runs from 1 to 1000"},
    {"demote_after_long",
     H "tier S {\n demote after 12345678901234567890123456789012345678901234567890 runs\n}\ntier B "
       "{\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:15") "demote after 1234567890123456789012345678901234567890, expected a whole number of "
                "runs from 1 to 1000"},
    {"demote_after_days", H "tier S {\n demote after 3 days\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:17") "expected 'runs' after the number, got \"days\""},
    {"demote_after_twice",
     H "tier S {\n demote after 3 runs\n demote after 2 runs\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("4:2") "a second 'demote after' line in tier S (the first is at 3:2), expected at most "
               "one"},
    {"demote_when_twice",
     H "tier S {\n demote when true\n demote when false\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("4:2") "a second 'demote when' line in tier S (the first is at 3:2), expected at most one"},
    {"demote_when_lex", H "tier S {\n demote when @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:14")},
    {"demote_other", H "tier S {\n demote soon\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:9") "expected 'after' or 'when' after 'demote', got \"soon\""},
    {"dwell_lex", H "tier S {\n dwell @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE, LEX("3:8")},
    {"dwell_text", H "tier S {\n dwell \"x\" days\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:8") "expected a number of days after 'dwell', got the string \"x\""},
    {"dwell_zero", H "tier S {\n dwell 0 days\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:8") "dwell 0, expected a whole number of days from 1 to 36500"},
    {"dwell_runs", H "tier S {\n dwell 3 runs\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:10") "expected 'days' after the number, got \"runs\""},
    {"dwell_twice", H "tier S {\n dwell 3 days\n dwell 1 day\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("4:2") "a second 'dwell' line in tier S (the first is at 3:2), expected at most one"},
};

static const parse_case routing_cases[] = {
    {"routing_lex_after_word", H "routing @", TIER_EPARSE, LEX("2:9")},
    {"routing_twice", H "routing {\n}\nrouting {\n}\n", TIER_EPARSE,
     AT("4:1") "a second 'routing' block, expected at most one"},
    {"routing_region_twice", H "routing {\n region = attr.r\n region = attr.s\n}\n", TIER_EPARSE,
     AT("4:2") "a second 'region' line in routing, expected at most one"},
    {"routing_region_lex", H "routing {\n region @\n}\n", TIER_EPARSE, LEX("3:9")},
    {"routing_region_not_attr", H "routing {\n region = 5\n}\n", TIER_EPARSE,
     AT("3:11") "expected an attribute (attr.NAME) after '=', got the number 5"},
    {"routing_team_lex", H "routing {\n team @\n}\n", TIER_EPARSE, LEX("3:7")},
    {"routing_team_scope_bad", H "routing {\n team global \"g\"\n}\n", TIER_EPARSE,
     AT("3:7") "expected national, regional or local after 'team', got \"global\""},
    {"routing_team_scope_lex", H "routing {\n team national @\n}\n", TIER_EPARSE, LEX("3:16")},
    {"routing_team_capacity_lex", H "routing {\n team national \"n\" capacity @\n}\n", TIER_EPARSE,
     LEX("3:29")},
    {"routing_team_capacity_text", H "routing {\n team national \"n\" capacity \"x\" accounts\n}\n",
     TIER_EPARSE, AT("3:29") "expected a number after 'capacity', got the string \"x\""},
    {"routing_team_capacity_pct", H "routing {\n team national \"n\" capacity 5% accounts\n}\n",
     TIER_EPARSE, AT("3:29") "expected a number after 'capacity', got the number 5%"},
    {"routing_team_capacity_unit_lex", H "routing {\n team national \"n\" capacity 5 @\n}\n",
     TIER_EPARSE, LEX("3:31")},
    {"routing_team_capacity_unit_bad", H "routing {\n team national \"n\" capacity 5 people\n}\n",
     TIER_EPARSE, AT("3:31") "expected 'accounts' or 'revenue' after the capacity, got \"people\""},
    {"routing_team_capacity_fraction",
     H "routing {\n team national \"n\" capacity 2.5 accounts\n}\n", TIER_EPARSE,
     AT("3:29") "capacity 2.5, expected a whole number of accounts"},
    {"routing_team_capacity_infinite",
     H "routing {\n team national \"n\" capacity 1e999 revenue\n}\n", TIER_EPARSE,
     AT("3:29") "capacity 1e999, expected a finite revenue of at least 0"},
    {"routing_team_capacity_long",
     H "routing {\n team national \"n\" capacity "
       "2.500000000000000000000000000000000000000000000001 accounts\n}\n",
     TIER_EPARSE,
     AT("3:29") "capacity 2.50000000000000000000000000000000000000, expected a whole number of "
                "accounts"},
    {"routing_team_capacity_end_lex",
     H "routing {\n team national \"n\" capacity 5 accounts @\n}\n", TIER_EPARSE, LEX("3:40")},
    {"routing_accounts_twice", H "routing {\n accounts when true\n accounts when false\n}\n",
     TIER_EPARSE, AT("4:2") "a second 'accounts' line in routing, expected at most one"},
    {"routing_accounts_lex", H "routing {\n accounts @\n}\n", TIER_EPARSE, LEX("3:11")},
    {"routing_accounts_no_when", H "routing {\n accounts true\n}\n", TIER_EPARSE,
     AT("3:11") "expected 'when' after 'accounts', got \"true\""},
    {"routing_revenue_text", H "routing {\n revenue = \"x\"\n}\n", TIER_EPARSE,
     AT("3:12") "routing revenue is a text, expected a number"},
    {"routing_revenue_no_eq", H "routing {\n revenue 5\n}\n", TIER_EPARSE,
     AT("3:10") "expected '=' after 'revenue', got the number 5"},
    {"routing_accounts_number", H "routing {\n accounts when 5\n}\n", TIER_EPARSE,
     AT("3:16") "routing accounts is a number, expected a bool"},
    {"routing_eof", H "routing {\n", TIER_EPARSE,
     AT("3:1") "end of file inside routing opened at 2:1, expected '}'"},
};

static const parse_case expression_cases[] = {
    {"expr_paren_lex", H "tier S {\n rule \"a\" when (@\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:17")},
    {"expr_not_lex", H "tier S {\n rule \"a\" when not @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:20")},
    {"expr_call_lex", H "tier S {\n rule \"a\" when abs(@) > 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:20")},
    {"expr_call_comma_lex",
     H "tier S {\n rule \"a\" when max(1,@) > 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:22")},
    {"expr_call_close_lex",
     H "tier S {\n rule \"a\" when max(1)@ > 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:22")},
    {"expr_call_no_close",
     H "tier S {\n rule \"a\" when max(1 2) > 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:22") "expected ',' or ')' in the arguments, got the number 2"},
    {"expr_call_unknown_long",
     H "tier S {\n rule \"a\" when "
       "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
       "fffffffffffffffffffffffffffffffffffffff(1) > 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_ERANGE, AT("3:16") "name longer than 128 bytes, expected a shorter name"},
    {"expr_abc_two_args",
     H "tier S {\n rule \"a\" when abc(1, 0.5) == \"A\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:16") "abc with 2 arguments, expected abc(x) or abc(x, a, b)"},
    {"expr_abc_threshold_name",
     H "tier S {\n rule \"a\" when abc(1, x, 0.9) == \"A\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:23") "expected a share (80% or 0.8) as a threshold after 'abc', got \"x\""},
    {"expr_abc_threshold_zero",
     H "tier S {\n rule \"a\" when abc(1, 0, 0.9) == \"A\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:23") "abc threshold 0 is out of range, expected more than 0% and at most 100%"},
    {"expr_abc_out_of_order",
     H "tier S {\n rule \"a\" when abc(1, 90%, 80%) == \"A\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:28") "abc thresholds out of order, expected the second at least the first"},
    {"expr_abs_two_args",
     H "tier S {\n rule \"a\" when abs(1, 2) > 0\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:16") "abs with 2 arguments, expected one argument"},
    {"expr_max_no_args", H "tier S {\n rule \"a\" when max() > 0\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:16") "max with 0 arguments, expected at least one argument"},
    {"expr_coalesce_bool",
     H "tier S {\n rule \"a\" when coalesce(true) == 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:25") "coalesce on a bool, expected numbers or texts"},
    {"expr_coalesce_mixed",
     H "tier S {\n rule \"a\" when coalesce(1, \"x\") == 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:28") "coalesce mixes a number with a text, expected arguments of one type"},
    {"expr_call_text_arg",
     H "tier S {\n rule \"a\" when abs(\"x\") > 0\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:20") "abs on a text, expected a number"},
    {"expr_cmp_lex", H "tier S {\n rule \"a\" when 1 < @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:20")},
    {"expr_cmp_text", H "tier S {\n rule \"a\" when \"x\" < 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:16") "'<' on a text, expected a number"},
    {"expr_cmp_text_right",
     H "tier S {\n rule \"a\" when 1 <= \"x\"\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:21") "'<=' on a text, expected a number"},
    {"expr_eq_mixed", H "tier S {\n rule \"a\" when 1 == \"x\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE,
     AT("3:18") "'==' compares a number with a text, expected two numbers or two texts"},
    {"expr_eq_bool", H "tier S {\n rule \"a\" when true == true\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:21") "'==' on a bool, expected two numbers or two texts"},
    {"expr_not_in_lex", H "tier S {\n rule \"a\" when 1 not @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:22")},
    {"expr_not_without_in", H "tier S {\n rule \"a\" when 1 not [1]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:22") "expected 'in' after 'not', got '['"},
    {"expr_in_lex", H "tier S {\n rule \"a\" when 1 in @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:21")},
    {"expr_in_no_bracket", H "tier S {\n rule \"a\" when 1 in 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:21") "expected '[' after 'in', got the number 1"},
    {"expr_in_bracket_lex", H "tier S {\n rule \"a\" when 1 in [@]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:22")},
    {"expr_in_minus_lex", H "tier S {\n rule \"a\" when 1 in [-@]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:23")},
    {"expr_in_minus_text",
     H "tier S {\n rule \"a\" when 1 in [-\"x\"]\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:23") "expected a number after '-', got the string \"x\""},
    {"expr_in_name", H "tier S {\n rule \"a\" when 1 in [x]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:22") "expected a number or string in the list, got \"x\""},
    {"expr_in_mixed", H "tier S {\n rule \"a\" when 1 in [1, \"x\"]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:25") "list mixes numbers and texts, expected items of one type"},
    {"expr_in_no_comma", H "tier S {\n rule \"a\" when 1 in [1 2]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:24") "expected ',' or ']' in the list, got the number 2"},
    {"expr_in_comma_lex", H "tier S {\n rule \"a\" when 1 in [1,@]\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:24")},
    {"expr_in_text_for_number",
     H "tier S {\n rule \"a\" when 1 in [\"x\"]\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:18") "'in' compares a number with a text, expected two numbers or two texts"},
    {"expr_not_in_text_for_number",
     H "tier S {\n rule \"a\" when 1 not in [\"x\"]\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:18") "'not in' compares a number with a text, expected two numbers or two texts"},
    {"expr_between_lex", H "tier S {\n rule \"a\" when 1 between @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:26")},
    {"expr_between_no_and",
     H "tier S {\n rule \"a\" when 1 between 0 or 2\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:28") "expected 'and' after 'between', got \"or\""},
    {"expr_between_and_lex",
     H "tier S {\n rule \"a\" when 1 between 0 and @\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     LEX("3:32")},
    {"expr_between_text",
     H "tier S {\n rule \"a\" when \"x\" between 0 and 2\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:16") "'between' on a text, expected a number"},
    {"expr_between_text_low",
     H "tier S {\n rule \"a\" when 1 between \"x\" and 2\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:26") "'between' on a text, expected a number"},
    {"expr_between_text_high",
     H "tier S {\n rule \"a\" when 1 between 0 and \"y\"\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:32") "'between' on a text, expected a number"},
    {"expr_is_lex", H "tier S {\n rule \"a\" when 1 is @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:21")},
    {"expr_is_not_lex", H "tier S {\n rule \"a\" when 1 is not @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:25")},
    {"expr_is_not_other",
     H "tier S {\n rule \"a\" when 1 is not there\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:25") "expected 'missing' after 'is not', got \"there\""},
    {"expr_is_other", H "tier S {\n rule \"a\" when 1 is there\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:21") "expected 'missing' after 'is', got \"there\""},
    {"expr_unary_minus_text",
     H "tier S {\n rule \"a\" when -\"x\" > 1\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:17") "'-' on a text, expected a number"},
    {"expr_not_number", H "tier S {\n rule \"a\" when not 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:20") "'not' on a number, expected a bool"},
    {"expr_and_number", H "tier S {\n rule \"a\" when true and 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:25") "'and' on a number, expected a bool"},
    {"expr_or_lex", H "tier S {\n rule \"a\" when true or @\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:24")},
    {"expr_sum_lex", H "tier S {\n rule \"a\" when 1 + @ > 0\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, LEX("3:20")},
    {"expr_product_text",
     H "tier S {\n rule \"a\" when 1 * \"x\" > 0\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:20") "'*' on a text, expected a number"},
    {"expr_no_value", H "tier S {\n rule \"a\" when > 1\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("3:16") "expected a value (a number, string, name, call or '('), got '>'"},
    {"expr_tier_in_rule",
     H "tier S {\n rule \"a\" when tier == \"S\"\n}\ntier B {\n rule \"b\"\n}\n", TIER_EPARSE,
     AT("3:16") "'tier' is not known here, expected it only in flags and routing"},
    {"expr_dotted_call",
     H "model m = rfm\ntier S {\n rule \"a\" when m.abs(1) > 0\n}\ntier B {\n rule \"b\"\n}\n",
     TIER_EPARSE, AT("4:21") "expected end of line after the rule's condition, got '('"},
};

/* Loads each text into a policy holding the tier "Keep" and checks the status, the message and
 * that the policy still holds "Keep" alone. */
static void run_group(void **state)
{
    static const char keep[] = H "tier Keep {\n rule \"kept\"\n}\n";
    const parse_group *g = *state;
    tier_policy *p = NULL;
    size_t i;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, keep, sizeof keep - 1, "keep.policy"), TIER_OK);
    for (i = 0; i < g->n; i++) {
        const parse_case *c = &g->cases[i];
        int rc = tier_policy_load_string(p, c->text, strlen(c->text), "x.policy");
        if (rc != c->rc || strcmp(tier_policy_last_error(p), c->err) != 0)
            fail_msg("%s: status %d, message\n  %s\nwant %d,\n  %s", c->name, rc,
                     tier_policy_last_error(p), c->rc, c->err);
        assert_null(strchr(c->err, '\n'));
        assert_int_equal(tier_policy_tier_count(p), 1);
        assert_string_equal(tier_policy_tier_name(p, 0), "Keep");
    }
    tier_policy_free(p);
}

/* Texts at the edge of a refusal that are accepted, with a part of their description. */
static void test_accepted_edges(void **state)
{
    static const struct {
        const char *text, *part;
    } ok[] = {
        {H "tier S {\n rule \"a\" when coalesce(\"y\", \"x\") == \"x\"\n}\n",
         "coalesce(\"y\", \"x\") == \"x\""},
        {H "tier S {\n rule \"a\" when 1 in [-1, 2]\n}\n", "1 in [-1, 2]"},
        {H "tier S {\n rule \"a\" when 1 not in [-1.5]\n}\n", "1 not in [-1.5]"},
        /* Tokens that end the text, with no line end after them. */
        {H "tier S {\n rule \"a\"\n}\nflag f when 1 > 12", "flag f when 1 > 12\n"},
        {H "tier S {\n rule \"a\"\n}\nflag f when 2 > 1.5", "flag f when 2 > 1.5\n"},
        {H "tier S {\n rule \"a\"\n}\nflag f when 2 > 1e5", "flag f when 2 > 100000\n"},
        {H "let x = true\ntier S {\n rule \"a\"\n}\nflag f when x", "flag f when x\n"},
        {H "tier S {\n rule \"a\"\n}\nflag f when attr.b", "flag f when attr.b\n"},
        {H "tier S {\n rule \"a\"\n}\nflag f when attr.b == \"x\"",
         "flag f when attr.b == \"x\"\n"},
        {H "tier S {\n rule \"a\"\n}\n# the end", "tier S {\n    rule \"a\"\n}\n"},
        {H "tier S {\r\n rule \"a\" # c\r\n}\r\n# e\r\n", "tier S {\n    rule \"a\"\n}\n"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(ok); i++) {
        tier_policy *p = NULL;
        char *d;
        assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
        if (tier_policy_load_string(p, ok[i].text, strlen(ok[i].text), "ok.policy") != TIER_OK)
            fail_msg("%s: %s", ok[i].text, tier_policy_last_error(p));
        d = tst_policy_text(p);
        if (!strstr(d, ok[i].part))
            fail_msg("no \"%s\" in\n%s", ok[i].part, d);
        test_free(d);
        tier_policy_free(p);
    }
}

#define G(g)                            \
    {                                   \
        g##_cases, TST_COUNT(g##_cases) \
    }
static const parse_group groups[] = {
    G(header),     G(statement), G(model),     G(window_let), G(entitlement_flag_hierarchy),
    G(tier_block), G(routing),   G(expression)};

TST_MAIN(TST_CASE("header", run_group, &groups[0]), TST_CASE("statements", run_group, &groups[1]),
         TST_CASE("models", run_group, &groups[2]),
         TST_CASE("windows_and_lets", run_group, &groups[3]),
         TST_CASE("entitlements_flags_hierarchy", run_group, &groups[4]),
         TST_CASE("tier_blocks", run_group, &groups[5]), TST_CASE("routing", run_group, &groups[6]),
         TST_CASE("expressions", run_group, &groups[7]), cmocka_unit_test(test_accepted_edges))
