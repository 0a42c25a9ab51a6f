/* SPDX-License-Identifier: BSD-2-Clause */
/* append.h - appending a session to an image in place (append.c). */
#ifndef FSI_APPEND_H
#define FSI_APPEND_H

#include "internal.h"
#include "layout.h"
#include "session_mark.h"

#include <sys/types.h>

#define APPEND_HEAD_BLOCKS 16   /* blocks 16-31: where readers look first */

/* What fsi_image_set_append found, for the layout and fsi_result_append. */
struct append_state {
    struct session_mark mark;   /* the new session's (iso9660.c writes it) */
    uint8_t *first_set;         /* blocks 16-31 of the image when its first
                                   session's set is to be kept (the head is
                                   still that set), else NULL: the session's
                                   system area holds them */
    uint32_t head_len;          /* descriptor blocks at 16 (the head) */
    uint64_t size;              /* the image's bytes when set up */
    uint64_t sum;               /* of blocks 0-31 then */
    dev_t dev;
    ino_t ino;
    bool blockdev;
    /* A hybrid image's partition tables, which follow its new end. */
    unsigned grow;              /* SYSAREA_GROW_* found in blocks 0-15 */
    uint32_t gpt_tail;          /* blocks of the GPT's backup at the end */
    uint8_t *sys;               /* blocks 0-15 as they were */
    uint64_t old_sectors;       /* the image's end then, 512-byte sectors */
};

void append_state_free(struct append_state *a);

/* A session (appended or a session image) keeps the El Torito boot
 * record of the session it continues, verbatim (its catalog and boot
 * images stay where they are): lay->kept_br, or NULL if it has none. */
fsi_hresult session_kept_boot(struct layout *lay);
/* The writer of lay->kept_br, at the session's block 17 (after its
 * primary descriptor, where El Torito wants it). */
extern const struct writer_ops append_boot_ops;

/* The new backup GPT at the session's end, when the image has a GPT
 * (the primary moves to it when the session is complete). */
bool append_gpt_wanted(const struct layout *lay);
extern const struct writer_ops append_gpt_ops;

/* SEG_ZERO blocks [block, block + n) in buf: the session's system area
 * gets the first session's set (output.c). */
void append_system_area(const struct layout *lay, uint64_t block, uint8_t *buf, uint32_t n);

#endif
