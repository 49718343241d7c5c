/* conn.c -- a connection's request/response bookkeeping and the threads that adopt its request. */
#include "conn.h"

#include <string.h>

#include "config.h"
#include "reqid.h"
#include "summary.h"

static void set_cur(struct conn *c, const struct reqctx *r)
{
    if (r->len == c->cur.len && r->start_ns == c->cur.start_ns && memcmp(r->id, c->cur.id, r->len) == 0)
        return;
    __atomic_add_fetch(&c->seq, 1, __ATOMIC_ACQ_REL);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    c->cur = *r;
    __atomic_add_fetch(&c->gen, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
}

static const struct reqctx none = {.len = 0};

/* Who is current after the counts changed (see conn.h). After a head: the newest, if nothing else
 * is in flight. After a response: the newest, once its own response has started; before that the
 * lines may be the previous request's (an access log) or the next one's: none. */
static void settle(struct conn *c, bool after_response)
{
    bool newest = c->heads > 0 &&
                  (c->resp_lost || (after_response ? c->answered == c->heads : c->answered + 1 == c->heads));
    set_cur(c, newest ? &c->ring[(c->heads - 1) % CONN_RING] : &none);
}

const struct reqctx *conn_request(const struct conn *c, uint32_t k)
{
    if (k >= c->heads || c->heads - k > CONN_RING)
        return NULL;
    return &c->ring[k % CONN_RING];
}

void conn_start(struct conn *c)
{
    c->heads = c->answered = 0;
    c->head_bits = 0;
    c->resp_lost = 0;
    c->burst = 0;
    c->mixed = 0;
    c->began_in_body = 0;
    c->inj_done = 0;
    c->pendlen = 0;
    c->summarized = 0;
    c->out_bytes = 0;
    c->resp_open = 0;
    c->last_code = 0;
    for (int i = 0; i < CONN_RING; i++)
        c->ring[i].len = 0;
    set_cur(c, &none);
    scan_init(&c->scan);
    resp_init(&c->resp);
}

static void head_read(struct conn *c, const struct scan_head *h)
{
    struct reqctx r = {.len = 0, .start_ns = mono_ns()};
    if (h->idlen > 0) {
        ctx_set(&r, h->id, h->idlen);
        r.kind = h->traceparent ? ID_TRACE : ID_GIVEN;
        r.trace_flags = h->trace_flags;
    } else if (reqtag_cfg.generate) {
        char id[REQTAG_GEN_ID_LEN];
        reqid_generate(id);
        ctx_set(&r, id, sizeof id);
        r.kind = ID_GENERATED;
    }
    uint64_t bit = 1ull << (c->heads % 64);
    c->head_bits = h->is_head ? (c->head_bits | bit) : (c->head_bits & ~bit);
    r.mlen = h->mlen;
    r.plen = h->plen;
    memcpy(r.method, h->method, h->mlen);
    memcpy(r.path, h->path, h->plen);
    for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
        r.flen[k] = h->flen[k];
        memcpy(r.field[k], h->field[k], h->flen[k]);
    }
    c->ring[c->heads % CONN_RING] = r;
    c->heads++;
    settle(c, false);
}

void conn_read(struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        enum scan_status st;
        struct scan_head head;
        size_t used = scan_feed(&c->scan, &reqtag_cfg, p, n, &st, &head);
        if (st == SCAN_HEAD)
            head_read(c, &head);
        if (st != SCAN_HEAD || used > n)
            break;
        p += used;
        n -= used;
    }
}

void conn_read_lost(struct conn *c)
{
    scan_abandon(&c->scan);
}

static void responses_lost(struct conn *c)
{
    c->resp_lost = 1;
    resp_abandon(&c->resp);
    settle(c, true);
}

/* The response to request number k is complete (or will never be): one summary line. */
static void finished(struct conn *c, uint16_t code)
{
    const struct reqctx *req = conn_request(c, c->summarized);
    if (reqtag_cfg.summary && req != NULL && c->summarized < c->heads)
        summary_write(req, code, c->out_bytes);
    if (c->summarized < c->heads)
        c->summarized++;
    c->out_bytes = 0;
    c->resp_open = 0;
}

