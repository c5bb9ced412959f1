/* SPDX-License-Identifier: MIT */
/* The book's savepoints (tier_book_savepoint, tier_book_rollback, tier_book_release): a host
 * tries changes inside its own transaction and undoes them exactly. A savepoint is a stage that
 * outlives the calls inside it: the figure journal keeps the entries of every stage opened while
 * a savepoint is open (each stage's own rollback still undoes only its rows), attribute sets log
 * the cell they overwrite, and a rollback walks both back, newest first, to the savepoint's mark
 * (the undo shared with the stage's own rollback: tier__book_undo_to). */
#include <string.h>

#include "core/book_impl.h"

void tier__book_undo_to(tier_book *b, const book_extent *mark, size_t journal_from,
                        size_t undo_from)
{
    size_t i;
    /* Attribute cells, newest first: each restores what the cell held before its set. */
    for (i = b->nundo; i-- > undo_from;) {
        attr_undo *u = &b->undo[i];
        attribute *at = &b->attrs[u->attr];
        if (at->text) {
            tier__free(&b->alloc, at->text[u->index]);
            at->text[u->index] = u->text;
        } else {
            at->num[u->index] = u->num;
        }
    }
    b->nundo = undo_from;
    /* Figures of customers that existed before, newest entry first. */
    for (i = b->njournal; i-- > journal_from;)
        b->fig[b->journal[i].index] = b->journal[i].before;
    for (i = b->live.ncust; i-- > mark->ncust;)
        tier__book_slot_remove(b, i);
    b->mark = *mark; /* what the index unlinks down to */
    tier__book_index_rollback(b);
    /* Attribute names created since hold no value any more: forget them. */
    while (b->live.nattr > mark->nattr) {
        attribute *at = &b->attrs[--b->live.nattr];
        tier__free(&b->alloc, at->num);
        tier__free(&b->alloc, at->text);
        tier__free(&b->alloc, at->name);
    }
    b->live = *mark;
    b->njournal = journal_from;
}

int tier__book_attr_log(tier_book *b, size_t attr, size_t index)
{
    attribute *at = &b->attrs[attr];
    attr_undo *u;
    void *p = b->undo;
    if (!b->nsp)
        return TIER_OK;
    if (tier__grow(&b->alloc, &p, &b->cap_undo, b->nundo + 1, sizeof(attr_undo)) != TIER_OK) {
        tier__errorf(b->err, "out of memory keeping attribute \"%s\" for the savepoint", at->name);
        return TIER_ENOMEM;
    }
    b->undo = p;
    u = &b->undo[b->nundo++];
    u->attr = attr;
    u->index = index;
    u->num = at->num ? at->num[index] : 0.0;
    u->text = at->text ? at->text[index] : NULL;
    return TIER_OK;
}

/* Frees the old texts of undo entries from `from` on (their cells were set since). */
static void drop_undo(tier_book *b, size_t from)
{
    size_t i;
    for (i = from; i < b->nundo; i++)
        tier__free(&b->alloc, b->undo[i].text);
    b->nundo = from;
}

void tier__book_savepoint_free(tier_book *b)
{
    drop_undo(b, 0);
    tier__free(&b->alloc, b->undo);
    tier__free(&b->alloc, b->sp);
    b->undo = NULL;
    b->sp = NULL;
    b->nsp = b->cap_sp = b->cap_undo = 0;
}

int tier_book_savepoint(tier_book *b)
{
    void *p;
    book_savepoint *sp;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    p = b->sp;
    if (tier__grow(&b->alloc, &p, &b->cap_sp, b->nsp + 1, sizeof(book_savepoint)) != TIER_OK) {
        tier__errorf(b->err, "out of memory opening savepoint %zu", b->nsp + 1);
        return TIER_ENOMEM;
    }
    b->sp = p;
    if (!b->nsp) /* the journal of the last stage is done with */
        b->njournal = 0;
    sp = &b->sp[b->nsp++];
    sp->mark = b->live;
    sp->journal_from = b->njournal;
    sp->undo_from = b->nundo;
    return TIER_OK;
}

static int no_savepoint(tier_book *b, const char *what)
{
    tier__errorf(b->err, "%s: the book has no open savepoint (tier_book_savepoint)", what);
    return TIER_ESTATE;
}

int tier_book_rollback(tier_book *b)
{
    book_savepoint sp;
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (!b->nsp)
        return no_savepoint(b, "rollback");
    sp = b->sp[--b->nsp];
    tier__book_undo_to(b, &sp.mark, sp.journal_from, sp.undo_from);
    if (!b->nsp)
        b->njournal = 0;
    return TIER_OK;
}

int tier_book_release(tier_book *b)
{
    if (!b)
        return TIER_EINVAL;
    b->err[0] = '\0';
    if (!b->nsp)
        return no_savepoint(b, "release");
    /* The changes stay; an enclosing savepoint can still undo them (its entries go on). */
    if (--b->nsp == 0) {
        drop_undo(b, 0);
        b->njournal = 0;
    }
    return TIER_OK;
}

size_t tier_book_savepoint_depth(const tier_book *b)
{
    return b ? b->nsp : 0;
}
