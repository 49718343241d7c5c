/* conn.c -- a connection's request/response bookkeeping and the threads that adopt its request. */
#include "conn.h"

#include <string.h>

#include "config.h"
#include "debug.h"
#include "debug_events.h"
#include "pool.h"
#include "reqid.h"
#include "summary.h"

/* Gens start from a process-wide counter, so a new connection on a reused descriptor never
 * looks like the one a thread adopted before. */
static uint32_t gen_base;

/* The seqlock's fences. TSan models no fences (gcc refuses them under -fsanitize=thread): its
 * builds keep the compiler's ordering only, which x86-64 hardware completes (loads are not
 * reordered with loads, nor stores with stores); tests/tsan.supp names the copy races a seqlock
 * has by design. */
static inline void fence_release(void)
{
#ifdef __SANITIZE_THREAD__
    __asm__ volatile("" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

static inline void fence_acquire(void)
{
#ifdef __SANITIZE_THREAD__
    __asm__ volatile("" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

/* The seqlock's writer side: what changes the current request (cur, or the record it points to)
 * happens between seq_open() and seq_close(), which moves gen too. Writers are the threads using
 * the connection, one at a time (conn.h), so plain ordered stores do: no locked instruction on
 * the per-request path. */
static inline uint32_t seq_open(struct conn *c)
{
    uint32_t s = c->seq;
    __atomic_store_n(&c->seq, s + 1, __ATOMIC_RELAXED);
    fence_release(); /* odd before anything changes */
    return s;
}

static inline void seq_close(struct conn *c, uint32_t s)
{
    __atomic_store_n(&c->gen, c->gen + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->seq, s + 2, __ATOMIC_RELEASE);
}

static void set_cur(struct conn *c, struct rec *r)
{
    if (c->cur == r)
        return;
    uint32_t s = seq_open(c);
    __atomic_store_n(&c->cur, r, __ATOMIC_RELAXED);
    seq_close(c, s);
}

/* A request's record is given back, unless it is still current (conn_unref clears cur first, so
 * there everything goes). The connection keeps one as its spare: keep-alive requests then take
 * and give back without a pool trip. A thread still copying it from an old cur fails its check. */
static void give_back(struct conn *c, struct rec **slot)
{
    struct rec *r = *slot;
    *slot = NULL;
    if (r == NULL || r == c->cur)
        return;
    if (c->spare == NULL)
        c->spare = r;
    else
        pool_put(r, rec_len(r));
}

/* A block for a record of size bytes: the spare when it is of the same pool class. */
static struct rec *rec_block(struct conn *c, size_t size)
{
    struct rec *s = c->spare;
    if (s != NULL && (rec_len(s) == size || pool_block(rec_len(s)) == pool_block(size))) {
        c->spare = NULL;
        return s;
    }
    return pool_get(size);
}

/* Records nothing needs any more go back, oldest first: not current, answered, and summarized
 * when summaries are on. (head_read keeps at most CONN_RING: heads - low never exceeds it.) */
static inline void release(struct conn *c)
{
    while (c->low < c->heads) {
        struct rec **slot = &c->ring[c->low % CONN_RING];
        if (*slot == c->cur || c->low >= c->answered || (reqtag_cfg.summary && c->low >= c->summarized))
            break;
        give_back(c, slot);
        c->low++;
    }
}

/* Who is current after the counts changed (see conn.h). After a head: the newest, if nothing else
 * is in flight. After a response: the newest, once its own response has started; before that the
 * lines may be the previous request's (an access log) or the next one's: none. */
static void settle(struct conn *c, bool after_response)
{
    bool newest = c->heads > 0 &&
                  (c->resp_lost || (after_response ? c->answered == c->heads : c->answered + 1 == c->heads));
    set_cur(c, newest ? c->ring[(c->heads - 1) % CONN_RING] : NULL);
}

bool conn_request(const struct conn *c, uint32_t k, struct reqctx *out)
{
    if (k >= c->heads || k < c->low || c->heads - k > CONN_RING || c->ring[k % CONN_RING] == NULL)
        return false;
    rec_unpack(c->ring[k % CONN_RING], out);
    return true;
}

struct conn *conn_new(void)
{
    struct conn *c = pool_get(sizeof *c);
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof *c);
    c->gen = __atomic_add_fetch(&gen_base, 1u << 16, __ATOMIC_RELAXED);
    c->refs = 1;
    scan_init(&c->scan);
    resp_init(&c->resp);
    return c;
}

void conn_ref(struct conn *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
}

void conn_unref(struct conn *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    set_cur(c, NULL); /* a thread about to adopt from it sees the change and drops the copy */
    for (uint32_t k = c->low; k < c->heads; k++)
        give_back(c, &c->ring[k % CONN_RING]);
    if (c->spare != NULL)
        pool_put(c->spare, rec_len(c->spare));
    if (c->parked != NULL)
        pool_put(c->parked, sizeof *c->parked);
    if (c->pend != NULL)
        pool_put(c->pend, CONN_LINE_MAX);
    pool_put(c, sizeof *c);
}

/* The usual keep-alive head: the request before it is answered and is the only one kept, so its
 * record (of the right pool class for size bytes) can become the new request's in place. */
static inline bool in_place(const struct conn *c, size_t size)
{
    const struct rec *cur = c->cur;
    uint32_t k = c->heads;
    if (cur == NULL || reqtag_cfg.summary || c->answered != k || c->low + 1 != k || c->ring[(k - 1) % CONN_RING] != cur)
        return false;
    size_t have = rec_len(cur);
    return have == size || pool_block(have) == pool_block(size);
}

/* The record is rewritten between seq_open() and this (a thread copying it meanwhile sees the
 * sequence move and copies again); then the record is the newest request's, current at once, as
 * settle() would make it: no block taken or given back. */
static inline void in_place_end(struct conn *c, uint32_t s)
{
    uint32_t k = c->heads;
    c->ring[k % CONN_RING] = c->ring[(k - 1) % CONN_RING];
    c->ring[(k - 1) % CONN_RING] = NULL;
    c->low = k;
    c->heads = k + 1;
    seq_close(c, s);
}

/* A new request's record goes into slot (NULL: no memory: the request goes untagged). */
static void head_kept(struct conn *c, struct rec **slot, struct rec *rec)
{
    *slot = rec;
    c->heads++;
    settle(c, false);
}

static void head_read(struct conn *c, const struct scan_head *h)
{
    uint64_t bit = 1ull << (c->heads % 64);
    c->head_bits = h->is_head ? (c->head_bits | bit) : (c->head_bits & ~bit);
    c->dropped = (uint8_t)(h->dropped | h->dropped_hdr << 4);
    /* At most CONN_RING records are kept: the oldest gives its slot up (unless current). */
    struct rec **slot = &c->ring[c->heads % CONN_RING];
    if (c->heads - c->low >= CONN_RING) {
        give_back(c, slot);
        c->low = c->heads - CONN_RING + 1;
    }
    const char *id = h->id;
    size_t len = h->idlen;
    uint8_t kind = h->traceparent ? ID_TRACE : ID_GIVEN, flags = len > 0 ? h->trace_flags : 0;
    char gen[REQTAG_GEN_ID_LEN];
    if (len == 0 && reqtag_cfg.generate) {
        reqid_generate(gen);
        id = gen;
        len = sizeof gen;
        kind = ID_GENERATED;
    }
    uint64_t now = mono_ns();
    if (!reqtag_cfg.want_line && reqtag_cfg.nfields == 0) { /* most formats show the ID alone */
        size_t size = rec_size_id(len);
        if (in_place(c, size)) {
            uint32_t s = seq_open(c);
            rec_pack_id(c->cur, now, kind, flags, id, len);
            in_place_end(c, s);
            return;
        }
        struct rec *rec = rec_block(c, size);
        if (rec != NULL)
            rec_pack_id(rec, now, kind, flags, id, len);
        head_kept(c, slot, rec);
        return;
    }
    struct rec_parts r = {.start_ns = now, .kind = kind, .trace_flags = flags, .id = id, .len = len,
                          .method = h->method, .path = h->path};
    if (reqtag_cfg.want_line) { /* kept only when shown: most formats never do */
        r.mlen = h->mlen;
        r.plen = h->plen;
    }
    for (unsigned k = 0; k < reqtag_cfg.nfields && k < REQTAG_MAX_FIELDS; k++) {
        r.field[k] = h->field[k];
        r.flen[k] = h->flen[k];
    }
    size_t size = rec_size(&r);
    if (in_place(c, size)) {
        uint32_t s = seq_open(c);
        rec_pack(c->cur, &r);
        in_place_end(c, s);
        return;
    }
    struct rec *rec = rec_block(c, size);
    if (rec != NULL)
        rec_pack(rec, &r);
    head_kept(c, slot, rec);
}

/* Feed bytes to the request scanner; its buffer lives on the stack unless a head is cut. */
static void scan_bytes(struct conn *c, const char *p, size_t n, bool inbound)
{
    struct scan_buf local;
    struct scan_buf *b = c->parked != NULL ? c->parked : &local;
    while (n > 0) {
        enum scan_status st;
        struct scan_head head;
        size_t used = scan_feed(&c->scan, b, &reqtag_cfg, p, n, &st, &head);
        if (st == SCAN_HEAD) {
            if (inbound)
                head_read(c, &head);
            else
                c->inj_done = 0;
        }
        if (st != SCAN_HEAD || used > n)
            break;
        p += used;
        n -= used;
    }
    if (scan_mid_head(&c->scan)) {
        if (b == &local) {
            c->parked = pool_get(sizeof local);
            if (c->parked != NULL)
                memcpy(c->parked, &local, sizeof local);
            else
                scan_abandon(&c->scan); /* cannot keep the head's bytes: stop following */
        }
    } else if (c->parked != NULL) {
        pool_put(c->parked, sizeof *c->parked);
        c->parked = NULL;
    }
}

void conn_read(struct conn *c, const char *p, size_t n)
{
    scan_bytes(c, p, n, true);
    release(c);
}

void conn_sent(struct conn *c, const char *p, size_t n)
{
    scan_bytes(c, p, n, false);
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

static void summarize(struct conn *c, uint16_t code)
{
    struct reqctx req;
    if (c->summarized < c->heads && conn_request(c, c->summarized, &req))
        summary_write(&req, code, c->out_bytes);
}

/* The response to request number k is complete (or will never be): one summary line. */
static inline void finished(struct conn *c, uint16_t code)
{
    if (reqtag_cfg.summary)
        summarize(c, code);
    if (c->summarized < c->heads)
        c->summarized++;
    c->out_bytes = 0;
    c->resp_open = 0;
}

/* Bytes of one write call, in order: responses counted, heads and bodies followed. */
static void wrote(struct conn *c, const char *p, size_t n)
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
            c->ended = 1;
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
                if (c->burst > 0 || c->ended)
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

/* The usual call, a whole response (or a head and its body's start) with nothing open before
 * it: what wrote() and conn_wrote_iov() would do for it, in one step. False: not that call,
 * nothing changed. */
static bool wrote_whole(struct conn *c, const struct iovec *iov, size_t put)
{
    uint32_t answered = c->answered;
    bool head_req = answered < c->heads && (c->head_bits >> (answered % 64)) & 1;
    size_t n = iov[0].iov_len < put ? iov[0].iov_len : put;
    uint16_t code;
    bool done;
    size_t head = resp_whole(&c->resp, iov[0].iov_base, n, put, head_req, &code, &done);
    if (head == 0)
        return false;
    c->out_bytes += put;
    c->ended = done && put > head;
    c->inj_done = 0;
    c->last_code = code;
    c->resp_open = 1;
    if (answered < c->heads)
        c->answered = ++answered;
    settle(c, true);
    if (done)
        finished(c, code);
    release(c);
    return true;
}

/* Any call, byte states and all (out of line: the usual call needs none of its frame). */
static __attribute__((noinline)) void wrote_call(struct conn *c, const struct iovec *iov, size_t iovcnt,
                                                 size_t put)
{
    c->burst = 0;
    c->mixed = 0;
    c->ended = 0;
    for (size_t i = 0; i < iovcnt && put > 0 && !c->resp_lost; i++) {
        size_t n = iov[i].iov_len < put ? iov[i].iov_len : put;
        wrote(c, iov[i].iov_base, n);
        put -= n;
    }
    if (c->mixed && !c->resp_lost)
        set_cur(c, NULL);
    c->burst = 0;
    c->mixed = 0;
    release(c);
}

/* The usual exchange needs no more of a response than its status line: it answers the only
 * request in flight, so the next request comes after it, and the next response starts a write
 * (conn.h). Following the framing too costs the head's every line end for nothing, so that is
 * done only when a summary or an echoed header needs a response's end. False: not that call. */
static inline bool wrote_unframed(struct conn *c, unsigned code)
{
    if (code == 0 || reqtag_cfg.summary || reqtag_cfg.echo || c->answered + 1 != c->heads || !resp_idle(&c->resp))
        return false;
    c->answered = c->heads;
    c->unframed = 1;
    set_cur(c, c->ring[(c->heads - 1) % CONN_RING]); /* what settle() makes of answered == heads */
    release(c);
    return true;
}

/* Bytes written (code: the status of the final response they start with, 0: none, or unseen)
 * while the response being written is not followed. True: they are that response's, or the
 * responses are lost now; either way nothing more to do. False: a request came since and they
 * start its response: follow it. */
static bool unframed_bytes(struct conn *c, unsigned code)
{
    if (c->answered == c->heads)
        return true;
    c->unframed = 0;
    if (code != 0)
        return false;
    responses_lost(c);
    return true;
}

void conn_wrote_iov(struct conn *c, const struct iovec *iov, size_t iovcnt, size_t put)
{
    if (iovcnt == 0 || put == 0) {
        if (!c->unframed)
            wrote_call(c, iov, iovcnt, put);
        return;
    }
    unsigned code = resp_final_status(iov[0].iov_base, iov[0].iov_len);
    if (c->unframed && unframed_bytes(c, code))
        return;
    if (c->resp_lost || (!wrote_unframed(c, code) && !wrote_whole(c, iov, put)))
        wrote_call(c, iov, iovcnt, put);
}

void conn_wrote_unseen(struct conn *c, uint64_t n)
{
    if (c->unframed) {
        if (n > 0) /* bytes unseen cannot be the status line the next response starts with */
            (void)unframed_bytes(c, 0);
        return;
    }
    c->out_bytes += n;
    if (!c->resp_lost && !resp_unseen(&c->resp, n))
        responses_lost(c);
    else if (!c->resp_lost && c->resp_open && resp_idle(&c->resp))
        finished(c, c->last_code);
    release(c);
}

void conn_adopt_copy(int fd, struct conn *c)
{
    struct tstate *t = me();
    uint32_t gen;
    for (int attempt = 0; attempt < 4; attempt++) {
        uint32_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1)
            continue;
        gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
        const struct rec *r = __atomic_load_n(&c->cur, __ATOMIC_ACQUIRE);
        if (r != NULL)
            rec_unpack(r, &t->ctx); /* a block being reused reads as junk: the check below drops it */
        else
            t->ctx.len = 0;
        fence_acquire();
        if (__atomic_load_n(&c->seq, __ATOMIC_RELAXED) != s1)
            continue;
        t->origin = ORIGIN_CONN;
        t->conn_fd = fd;
        t->conn_gen = gen;
        if (debug_on())
            debug_adopted(fd, &t->ctx);
        return;
    }
    /* Kept changing under us: better no tag than a torn one. */
    ctx_drop(t);
    if (debug_on())
        debug_torn(fd);
}