void conn_wrote(struct conn *c, const char *p, size_t n)
{
    while (n > 0 && !c->resp_lost) {
        enum resp_status st;
        uint16_t code = 0;
        size_t used = resp_feed(&c->resp, p, n, &st, &code);
        if (used > n)
            used = n;
        c->out_bytes += used;
        if (st == RESP_OPAQUE) {
            responses_lost(c);
            break;
        }
        if (st == RESP_DONE) {
            finished(c, c->last_code);
        } else if (st == RESP_HEAD && code == 101) {
            /* Switching protocols: no more HTTP/1.x either way; the upgrade request stays current. */
            scan_abandon(&c->scan);
            responses_lost(c);
            break;
        } else if (st == RESP_HEAD) {
            c->inj_done = 0;
            if (code >= 100 && code < 200) {
                resp_body(&c->resp, true); /* interim: the final response follows */
            } else {
                bool head_req = c->answered < c->heads && (c->head_bits >> (c->answered % 64)) & 1;
                bool done = resp_body(&c->resp, head_req || code == 204 || code == 304);
                if (c->answered < c->heads)
                    c->answered++;
                if (c->burst > 0 || c->began_in_body)
                    c->mixed = 1;
                if (c->burst < 255)
                    c->burst++;
                settle(c, true);
                c->last_code = code;
                c->resp_open = 1;
                if (done)
                    finished(c, code);
            }
        } else {
            break;
        }
        p += used;
        n -= used;
    }
}

void conn_closed(struct conn *c)
{
    /* Requests still open when the connection goes: answered in part (close-delimited bodies,
     * cut short) or not at all. */
    while (reqtag_cfg.summary && c->summarized < c->heads)
        finished(c, c->resp_open ? c->last_code : 0);
}

void conn_write_begin(struct conn *c)
{
    c->burst = 0;
    c->mixed = 0;
    c->began_in_body = resp_in_body(&c->resp);
}

void conn_write_done(struct conn *c)
{
    if (c->mixed && !c->resp_lost)
        set_cur(c, &none);
    c->burst = 0;
    c->mixed = 0;
}

void conn_wrote_unseen(struct conn *c, uint64_t n)
{
    c->out_bytes += n;
    if (!c->resp_lost && !resp_unseen(&c->resp, n))
        responses_lost(c);
    else if (!c->resp_lost && c->resp_open && resp_idle(&c->resp))
        finished(c, c->last_code);
}

void conn_adopt(int fd, struct conn *c)
{
    struct tstate *t = me();
    uint32_t gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
    if (t->origin == ORIGIN_CONN && t->conn_fd == fd && t->conn_gen == gen)
        return;
    for (int attempt = 0; attempt < 4; attempt++) {
        uint32_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1)
            continue;
        gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
        struct reqctx copy;
        uint8_t len = c->cur.len;
        if (len > REQTAG_MAX_ID)
            len = 0;
        memcpy(copy.id, c->cur.id, len);
        copy.len = len;
        copy.mlen = c->cur.mlen <= REQTAG_MAX_METHOD ? c->cur.mlen : 0;
        copy.plen = c->cur.plen <= REQTAG_MAX_PATH ? c->cur.plen : 0;
        memcpy(copy.method, c->cur.method, copy.mlen);
        memcpy(copy.path, c->cur.path, copy.plen);
        copy.kind = c->cur.kind;
        copy.trace_flags = c->cur.trace_flags;
        copy.start_ns = c->cur.start_ns;
        for (unsigned k = 0; k < REQTAG_MAX_FIELDS; k++) {
            copy.flen[k] = c->cur.flen[k] <= REQTAG_MAX_FIELD ? c->cur.flen[k] : 0;
            memcpy(copy.field[k], c->cur.field[k], copy.flen[k]);
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&c->seq, __ATOMIC_RELAXED) != s1)
            continue;
        t->ctx = copy;
        t->origin = ORIGIN_CONN;
        t->conn_fd = fd;
        t->conn_gen = gen;
        return;
    }
    /* Kept changing under us: better no tag than a torn one. */
    t->ctx.len = 0;
    t->origin = ORIGIN_NONE;
    t->conn_fd = -1;
}
