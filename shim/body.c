/* body.c -- follow Content-Length and chunked framing byte by byte, without keeping the bytes. */
#include "body.h"

enum phase {
    B_DATA,       /* Content-Length data */
    B_SIZE,       /* chunk size digits */
    B_EXT,        /* chunk extension, up to the line end */
    B_CHUNK,      /* chunk data */
    B_CHUNK_END,  /* CRLF after chunk data */
    B_TRAILER,    /* start of a trailer line (an empty one ends the body) */
    B_TRAILER_SKIP,
    B_DONE,
};

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void body_start(struct body *b, bool chunked, uint64_t length)
{
    b->digits = 0;
    b->left = chunked ? 0 : length;
    b->phase = chunked ? B_SIZE : (length > 0 ? B_DATA : B_DONE);
}

static size_t take(struct body *b, size_t avail)
{
    size_t t = (uint64_t)avail > b->left ? (size_t)b->left : avail;
    b->left -= t;
    return t;
}

size_t body_feed(struct body *b, const char *p, size_t n, enum body_status *status)
{
    size_t i = 0;
    *status = BODY_MORE;
    while (i < n || b->phase == B_DONE) {
        if (b->phase == B_DONE) {
            *status = BODY_DONE;
            return i;
        }
        unsigned char c = (unsigned char)p[i];
        switch (b->phase) {
        case B_DATA:
            i += take(b, n - i);
            if (b->left == 0)
                b->phase = B_DONE;
            continue;
        case B_CHUNK:
            i += take(b, n - i);
            if (b->left == 0)
                b->phase = B_CHUNK_END;
            continue;
        case B_SIZE: {
            int h = hexval(c);
            if (h >= 0 && b->digits < 15) {
                b->left = b->left * 16 + (uint64_t)h;
                b->digits++;
            } else if (c == ';' || c == ' ' || c == '\t') {
                b->phase = B_EXT;
            } else if (c == '\n' && b->digits > 0) {
                b->phase = b->left == 0 ? B_TRAILER : B_CHUNK;
            } else if (c != '\r') {
                *status = BODY_BAD;
                return n;
            }
            break;
        }
        case B_EXT:
            if (c == '\n') {
                if (b->digits == 0) {
                    *status = BODY_BAD;
                    return n;
                }
                b->phase = b->left == 0 ? B_TRAILER : B_CHUNK;
            }
            break;
        case B_CHUNK_END:
            if (c == '\n') {
                b->phase = B_SIZE;
                b->digits = 0;
                b->left = 0;
            } else if (c != '\r') {
                *status = BODY_BAD;
                return n;
            }
            break;
        case B_TRAILER:
            if (c == '\n') {
                b->phase = B_DONE;
                i++;
                continue;
            }
            if (c != '\r')
                b->phase = B_TRAILER_SKIP;
            break;
        case B_TRAILER_SKIP:
            if (c == '\n')
                b->phase = B_TRAILER;
            break;
        default:
            *status = BODY_BAD;
            return n;
        }
        i++;
    }
    return n;
}

bool body_unseen(struct body *b, uint64_t n, enum body_status *status)
{
    *status = BODY_MORE;
    if ((b->phase != B_DATA && b->phase != B_CHUNK) || n > b->left)
        return false;
    b->left -= n;
    if (b->left == 0) {
        if (b->phase == B_DATA) {
            b->phase = B_DONE;
            *status = BODY_DONE;
        } else {
            b->phase = B_CHUNK_END;
        }
    }
    return true;
}
