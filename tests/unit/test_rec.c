/* test_rec.c -- unit tests for packing request contexts into pool blocks (shim/rec.c). */
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "unit.h"

static bool same(const struct reqctx *a, const struct reqctx *b)
{
    if (a->len != b->len || a->mlen != b->mlen || a->plen != b->plen || a->kind != b->kind ||
        a->trace_flags != b->trace_flags || a->start_ns != b->start_ns)
        return false;
    if (memcmp(a->id, b->id, a->len) || memcmp(a->method, b->method, a->mlen) || memcmp(a->path, b->path, a->plen))
        return false;
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++)
        if (a->flen[k] != b->flen[k] || memcmp(a->field[k], b->field[k], a->flen[k]))
            return false;
    return true;
}

int main(void)
{
    static _Alignas(16) char block[POOL_MAX];
    struct reqctx c = {.start_ns = 123456789, .kind = ID_TRACE, .trace_flags = 1}, out;
    ctx_set(&c, "0af7651916cd43dd8448eb211c80319c", 32);
    c.mlen = 3;
    memcpy(c.method, "GET", 3);
    c.plen = 9;
    memcpy(c.path, "/r/abc?x=", 9);
    c.flen[1] = 4;
    memcpy(c.field[1], "acme", 4);
    struct rec_parts parts;
    rec_parts_of(&c, &parts);
    size_t n = rec_size(&parts);
    CHECK(n == sizeof(struct rec) + 32 + 3 + 9 + 4 && n <= 128, "a typical record takes %zu bytes (<= 128)", n);
    memset(block, 0x77, sizeof block);
    rec_pack((struct rec *)block, &parts);
    CHECK((unsigned char)block[n] == 0x77, "packing writes exactly rec_size bytes");
    CHECK(rec_len((const struct rec *)block) == n, "rec_len of the packed record is its rec_size");
    memset(&out, 0x55, sizeof out);
    rec_unpack((const struct rec *)block, &out);
    CHECK(same(&c, &out), "unpack gives the context back");

    struct reqctx full = {.start_ns = 1};
    memset(full.id, 'i', REQTAG_MAX_ID);
    full.len = REQTAG_MAX_ID;
    full.mlen = REQTAG_MAX_METHOD;
    memset(full.method, 'M', REQTAG_MAX_METHOD);
    full.plen = REQTAG_MAX_PATH;
    memset(full.path, '/', REQTAG_MAX_PATH);
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++) {
        full.flen[k] = REQTAG_MAX_FIELD;
        memset(full.field[k], 'a' + k, REQTAG_MAX_FIELD);
    }
    rec_parts_of(&full, &parts);
    CHECK(rec_size(&parts) == REC_MAX && (int)REC_MAX <= (int)POOL_MAX, "the largest record is REC_MAX and fits a block");
    rec_pack((struct rec *)block, &parts);
    rec_unpack((const struct rec *)block, &out);
    CHECK(same(&full, &out), "the largest record round-trips");

    /* The usual record: an ID alone (method, path and fields kept only when shown). Unpacked over
     * a context that held all of them, it leaves none behind. */
    struct reqctx idonly = {.start_ns = 7, .kind = ID_GIVEN};
    ctx_set(&idonly, "cg-17", 5);
    rec_parts_of(&idonly, &parts);
    n = rec_size(&parts);
    CHECK(n == sizeof(struct rec) + 5, "an ID-only record takes its header and the ID (%zu bytes)", n);
    memset(block, 0x77, sizeof block);
    rec_pack((struct rec *)block, &parts);
    CHECK((unsigned char)block[n] == 0x77 && rec_len((const struct rec *)block) == n,
          "an ID-only record is packed in exactly rec_size bytes and rec_len says so");
    out = full;
    rec_unpack((const struct rec *)block, &out);
    CHECK(same(&idonly, &out), "an ID-only record unpacked over a full context leaves no method, path or field");
    for (int k = 0; k < REQTAG_MAX_FIELDS; k++) {
        struct reqctx one = idonly;
        one.flen[k] = 2;
        memcpy(one.field[k], "ok", 2);
        rec_parts_of(&one, &parts);
        n = rec_size(&parts);
        rec_pack((struct rec *)block, &parts);
        memset(&out, 0, sizeof out);
        rec_unpack((const struct rec *)block, &out);
        CHECK(n == sizeof(struct rec) + 7 && rec_len((const struct rec *)block) == n && same(&one, &out),
              "a record with only field %d set keeps it", k);
    }

    /* Junk (a block reused under a racing reader): every length stays in bounds. */
    bool bounded = true;
    srand(5);
    for (int round = 0; round < 10000; round++) {
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = (char)rand();
        rec_unpack((const struct rec *)block, &out);
        bounded = bounded && out.len <= REQTAG_MAX_ID && out.mlen <= REQTAG_MAX_METHOD && out.plen <= REQTAG_MAX_PATH;
        for (int k = 0; k < REQTAG_MAX_FIELDS; k++)
            bounded = bounded && out.flen[k] <= REQTAG_MAX_FIELD;
    }
    CHECK(bounded, "unpacking junk keeps every length in bounds (ASan checks the reads)");
    return unit_done();
}
