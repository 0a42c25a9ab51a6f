/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session_mark.h - the record an appended session leaves in the
 * Application Use field of its ISO9660 primary descriptor (ECMA-119
 * 8.4.32: the field is the application's, readers ignore it).
 *
 * An image appended in place (append.c) has at block 16 a copy of its
 * last session's descriptor set, so every reader opens the last session;
 * the first session's own set was copied before it was overwritten.  The
 * mark says where things are, so that the sessions stay listable and
 * readable one by one (fsi_disc_sessions):
 *   bytes 0-7    "LIBFSI" 01 00
 *   bytes 8-11   this session's start (its set at start + 16), LE
 *   bytes 12-15  the previous session's start, LE
 *   bytes 16-19  where the first session's set was copied to, minus 16
 *   bytes 20-23  ~(start ^ previous ^ copy ^ SALT), LE: a check
 */
#ifndef FSI_SESSION_MARK_H
#define FSI_SESSION_MARK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SESSION_MARK_OFFSET 883
#define SESSION_MARK_MAGIC "LIBFSI\x01\x00"
#define SESSION_MARK_SALT 0x4C494246u

struct session_mark {
    uint64_t self, prev, copy;
};

static inline uint32_t session_mark_check(const struct session_mark *m)
{
    return ~((uint32_t)m->self ^ (uint32_t)m->prev ^ (uint32_t)m->copy ^ SESSION_MARK_SALT);
}

static inline void session_mark_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t session_mark_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Write the mark into a primary descriptor. */
static inline void session_mark_put(uint8_t *pvd, const struct session_mark *m)
{
    uint8_t *p = pvd + SESSION_MARK_OFFSET;
    memcpy(p, SESSION_MARK_MAGIC, 8);
    session_mark_le32(p + 8, (uint32_t)m->self);
    session_mark_le32(p + 12, (uint32_t)m->prev);
    session_mark_le32(p + 16, (uint32_t)m->copy);
    session_mark_le32(p + 20, session_mark_check(m));
}

/* The mark of a primary descriptor (untrusted bytes): false if it has
 * none or one that does not hold together. */
static inline bool session_mark_get(const uint8_t *pvd, struct session_mark *m)
{
    const uint8_t *p = pvd + SESSION_MARK_OFFSET;
    if (pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) || memcmp(p, SESSION_MARK_MAGIC, 8))
        return false;
    m->self = session_mark_get32(p + 8);
    m->prev = session_mark_get32(p + 12);
    m->copy = session_mark_get32(p + 16);
    /* A session follows the one before it and the copy of the first. */
    return session_mark_get32(p + 20) == session_mark_check(m) && m->prev < m->self &&
           m->copy < m->self && m->copy >= 16;
}

#endif
