/* tag.c -- render the REQTAG_FORMAT template for one request. */
#include "tag.h"

#include <string.h>

#include "digits.h"

static size_t put(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    if (at >= cap)
        return at;
    if (n > cap - at)
        n = cap - at;
    memcpy(out + at, s, n);
    return at + n;
}

static size_t put_num(char *out, size_t at, size_t cap, int64_t v)
{
    char d[DIGITS_MAX];
    size_t n;
    if (v < 0)
        return at;
    const char *p = digits_u64(d, (uint64_t)v, &n);
    return put(out, at, cap, p, n);
}

static size_t put_clean(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n && at < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[at++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
    }
    return at;
}

/* A field value: printable ASCII, spaces included (anything else cannot get here, but stays out). */
static size_t put_text(char *out, size_t at, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n && at < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[at++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    return at;
}

size_t tag_render_vars(const struct reqtag_tagfmt *f, const struct tag_vars *v, char *out, size_t cap)
{
    size_t at = 0;
    for (unsigned i = 0; i < f->nseg && i < REQTAG_MAX_SEGMENTS; i++) {
        const struct tag_seg *s = &f->seg[i];
        switch (s->kind) {
        case TAG_ID: at = put(out, at, cap, v->id, v->idlen); break;
        case TAG_PID: at = put_num(out, at, cap, v->pid); break;
        case TAG_TID: at = put_num(out, at, cap, v->tid); break;
        case TAG_ELAPSED: at = put_num(out, at, cap, v->elapsed_ms); break;
        case TAG_METHOD: at = put_clean(out, at, cap, v->method, v->method ? v->mlen : 0); break;
        case TAG_PATH: at = put_clean(out, at, cap, v->path, v->path ? v->plen : 0); break;
        case TAG_FIELD:
            if (s->off < REQTAG_MAX_FIELDS && v->field[s->off] != NULL)
                at = put_text(out, at, cap, v->field[s->off], v->flen[s->off]);
            break;
        default:
            if ((size_t)s->off + s->len <= sizeof f->lit)
                at = put(out, at, cap, f->lit + s->off, s->len);
        }
    }
    return at;
}

size_t tag_render(const struct reqtag_tagfmt *f, const char *id, size_t idlen, char *out, size_t cap)
{
    struct tag_vars v = {.id = id, .idlen = idlen, .pid = -1, .tid = -1, .elapsed_ms = -1};
    return tag_render_vars(f, &v, out, cap);
}

bool tag_has_vars(const struct reqtag_tagfmt *f)
{
    return f->vars != 0;
}

bool tag_split(const struct reqtag_tagfmt *f, struct tag_split *sp)
{
    *sp = (struct tag_split){f->lit, 0, f->lit, 0};
    unsigned i = 0, n = f->nseg;
    if (n > REQTAG_MAX_SEGMENTS)
        return false;
    const struct tag_seg *s = &f->seg[0];
    if (i < n && s[i].kind == TAG_LITERAL && (size_t)s[i].off + s[i].len <= sizeof f->lit) {
        sp->pre = f->lit + s[i].off;
        sp->prelen = s[i++].len;
    }
    if (i == n || s[i++].kind != TAG_ID)
        return false;
    if (i < n && s[i].kind == TAG_LITERAL && (size_t)s[i].off + s[i].len <= sizeof f->lit) {
        sp->post = f->lit + s[i].off;
        sp->postlen = s[i++].len;
    }
    return i == n;
}
