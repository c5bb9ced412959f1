/* SPDX-License-Identifier: MIT */
/* A model instance: a private copy of a user or built-in vtable, its state and its name. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/frame_internal.h"
#include "core/model_impl.h"
#include "core/text_internal.h"
#include "util/numtext.h"
#include "util/state.h"

/* 1 when `name` is 1 to 64 lower-case letters, digits or '_' (and upper-case letters with
 * `upper`). */
static int valid_word(const char *name, int upper)
{
    size_t i, n;
    if (!name || !(n = strlen(name)) || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (upper && c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

int tier__model_valid_name(const char *name)
{
    return valid_word(name, 1);
}

/* Bytes of a vtable of `version`: members are only appended, so a version-N caller's struct
 * ends where version N+1's first member starts. */
static size_t vtable_size(unsigned int version)
{
    if (version == 1)
        return offsetof(tier_model_vtable, outputs);
    if (version == 2)
        return offsetof(tier_model_vtable, score_row);
    if (version == 3)
        return offsetof(tier_model_vtable, fit_summary);
    return sizeof(tier_model_vtable);
}

/* The copied vtable describes a usable model. */
static int valid_vtable(const tier_model_vtable *vt)
{
    size_t i, j;
    if (!vt->score || !vt->fit_summary != !vt->fit_summaries)
        return 0;
    if (!vt->output_count != !vt->output_info)
        return 0;
    if (!vt->output_count) {
        if (vt->version < 2 || (vt->n_outputs && !vt->outputs))
            return 0;
        for (i = 0; i < vt->n_outputs; i++)
            if (!vt->outputs[i].name || (vt->outputs[i].type != TIER_VALUE_NUMBER &&
                                         vt->outputs[i].type != TIER_VALUE_LABEL))
                return 0;
    }
    if (vt->n_options) {
        if (!vt->options || !vt->set_option || !vt->get_option)
            return 0;
        for (i = 0; i < vt->n_options; i++) {
            const tier_model_option *o = &vt->options[i];
            if (!valid_word(o->name, 0) || o->type < TIER_OPTION_NUMBER ||
                o->type > TIER_OPTION_LIST)
                return 0;
            for (j = 0; j < i; j++)
                if (strcmp(vt->options[j].name, o->name) == 0)
                    return 0;
        }
    }
    return 1;
}

int tier_model_new(tier_model **out, const tier_model_vtable *vtable, void *state, const char *name,
                   const tier_allocator *alloc)
{
    tier_model_vtable vt;
    tier_model *m;
    int rc;
    if (out)
        *out = NULL;
    if (!vtable)
        return TIER_EINVAL;
    if (vtable->version == 0)
        return TIER_EVERSION; /* no defined layout: not even destroy can be found */
    if (vtable->version > TIER_MODEL_VTABLE_VERSION) {
        rc = TIER_EVERSION;
        goto fail;
    }
    /* Copy exactly the bytes the declared version has; later members stay NULL/0. */
    memset(&vt, 0, sizeof vt);
    memcpy(&vt, vtable, vtable_size(vtable->version));
    if (!out || !valid_vtable(&vt) || !tier__model_valid_name(name)) {
        rc = TIER_EINVAL;
        goto fail;
    }
    m = TIER__HANDLE_NEW(tier_model, alloc);
    if (!m) {
        rc = TIER_ENOMEM;
        goto fail;
    }
    m->vt = vt;
    m->origin = vtable;
    m->state = state;
    m->name = tier__strdup(&m->alloc, name);
    m->kind = tier__strdup(&m->alloc, vtable->kind ? vtable->kind : "custom");
    if (!m->name || !m->kind) {
        tier_allocator a = m->alloc;
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
    if (vtable->destroy)
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
    /* Every failing call of this API leaves its text in m->err; a user model's own functions
     * (outside it) can only leave theirs in the state, shown while m->err is empty. */
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

int tier__model_from_callback(int rc)
{
    return rc > 0 ? TIER_EUSER : rc;
}

const char *tier__model_callback_error(const tier_model *m, int rc)
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
    rc = tier__model_from_callback(m->vt.fit(m->state, book, inputs));
    tier_frame_free(empty);
    if (rc) {
        tier__errorf(m->err, "model \"%s\" (%s): fit failed: %s", m->name, m->kind,
                     tier__model_callback_error(m, rc));
        return rc;
    }
    m->fitted = 1;
    m->err[0] = '\0';
    return TIER_OK;
}

static size_t output_count(const tier_model *m)
{
    return m->vt.output_count ? m->vt.output_count(m->state) : m->vt.n_outputs;
}

static int output_info(const tier_model *m, size_t i, const char **name, int *type)
{
    if (m->vt.output_info)
        return tier__model_from_callback(m->vt.output_info(m->state, i, name, type));
    if (i >= m->vt.n_outputs)
        return TIER_ERANGE;
    *name = m->vt.outputs[i].name;
    *type = (int)m->vt.outputs[i].type;
    return TIER_OK;
}

size_t tier__model_output_count(const tier_model *model)
{
    return model ? output_count(model) : 0;
}

int tier__model_output_info(const tier_model *model, size_t i, const char **name, int *type)
{
    const char *n = NULL;
    int t = 0, rc;
    if (!model || !name || !type)
        return TIER_EINVAL;
    if (i >= output_count(model))
        return TIER_ERANGE;
    rc = output_info(model, i, &n, &t);
    if (rc == TIER_OK && !n)
        rc = TIER_EINVAL;
    *name = rc == TIER_OK ? n : NULL;
    *type = rc == TIER_OK ? t : 0;
    return rc;
}

/* Checks that the columns added since `mark` are exactly the declared outputs. */
static int check_outputs(const tier_model *m, tier_frame *frame, size_t mark)
{
    size_t n = output_count(m), i, col;
    char full[256];
    if (tier_frame_column_count(frame) - mark != n) {
        tier__errorf(tier__frame_error(frame), "model \"%s\" declared %zu outputs but added %zu",
                     m->name, n, tier_frame_column_count(frame) - mark);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        const char *name = NULL;
        int type = 0;
        if (output_info(m, i, &name, &type) || !name) {
            tier__errorf(tier__frame_error(frame), "model \"%s\": output %zu has no name", m->name,
                         i);
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
                         "model \"%s\": declared output \"%s\" missing or of another type", m->name,
                         name);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

int tier_model_score(const tier_model *m, const tier_book *book, tier_frame *frame)
{
    size_t mark;
    int rc;
    if (!frame)
        return TIER_EINVAL;
    tier__frame_error(frame)[0] = '\0';
    if (!m || !book) {
        tier__errorf(tier__frame_error(frame), "scoring needs a model and a book (%s is NULL)",
                     m ? "the book" : "the model");
        return TIER_EINVAL;
    }
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
    rc = tier__model_from_callback(m->vt.score(m->state, book, frame));
    if (rc) {
        char why[TIER__ERR_SIZE];
        memcpy(why, tier__frame_error(frame), sizeof why);
        tier__errorf(tier__frame_error(frame), "model \"%s\" (%s): score failed: %s", m->name,
                     m->kind, why[0] ? why : tier__model_callback_error(m, rc));
    } else {
        rc = check_outputs(m, frame, mark);
    }
    tier__frame_end(frame, mark, rc == TIER_OK);
    return rc;
}

/* Outputs tier_model_score_row handles without allocating; a model with more uses the heap. */
#define ROW_OUTPUTS 16

/* Where one row's outputs go: the columns, the values the model gave, and for label columns the
 * codes and the label-list marks that undo new labels. */
typedef struct row_out {
    size_t *col;
    double *num;
    const char **label;
    int32_t *code;
    size_t *mark;
} row_out;

/* Finds the model's columns "<name>.<output>" in the frame with the declared types. */
static int row_columns(const tier_model *m, tier_frame *frame, size_t n, row_out *o)
{
    size_t i, plen = strlen(m->name), hint = tier__frame_hint(frame, m->name);
    for (i = 0; i < n; i++) {
        const char *name = NULL;
        int type = 0, found;
        if (output_info(m, i, &name, &type) || !name) {
            tier__errorf(tier__frame_error(frame), "model \"%s\": output %zu has no name", m->name,
                         i);
            return TIER_EINVAL;
        }
        found = tier__frame_find_output(frame, m->name, plen, name, hint, &o->col[i]) == TIER_OK;
        if (!found || tier_frame_column_type(frame, o->col[i]) != type) {
            tier__errorf(tier__frame_error(frame),
                         "model \"%s\": column \"%s.%s\" %s (score the model into the frame "
                         "first: one customer is re-scored in place)",
                         m->name, m->name, name,
                         !found                      ? "is not in the frame"
                         : type == TIER_VALUE_NUMBER ? "holds labels, not numbers"
                                                     : "holds numbers, not labels");
            return TIER_ENOTFOUND;
        }
        if (i == 0)
            tier__frame_remember(frame, m->name, o->col[0]);
        hint = o->col[i] + 1;
    }
    return TIER_OK;
}

/* Writes the row: finds or adds every label first (all or nothing), then sets every cell. */
static int row_write(tier_frame *frame, size_t customer, size_t n, row_out *o)
{
    size_t i, j;
    int rc = TIER_OK;
    for (i = 0; i < n && rc == TIER_OK; i++) {
        o->mark[i] = 0; /* every entry is written: the undo and the writes below read them */
        o->code[i] = -1;
        if (tier_frame_column_type(frame, o->col[i]) != TIER_VALUE_LABEL)
            continue;
        o->mark[i] = tier__frame_label_mark(frame, o->col[i]);
        o->code[i] =
            o->label[i] ? tier__frame_label_code(frame, o->col[i], customer, o->label[i]) : -1;
        if (o->label[i] && o->code[i] < 0)
            rc = tier__frame_add_label(frame, o->col[i], o->label[i], &o->code[i]);
    }
    if (rc) {
        /* i - 1 failed and changed nothing; undo the labels added before it. */
        for (j = 0; j + 1 < i; j++)
            if (tier_frame_column_type(frame, o->col[j]) == TIER_VALUE_LABEL)
                tier__frame_drop_labels(frame, o->col[j], o->mark[j]);
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (tier_frame_column_type(frame, o->col[i]) == TIER_VALUE_LABEL)
            tier__frame_set_code(frame, o->col[i], customer, o->code[i]);
        else
            tier__frame_set_number(frame, o->col[i], customer, o->num[i]);
    }
    return TIER_OK;
}

/* The model's error buffer; a failed call on a const model still says why (the buffer is not
 * part of the model's observable state). */
static char *errbuf(const tier_model *m)
{
    return ((tier_model *)m)->err;
}

int tier_model_score_row(const tier_model *m, const tier_book *book, tier_frame *frame,
                         size_t customer)
{
    size_t col[ROW_OUTPUTS], mark[ROW_OUTPUTS], n, i;
    double num[ROW_OUTPUTS];
    const char *label[ROW_OUTPUTS];
    int32_t code[ROW_OUTPUTS];
    void *heap = NULL;
    char *err;
    row_out o;
    int rc;
    if (!frame)
        return TIER_EINVAL;
    err = tier__frame_error(frame);
    err[0] = '\0';
    if (!m || !book) {
        tier__errorf(err, "re-scoring a row needs a model and a book (%s is NULL)",
                     m ? "the book" : "the model");
        return TIER_EINVAL;
    }
    if (!m->fitted) {
        tier__errorf(err, "model \"%s\" is not fitted", m->name);
        return TIER_ESTATE;
    }
    if (!m->vt.score_row) {
        tier__errorf(err,
                     "model \"%s\" (%s) is a population model: its figures rank the whole book, "
                     "so one customer cannot be re-scored alone; the next batch run "
                     "(tier_model_score) refreshes them",
                     m->name, m->kind);
        return TIER_ESTATE;
    }
    if (customer >= tier_book_customer_count(book) || customer >= tier_frame_rows(frame)) {
        tier__errorf(
            err,
            "model \"%s\": customer %zu is out of range (the book has %zu, the frame %zu rows)",
            m->name, customer, tier_book_customer_count(book), tier_frame_rows(frame));
        return TIER_ERANGE;
    }
    n = output_count(m);
    o.col = col;
    o.num = num;
    o.label = label;
    o.code = code;
    o.mark = mark;
    if (n > ROW_OUTPUTS) {
        /* One block for the five arrays, each of n entries of at most 8 bytes. */
        size_t each = sizeof(double) > sizeof(size_t) ? sizeof(double) : sizeof(size_t);
        if (n > SIZE_MAX / (5 * each) || !(heap = tier__malloc(&m->alloc, 5 * n * each))) {
            tier__errorf(err, "model \"%s\": out of memory for %zu outputs", m->name, n);
            return TIER_ENOMEM;
        }
        o.col = heap;
        o.mark = (size_t *)((char *)heap + n * each);
        /* cppcheck-suppress invalidPointerCast ; malloc'ed bytes, 8-aligned (each is 8) */
        o.num = (double *)((char *)heap + 2 * n * each);
        o.label = (const char **)((char *)heap + 3 * n * each);
        o.code = (int32_t *)((char *)heap + 4 * n * each);
    }
    for (i = 0; i < n; i++) {
        o.num[i] = NAN;
        o.label[i] = NULL;
    }
    rc = row_columns(m, frame, n, &o);
    if (rc == TIER_OK) {
        rc = m->vt.score_row(m->state, book, frame, customer, o.num, o.label);
        if (rc) {
            char why[TIER__ERR_SIZE];
            memcpy(why, err, sizeof why);
            tier__errorf(err, "model \"%s\" (%s): score_row of customer \"%s\" failed: %s", m->name,
                         m->kind, tier_book_customer_id(book, customer, NULL),
                         why[0] ? why : tier__model_callback_error(m, rc));
        }
    }
    if (rc == TIER_OK)
        rc = row_write(frame, customer, n, &o);
    tier__free(&m->alloc, heap);
    return rc;
}

int tier_model_explain(const tier_model *m, const tier_book *book, const tier_frame *frame,
                       size_t customer, tier_text *out)
{
    /* A read-only call writes the model only when it fails: threads may share a fitted model. */
    int rc;
    if (!m)
        return TIER_EINVAL;
    if (!book || !frame || !out) {
        tier__errorf(errbuf(m), "model \"%s\": explain needs a book, a frame and a text", m->name);
        return TIER_EINVAL;
    }
    if (!m->fitted) {
        tier__errorf(errbuf(m), "model \"%s\" is not fitted: nothing to explain", m->name);
        return TIER_ESTATE;
    }
    if (customer >= tier_book_customer_count(book) || customer >= tier_frame_rows(frame)) {
        tier__errorf(errbuf(m), "model \"%s\": no customer %zu (the book has %zu, the frame %zu)",
                     m->name, customer, tier_book_customer_count(book), tier_frame_rows(frame));
        return TIER_ERANGE;
    }
    rc = m->vt.explain
             ? tier__model_from_callback(m->vt.explain(m->state, book, frame, customer, out))
             : tier_text_append(out, "(this model gives no explanation)", 33);
    if (rc)
        tier__errorf(errbuf(m), "model \"%s\" (%s): explain failed: %s", m->name, m->kind,
                     tier__model_callback_error(m, rc));
    return rc;
}

void *tier__model_state_if(const tier_model *m, const tier_model_vtable *vtable)
{
    if (m && m->origin != vtable)
        tier__errorf(errbuf(m), "model \"%s\" is of kind \"%s\", not \"%s\"", m->name, m->kind,
                     vtable->kind);
    return (m && m->origin == vtable) ? m->state : NULL;
}

int tier__model_end(const tier_model *m, int rc, char *why)
{
    if (rc == TIER_OK || !m)
        return rc;
    if (why && why[0]) {
        tier__errorf(errbuf(m), "%s", why);
        why[0] = '\0';
    } else {
        tier__errorf(errbuf(m), "model \"%s\": %s", m->name, tier_strerror(rc));
    }
    return rc;
}

void tier__model_set_fitted(tier_model *m, int fitted)
{
    m->fitted = fitted;
}

/* ---- options (vtable version 2) -------------------------------------------------------- */

size_t tier_model_option_count(const tier_model *m)
{
    return m ? m->vt.n_options : 0;
}

int tier_model_option_info(const tier_model *m, size_t i, const char **name, int *type,
                           const char **doc)
{
    if (!m)
        return TIER_EINVAL;
    if (i >= m->vt.n_options)
        return TIER_ERANGE;
    if (name)
        *name = m->vt.options[i].name;
    if (type)
        *type = (int)m->vt.options[i].type;
    if (doc)
        *doc = m->vt.options[i].doc ? m->vt.options[i].doc : "";
    return TIER_OK;
}

static const char *type_name(int type)
{
    return type == TIER_OPTION_NUMBER ? "a number" : type == TIER_OPTION_TEXT ? "a text" : "a list";
}

/* The declared option `name`, or NULL with the error (naming the valid options) set. */
static const tier_model_option *find_option(const tier_model *m, const char *name)
{
    char *err = errbuf(m), q[TIER__QUOTE_MAX * 4 + 16];
    size_t i, len;
    for (i = 0; name && i < m->vt.n_options; i++)
        if (strcmp(m->vt.options[i].name, name) == 0)
            return &m->vt.options[i];
    if (!m->vt.n_options) {
        tier__errorf(err, "model \"%s\" (%s) has no options, so none named %s", m->name, m->kind,
                     tier__quote_text(q, sizeof q, name ? name : "", name ? strlen(name) : 0));
        return NULL;
    }
    tier__errorf(err, "model \"%s\" (%s) has no option %s; its options are ", m->name, m->kind,
                 tier__quote_text(q, sizeof q, name ? name : "", name ? strlen(name) : 0));
    len = strlen(err);
    for (i = 0; i < m->vt.n_options && len + 4 < TIER__ERR_SIZE; i++) {
        int n =
            snprintf(err + len, TIER__ERR_SIZE - len, "%s%s", i ? ", " : "", m->vt.options[i].name);
        if (n < 0 || (size_t)n >= TIER__ERR_SIZE - len) {
            strcpy(err + TIER__ERR_SIZE - 4, "...");
            break;
        }
        len += (size_t)n;
    }
    return NULL;
}

static int fetch_option(const tier_model *m, const tier_model_option *o, tier_value *val);

/* 1 when two values of one option are equal. */
static int same_value(const tier_value *a, const tier_value *b)
{
    size_t i;
    if (a->type != b->type)
        return 0;
    if (a->type == TIER_OPTION_NUMBER)
        return a->number == b->number || (isnan(a->number) && isnan(b->number));
    if (a->type == TIER_OPTION_TEXT)
        return strcmp(a->text, b->text) == 0;
    if (a->n_items != b->n_items)
        return 0;
    for (i = 0; i < a->n_items; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return 0;
    return 1;
}

/* Hands a value of the declared type to the model; all or nothing (the callback's promise). An
 * option flagged TIER_OPTION_FORGETS_FIT set to another value than it had unfits the model. */
static int apply_option(tier_model *m, const tier_model_option *o, const tier_value *v)
{
    tier_value old;
    int rc, known = 0;
    int check = (o->flags & TIER_OPTION_FORGETS_FIT) && m->vt.fit && m->fitted && !m->vt.is_fitted;
    tier__value_init(&old, &m->alloc);
    if (check)
        known = fetch_option(m, o, &old) == TIER_OK;
    rc = tier__model_from_callback(m->vt.set_option(m->state, o->name, v));
    if (rc) {
        tier__errorf(m->err, "model \"%s\": option \"%s\": %s", m->name, o->name,
                     tier__model_callback_error(m, rc));
        tier__value_clear(&old);
        return rc;
    }
    if (m->vt.is_fitted && m->vt.fit)
        m->fitted = m->vt.is_fitted(m->state) != 0;
    else if (check && (!known || !same_value(&old, v)))
        m->fitted = 0;
    tier__value_clear(&old);
    m->err[0] = '\0';
    return TIER_OK;
}

static const tier_model_option *option_of_type(tier_model *m, const char *name, int type)
{
    const tier_model_option *o;
    if (!m)
        return NULL;
    m->err[0] = '\0';
    o = find_option(m, name);
    if (o && o->type != type) {
        tier__errorf(m->err, "model \"%s\": option \"%s\" is %s, not %s", m->name, o->name,
                     type_name(o->type), type_name(type));
        return NULL;
    }
    return o;
}

/* Status for a failed lookup: no such option, or one of another type. */
static int lookup_status(const tier_model *m, const char *name)
{
    size_t i;
    for (i = 0; name && i < m->vt.n_options; i++)
        if (strcmp(m->vt.options[i].name, name) == 0)
            return TIER_EINVAL;
    return TIER_ENOTFOUND;
}

int tier_model_set_number(tier_model *m, const char *name, double v)
{
    const tier_model_option *o = option_of_type(m, name, TIER_OPTION_NUMBER);
    tier_value val;
    int rc;
    if (!o)
        return m ? lookup_status(m, name) : TIER_EINVAL;
    tier__value_init(&val, &m->alloc);
    tier_value_set_number(&val, v);
    rc = apply_option(m, o, &val);
    tier__value_clear(&val);
    return rc;
}

/* Applies option `o` from `val` when making the value succeeded (`made` is TIER_OK); else fails
 * with `made`, saying "out of memory" or `bad`. Clears `val` either way. */
static int apply_made(tier_model *m, const tier_model_option *o, tier_value *val, int made,
                      const char *bad)
{
    int rc = made;
    if (rc)
        tier__errorf(m->err, "model \"%s\": option \"%s\": %s", m->name, o->name,
                     rc == TIER_ENOMEM ? "out of memory" : bad);
    else
        rc = apply_option(m, o, val);
    tier__value_clear(val);
    return rc;
}

int tier_model_set_text(tier_model *m, const char *name, const char *text)
{
    const tier_model_option *o = option_of_type(m, name, TIER_OPTION_TEXT);
    tier_value val;
    if (!o)
        return m ? lookup_status(m, name) : TIER_EINVAL;
    tier__value_init(&val, &m->alloc);
    return apply_made(m, o, &val, tier_value_set_text(&val, text),
                      "the text is missing or not UTF-8");
}

int tier_model_set_list(tier_model *m, const char *name, const char *const *items, size_t n)
{
    const tier_model_option *o = option_of_type(m, name, TIER_OPTION_LIST);
    tier_value val;
    if (!o)
        return m ? lookup_status(m, name) : TIER_EINVAL;
    tier__value_init(&val, &m->alloc);
    return apply_made(m, o, &val, tier_value_set_list(&val, items, n),
                      "an item is missing or not UTF-8");
}

int tier_model_set_option(tier_model *m, const char *name, const char *text)
{
    const tier_model_option *o;
    tier_value val;
    int rc = TIER_OK;
    if (!m)
        return TIER_EINVAL;
    m->err[0] = '\0';
    o = find_option(m, name);
    if (!o)
        return TIER_ENOTFOUND;
    if (!text) {
        tier__errorf(m->err, "model \"%s\": option \"%s\": no value", m->name, o->name);
        return TIER_EINVAL;
    }
    tier__value_init(&val, &m->alloc);
    if (o->type == TIER_OPTION_NUMBER) {
        double v;
        char q[TIER__QUOTE_MAX * 4 + 16];
        if (!tier__state_parse_number(text, strlen(text), &v)) {
            tier__errorf(m->err, "model \"%s\": option \"%s\": %s is not a number", m->name,
                         o->name, tier__quote_text(q, sizeof q, text, strlen(text)));
            return TIER_EINVAL;
        }
        tier_value_set_number(&val, v);
    } else if (o->type == TIER_OPTION_TEXT) {
        rc = tier_value_set_text(&val, text);
    } else {
        /* Comma-separated items; "" is the empty list. */
        size_t n = 0, i, cap = 1;
        const char *p;
        char *copy, **items;
        for (p = text; *p; p++)
            cap += *p == ',';
        copy = tier__strdup(&m->alloc, text);
        items = tier__calloc(&m->alloc, cap, sizeof *items);
        if (!copy || !items) {
            rc = TIER_ENOMEM;
        } else if (*text) {
            items[n++] = copy;
            for (i = 0; copy[i]; i++)
                if (copy[i] == ',') {
                    copy[i] = '\0';
                    items[n++] = copy + i + 1;
                }
        }
        if (!rc)
            rc = tier_value_set_list(&val, (const char *const *)items, n);
        tier__free(&m->alloc, items);
        tier__free(&m->alloc, copy);
    }
    if (rc) {
        tier__errorf(m->err, "model \"%s\": option \"%s\": %s", m->name, o->name,
                     rc == TIER_ENOMEM ? "out of memory" : "the text is not UTF-8");
        tier__value_clear(&val);
        return rc;
    }
    rc = apply_option(m, o, &val);
    tier__value_clear(&val);
    return rc;
}

/* Asks the model for option `name` into `val`; checks the type it gave. */
static int fetch_option(const tier_model *m, const tier_model_option *o, tier_value *val)
{
    int rc = tier__model_from_callback(m->vt.get_option(m->state, o->name, val));
    if (rc) {
        tier__errorf(errbuf(m), "model \"%s\": option \"%s\": %s", m->name, o->name,
                     tier__model_callback_error(m, rc));
        return rc;
    }
    if (val->type != o->type) {
        tier__errorf(errbuf(m), "model \"%s\": option \"%s\": get_option gave no value of its type",
                     m->name, o->name);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* The start of every option getter: finds option `name` (of `type`, or any type when 0) and
 * fetches its value into `val`, which the caller clears whatever the status. */
static int fetch_named(const tier_model *m, const char *name, int type, tier_value *val,
                       const tier_model_option **opt)
{
    const tier_model_option *o;
    tier__value_init(val, &m->alloc);
    /* No write to the model unless the call fails: threads may share a fitted model. */
    o = find_option(m, name);
    if (!o)
        return TIER_ENOTFOUND;
    if (type && o->type != type) {
        tier__errorf(errbuf(m), "model \"%s\": option \"%s\" is %s, not %s", m->name, o->name,
                     type_name(o->type), type_name(type));
        return TIER_EINVAL;
    }
    *opt = o;
    return fetch_option(m, o, val);
}

/* The canonical text of a fetched value: the number's shortest form, the text, or the list's
 * items joined by commas. */
static int value_text(const tier_model *m, const tier_value *val, tier_text *out)
{
    char num[TIER__NUM_SIZE];
    tier_text *t = NULL;
    size_t i;
    int rc;
    if (val->type == TIER_OPTION_NUMBER)
        return tier__text_replace(out, num, tier__state_format_number(num, val->number));
    if (val->type == TIER_OPTION_TEXT)
        return tier__text_replace(out, val->text, strlen(val->text));
    rc = tier_text_new(&t, &m->alloc);
    for (i = 0; !rc && i < val->n_items; i++) {
        if (i)
            rc = tier_text_append(t, ",", 1);
        if (!rc)
            rc = tier_text_append(t, val->items[i], strlen(val->items[i]));
    }
    if (!rc)
        rc = tier__text_replace(out, tier_text_data(t), tier_text_length(t));
    tier_text_free(t);
    return rc;
}

/* What an option getter hands back. */
enum { GET_VALUE, GET_NUMBER, GET_TEXT };

/* The one body of the option getters: finds and fetches option `name` (a number for GET_NUMBER)
 * and hands it to `out` as a tier_value, a double or a tier_text. */
static int get_option_as(const tier_model *m, const char *name, int as, void *out)
{
    const tier_model_option *o = NULL;
    tier_value val;
    int rc;
    if (!m)
        return TIER_EINVAL;
    if (!out) {
        tier__errorf(errbuf(m), "model \"%s\": no place for the option's value (NULL)", m->name);
        return TIER_EINVAL;
    }
    rc = fetch_named(m, name, as == GET_NUMBER ? TIER_OPTION_NUMBER : 0, &val, &o);
    if (!rc && as == GET_NUMBER) {
        *(double *)out = val.number;
    } else if (!rc && as == GET_TEXT) {
        if ((rc = value_text(m, &val, out)) != 0)
            tier__errorf(errbuf(m), "model \"%s\": option \"%s\": out of memory", m->name, o->name);
    } else if (!rc) {
        if (val.type == TIER_OPTION_NUMBER)
            rc = tier_value_set_number(out, val.number);
        else if (val.type == TIER_OPTION_TEXT)
            rc = tier_value_set_text(out, val.text);
        else
            rc = tier_value_set_list(out, (const char *const *)val.items, val.n_items);
        if (rc)
            tier__errorf(errbuf(m), "model \"%s\": option \"%s\": out of memory", m->name, o->name);
    }
    tier__value_clear(&val);
    return rc;
}

int tier_model_get_value(const tier_model *m, const char *name, tier_value *out)
{
    return get_option_as(m, name, GET_VALUE, out);
}

int tier_model_get_number(const tier_model *m, const char *name, double *out)
{
    return get_option_as(m, name, GET_NUMBER, out);
}

int tier_model_get_option(const tier_model *m, const char *name, tier_text *out)
{
    return get_option_as(m, name, GET_TEXT, out);
}

/* ---- save and load (vtable version 2) -------------------------------------------------- */

int tier_model_save(const tier_model *m, tier_text *out)
{
    tier_state_writer w;
    int rc;
    /* A read-only call writes the model only when it fails: threads may share a fitted model. */
    if (!m)
        return TIER_EINVAL;
    if (!out) {
        tier__errorf(errbuf(m), "model \"%s\": no text to save into (NULL)", m->name);
        return TIER_EINVAL;
    }
    if (!m->vt.save) {
        tier__errorf(errbuf(m), "model \"%s\" (%s) cannot be saved (its vtable has no save)",
                     m->name, m->kind);
        return TIER_EINVAL;
    }
    if (!m->fitted) {
        tier__errorf(errbuf(m), "model \"%s\" is not fitted: nothing to save", m->name);
        return TIER_ESTATE;
    }
    tier__state_writer_init(&w, &m->alloc);
    rc = tier__state_write_header(&w, m->kind, m->name);
    if (!rc) {
        rc = tier__model_from_callback(m->vt.save(m->state, &w));
        if (!rc)
            rc = w.status;
        if (rc) {
            const char *why = rc == TIER_EINVAL && w.status == TIER_EINVAL
                                  ? "a record key or text is malformed"
                                  : tier__model_callback_error(m, rc);
            tier__errorf(errbuf(m), "model \"%s\" (%s): save failed: %s", m->name, m->kind, why);
        }
    } else {
        tier__errorf(errbuf(m), "model \"%s\": out of memory", m->name);
    }
    if (!rc) {
        rc = tier__state_writer_finish(&w);
        if (!rc)
            rc = tier__text_replace(out, tier__buf_data(&w.buf), tier__buf_len(&w.buf));
        if (rc)
            tier__errorf(errbuf(m), "model \"%s\": %s", m->name,
                         rc == TIER_ENOMEM ? "out of memory" : tier_strerror(rc));
    }
    tier__state_writer_free(&w);
    return rc;
}

int tier_model_load(tier_model *m, const char *data, size_t len)
{
    tier_state_reader r;
    int rc;
    if (!m || (!data && len))
        return TIER_EINVAL;
    m->err[0] = '\0';
    if (!m->vt.load) {
        tier__errorf(m->err, "model \"%s\" (%s) cannot be loaded (its vtable has no load)", m->name,
                     m->kind);
        return TIER_EINVAL;
    }
    rc = tier__state_reader_open(&r, &m->alloc, data, len, m->kind);
    if (!rc) {
        rc = tier__model_from_callback(m->vt.load(m->state, &r));
        if (!rc)
            rc = tier__state_reader_check_end(&r); /* a record the callback did not read */
        else if (r.status == TIER_OK && rc != TIER_ENOMEM) {
            /* The callback refused without saying where: name the record it stopped at. */
            tier__errorf(r.err, "line %lu: %s", (unsigned long)r.line,
                         tier__model_callback_error(m, rc));
        }
    }
    if (rc) {
        /* A load callback must have left its state as it was (vtable contract). */
        tier__errorf(m->err, "model \"%s\" (%s): load failed: %s", m->name, m->kind,
                     r.err[0] ? r.err : tier__model_callback_error(m, rc));
    } else {
        m->fitted = 1;
    }
    tier__state_reader_close(&r);
    return rc;
}
