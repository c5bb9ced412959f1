/* SPDX-License-Identifier: MIT */
/* A model instance: a private copy of a user or built-in vtable, its state and its name. */
#include <string.h>

#include "core/frame_internal.h"
#include "core/model_internal.h"

struct tier_model {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    tier_model_vtable vt;
    const tier_model_vtable *origin; /* the caller's vtable: identifies built-in models */
    void *state;
    char *name;
    char *kind;
    int fitted;
};

static int valid_model_name(const char *name)
{
    size_t i, n;
    if (!name || !(n = strlen(name)) || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

int tier_model_new(tier_model **out, const tier_model_vtable *vtable, void *state,
                   const char *name, const tier_allocator *alloc)
{
    tier_allocator a;
    tier_model *m;
    int rc;
    if (!out) {
        rc = TIER_EINVAL;
        goto fail;
    }
    *out = NULL;
    if (!vtable || !vtable->score || !vtable->output_count || !vtable->output_info ||
        !valid_model_name(name)) {
        rc = vtable && vtable->version > TIER_MODEL_VTABLE_VERSION ? TIER_EVERSION : TIER_EINVAL;
        goto fail;
    }
    if (vtable->version == 0 || vtable->version > TIER_MODEL_VTABLE_VERSION) {
        rc = TIER_EVERSION;
        goto fail;
    }
    tier__alloc_init(&a, alloc);
    m = tier__calloc(&a, 1, sizeof *m);
    if (!m) {
        rc = TIER_ENOMEM;
        goto fail;
    }
    m->alloc = a;
    /* Version 1 is the whole struct; later versions append members we would copy by size. */
    m->vt = *vtable;
    m->origin = vtable;
    m->state = state;
    m->name = tier__strdup(&a, name);
    m->kind = tier__strdup(&a, vtable->kind ? vtable->kind : "custom");
    if (!m->name || !m->kind) {
        tier__free(&a, m->name);
        tier__free(&a, m->kind);
        tier__free(&a, m);
        rc = TIER_ENOMEM;
        goto fail;
    }
    m->fitted = vtable->fit == NULL;
    *out = m;
    return TIER_OK;
fail:
    /* Members are only appended, so destroy sits where version 1 put it in any newer vtable. */
    if (vtable && vtable->version >= 1 && vtable->destroy)
        vtable->destroy(state);
    return rc;
}

void tier_model_free(tier_model *m)
{
    if (!m)
        return;
    if (m->vt.destroy)
        m->vt.destroy(m->state);
    tier__free(&m->alloc, m->name);
    tier__free(&m->alloc, m->kind);
    tier__free(&m->alloc, m);
}

const char *tier_model_last_error(const tier_model *m)
{
    const char *e;
    if (!m)
        return "";
    /* Model-specific calls (options, loading) leave their text in the state. */
    e = m->vt.last_error ? m->vt.last_error(m->state) : NULL;
    return (e && *e && !m->err[0]) ? e : m->err;
}

const char *tier_model_name(const tier_model *m)
{
    return m ? m->name : NULL;
}

const char *tier_model_kind(const tier_model *m)
{
    return m ? m->kind : NULL;
}

void *tier_model_state(const tier_model *m)
{
    return m ? m->state : NULL;
}

int tier_model_is_fitted(const tier_model *m)
{
    return m ? m->fitted : 0;
}

/* The callback's own detail text, or the status text. */
static const char *callback_error(const tier_model *m, int rc)
{
    const char *e = m->vt.last_error ? m->vt.last_error(m->state) : NULL;
    return (e && *e) ? e : tier_strerror(rc);
}

int tier_model_fit(tier_model *m, const tier_book *book, const tier_frame *inputs)
{
    tier_frame *empty = NULL;
    int rc;
    if (!m)
        return TIER_EINVAL;
    m->err[0] = '\0';
    if (!book) {
        tier__errorf(m->err, "model \"%s\": no book", m->name);
        return TIER_EINVAL;
    }
    if (!m->vt.fit) {
        m->fitted = 1;
        return TIER_OK;
    }
    if (!inputs) {
        rc = tier_frame_new(&empty, tier_book_customer_count(book), &m->alloc);
        if (rc) {
            tier__errorf(m->err, "model \"%s\": out of memory", m->name);
            return rc;
        }
        inputs = empty;
    }
    rc = m->vt.fit(m->state, book, inputs);
    tier_frame_free(empty);
    if (rc) {
        tier__errorf(m->err, "model \"%s\" (%s): fit failed: %s", m->name, m->kind,
                     callback_error(m, rc));
        return rc;
    }
    m->fitted = 1;
    m->err[0] = '\0';
    return TIER_OK;
}

/* Checks that the columns added since `mark` are exactly the declared outputs. */
static int check_outputs(const tier_model *m, tier_frame *frame, size_t mark)
{
    size_t n = m->vt.output_count(m->state), i, col;
    char full[256];
    if (tier_frame_column_count(frame) - mark != n) {
        tier__errorf(tier__frame_error(frame), "model \"%s\" declared %zu outputs but added %zu",
                     m->name, n, tier_frame_column_count(frame) - mark);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        const char *name = NULL;
        int type = 0;
        if (m->vt.output_info(m->state, i, &name, &type) || !name) {
            tier__errorf(tier__frame_error(frame), "model \"%s\": output %zu has no name", m->name, i);
            return TIER_EINVAL;
        }
        if (strlen(m->name) + strlen(name) + 2 > sizeof full) {
            tier__errorf(tier__frame_error(frame), "model \"%s\": output name too long", m->name);
            return TIER_EINVAL;
        }
        strcpy(full, m->name);
        strcat(full, ".");
        strcat(full, name);
        if (tier_frame_find(frame, full, &col) || col < mark ||
            tier_frame_column_type(frame, col) != type) {
            tier__errorf(tier__frame_error(frame),
                         "model \"%s\": declared output \"%s\" missing or of another type",
                         m->name, name);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

int tier_model_score(const tier_model *m, const tier_book *book, tier_frame *frame)
{
    size_t mark;
    int rc;
    if (!m || !book || !frame)
        return TIER_EINVAL;
    if (!m->fitted) {
        tier__errorf(tier__frame_error(frame), "model \"%s\" is not fitted", m->name);
        return TIER_ESTATE;
    }
    if (tier_frame_rows(frame) != tier_book_customer_count(book)) {
        tier__errorf(tier__frame_error(frame), "frame has %zu rows but the book %zu customers",
                     tier_frame_rows(frame), tier_book_customer_count(book));
        return TIER_EINVAL;
    }
    mark = tier__frame_begin(frame, m->name);
    rc = m->vt.score(m->state, book, frame);
    if (rc) {
        char why[TIER__ERR_SIZE];
        memcpy(why, tier__frame_error(frame), sizeof why);
        tier__errorf(tier__frame_error(frame), "model \"%s\" (%s): score failed: %s", m->name,
                     m->kind, why[0] ? why : callback_error(m, rc));
    } else {
        rc = check_outputs(m, frame, mark);
    }
    tier__frame_end(frame, mark, rc == TIER_OK);
    return rc;
}

int tier_model_explain(const tier_model *m, const tier_book *book, const tier_frame *frame,
                       size_t customer, tier_text *out)
{
    if (!m || !book || !frame || !out)
        return TIER_EINVAL;
    if (!m->fitted)
        return TIER_ESTATE;
    if (customer >= tier_book_customer_count(book) || customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    if (!m->vt.explain)
        return tier_text_append(out, "(this model gives no explanation)", 33);
    return m->vt.explain(m->state, book, frame, customer, out);
}

void *tier__model_state_if(const tier_model *m, const tier_model_vtable *vtable)
{
    return (m && m->origin == vtable) ? m->state : NULL;
}

void tier__model_set_fitted(tier_model *m, int fitted)
{
    m->fitted = fitted;
}
