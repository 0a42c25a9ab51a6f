/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tree.c - the in-memory tree: nodes, the name pool, the child hash, the
 * undo journal behind change points, and the public tree operations.
 */
#include "config.h"
#include "internal.h"
#include "path.h"
#include "statpool.h"
#include "hostpath.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POOL_CHUNK (1u << 20)   /* name pool chunk: names never straddle */

/* ---------------------------------------------------------------- */
/* Name pool                                                         */
/* ---------------------------------------------------------------- */

static int pool_add(struct tree_name_pool *p, const char *s, size_t len, uint64_t *off)
{
    if (p->nchunks == 0 || p->used + len + 1 > POOL_CHUNK) {
        if (p->nchunks == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            char **c = realloc(p->chunks, cap * sizeof *c);
            if (!c)
                return -1;
            p->chunks = c;
            p->cap = cap;
        }
        char *chunk = malloc(POOL_CHUNK);
        if (!chunk)
            return -1;
        p->chunks[p->nchunks++] = chunk;
        p->used = 0;
    }
    char *dst = p->chunks[p->nchunks - 1] + p->used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    *off = ((uint64_t)(p->nchunks - 1) << 32) | p->used;
    p->used += len + 1;
    return 0;
}

/* ---------------------------------------------------------------- */
/* Child hash: (parent, name) -> node, linear probing, no tombstones */
/* ---------------------------------------------------------------- */

static uint64_t key_hash(fsi_item parent, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)parent * 0x9E3779B97F4A7C15ull);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

static uint64_t node_hash(const fsi_image *img, fsi_item id)
{
    const struct node *n = &img->nodes[id];
    return key_hash(n->parent, node_name(img, n), n->name_len);
}

/* A slot holds the node and the low 32 bits of its hash: probes compare
 * the tag before touching the node, and resizing never rehashes names. */
static inline uint64_t slot_make(fsi_item id, uint32_t tag)
{
    return ((uint64_t)tag << 32) | id;
}
#define SLOT_ID(v) ((fsi_item)(v))
#define SLOT_TAG(v) ((uint32_t)((v) >> 32))

/* The node named s in parent, with tag = key_hash(parent, s, len), as
 * the table holds it (parent indexed). */
static fsi_item table_find(const fsi_image *img, fsi_item parent, const char *s, size_t len,
                           uint32_t tag)
{
    if (!img->hash_cap)
        return 0;
    uint32_t mask = img->hash_cap - 1;
    for (uint32_t i = tag & mask;; i = (i + 1) & mask) {
        uint64_t v = img->hash[i];
        if (!v)
            return 0;
        if (SLOT_TAG(v) != tag)
            continue;
        const struct node *n = &img->nodes[SLOT_ID(v)];
        if (n->parent == parent && n->name_len == len && !memcmp(node_name(img, n), s, len))
            return SLOT_ID(v);
    }
}


static void hash_put_slot(fsi_image *img, uint64_t v)
{
    uint32_t mask = img->hash_cap - 1;
    uint32_t i = SLOT_TAG(v) & mask;
    while (img->hash[i])
        i = (i + 1) & mask;
    img->hash[i] = v;
}

/* Make the table cap slots (a power of two above twice the entries).
 * Filled by writing, not calloc: a probe reading a fresh page and the
 * insert writing it would fault that page twice. */
static int hash_resize(fsi_image *img, uint32_t cap)
{
    uint64_t *h = malloc((size_t)cap * sizeof *h);
    if (!h)
        return -1;
    memset(h, 0, (size_t)cap * sizeof *h);
    uint64_t *old = img->hash;
    uint32_t oldcap = img->hash_cap;
    img->hash = h;
    img->hash_cap = cap;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i])
            hash_put_slot(img, old[i]);
    free(old);
    return 0;
}

/* Room for `more` entries at a load of at most one half. */
static int hash_room(fsi_image *img, uint64_t more)
{
    uint64_t want = ((uint64_t)img->hash_used + more) * 2;
    if (want <= img->hash_cap)
        return 0;
    uint64_t cap = img->hash_cap ? img->hash_cap : 1024;
    while (cap < want)
        cap *= 2;
    if (cap > 0x80000000u)
        return -1;
    return hash_resize(img, (uint32_t)cap);
}

static int hash_reserve(fsi_image *img)
{
    return hash_room(img, 1);
}

/* ---------------------------------------------------------------- */
/* Directories not indexed yet                                        */
/* ---------------------------------------------------------------- */

/* A directory made unindexed (an import's) has its children outside the
 * child hash: a million random inserts into a table far larger than the
 * caches cost more than the rest of an import, and most directories are
 * never looked up by name afterwards.  While such a directory is being
 * filled it is img->fresh->dir, and a small set of its children's names
 * (which stays in cache) finds duplicates.  Anything else that looks a
 * name up in an unindexed directory first puts its children in the hash
 * (dir_index); the room for them is kept all along (hash_used counts
 * them), so that never fails. */
struct child_set {
    fsi_item dir;             /* 0: none */
    uint32_t count;           /* children of dir in the set */
    uint32_t gen, cap;        /* a slot is used when its gen is gen */
    struct cs_slot { uint32_t gen, tag; fsi_item id; } *slot;
};

static bool unindexed(const fsi_image *img, fsi_item dir)
{
    return (img->nodes[dir].flags & NF_UNINDEXED) != 0;
}

/* Stop tracking the directory being filled (a change other than an add
 * made the set stale; the directory is indexed on its next lookup). */
static void fresh_drop(fsi_image *img, fsi_item dir)
{
    if (img->fresh && img->fresh->dir == dir)
        img->fresh->dir = 0;
}

static void dir_index(fsi_image *img, fsi_item dir)
{
    for (fsi_item c = img->nodes[dir].first_child; c; c = img->nodes[c].next_sibling)
        hash_put_slot(img, slot_make(c, (uint32_t)node_hash(img, c)));
    img->nodes[dir].flags &= (uint8_t)~NF_UNINDEXED;
    fresh_drop(img, dir);
}

static fsi_item fresh_find(const fsi_image *img, const char *s, size_t len, uint32_t tag)
{
    const struct child_set *f = img->fresh;
    uint32_t mask = f->cap - 1;
    for (uint32_t i = tag & mask;; i = (i + 1) & mask) {
        const struct cs_slot *v = &f->slot[i];
        if (v->gen != f->gen)
            return 0;
        if (v->tag != tag)
            continue;
        const struct node *n = &img->nodes[v->id];
        if (n->name_len == len && !memcmp(node_name(img, n), s, len))
            return v->id;
    }
}

static void fresh_put_slot(struct child_set *f, uint32_t tag, fsi_item id)
{
    uint32_t mask = f->cap - 1, i = tag & mask;
    while (f->slot[i].gen == f->gen)
        i = (i + 1) & mask;
    f->slot[i] = (struct cs_slot){f->gen, tag, id};
}

/* Start filling the empty unindexed directory dir: 0, or -1 (ENOMEM). */
static int fresh_begin(fsi_image *img, fsi_item dir)
{
    struct child_set *f = img->fresh;
    if (!f && !(f = img->fresh = calloc(1, sizeof *f)))
        return -1;
    if (!f->slot) {
        if (!(f->slot = calloc(64, sizeof *f->slot)))
            return -1;
        f->cap = 64;
    }
    if (++f->gen == 0) {              /* wrapped: every slot looks used */
        memset(f->slot, 0, (size_t)f->cap * sizeof *f->slot);
        f->gen = 1;
    }
    f->dir = dir;
    f->count = 0;
    return 0;
}

/* Room for one more name in the set: 0, or -1 (ENOMEM). */
static int fresh_room(struct child_set *f)
{
    if ((uint64_t)(f->count + 1) * 2 <= f->cap)
        return 0;
    if (f->cap > 0x40000000u)
        return -1;
    uint32_t cap = f->cap * 2;
    struct cs_slot *n = calloc(cap, sizeof *n), *old = f->slot;
    if (!n)
        return -1;
    uint32_t oldcap = f->cap, gen = f->gen;
    f->slot = n;
    f->cap = cap;
    f->gen = 1;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i].gen == gen)
            fresh_put_slot(f, old[i].tag, old[i].id);
    free(old);
    return 0;
}

/* The child named s of parent, 0 if none; an unindexed parent other than
 * the one being filled gets indexed first. */
static fsi_item hash_find_tag(fsi_image *img, fsi_item parent, const char *s, size_t len,
                              uint32_t tag)
{
    if (unindexed(img, parent)) {
        if (img->fresh && img->fresh->dir == parent)
            return fresh_find(img, s, len, tag);
        if (!img->nodes[parent].first_child)
            return 0;                 /* stays unindexed until it is filled */
        dir_index(img, parent);
    }
    return table_find(img, parent, s, len, tag);
}

static fsi_item hash_find(fsi_image *img, fsi_item parent, const char *s, size_t len)
{
    return hash_find_tag(img, parent, s, len, (uint32_t)key_hash(parent, s, len));
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void hash_del_slot(fsi_image *img, fsi_item id)
{
    uint32_t mask = img->hash_cap - 1;
    uint32_t i = (uint32_t)node_hash(img, id) & mask;
    while (SLOT_ID(img->hash[i]) != id) {
        if (!img->hash[i])
            return;
        i = (i + 1) & mask;
    }
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint64_t k = img->hash[j];
        if (!k)
            break;
        uint32_t home = SLOT_TAG(k) & mask;
        /* k may move to the hole at i if its home is not in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            img->hash[i] = k;
            i = j;
        }
    }
    img->hash[i] = 0;
}

/* Take id out of the hash (or of its unindexed parent's count). */
static void hash_drop(fsi_image *img, fsi_item id)
{
    fsi_item p = img->nodes[id].parent;
    if (unindexed(img, p))
        fresh_drop(img, p);
    else
        hash_del_slot(img, id);
    img->hash_used--;
}

/* ---------------------------------------------------------------- */
/* Nodes                                                             */
/* ---------------------------------------------------------------- */

/* Room for `cap` node slots (and their link groups). */
static int nodes_grow(fsi_image *img, uint32_t cap)
{
    if (cap <= img->cap_nodes)
        return 0;
    struct node *n = realloc(img->nodes, (size_t)cap * sizeof *n);
    if (!n)
        return -1;
    img->nodes = n;
    if (img->link_group) {
        uint32_t *g = realloc(img->link_group, (size_t)cap * sizeof *g);
        if (!g)
            return -1;
        memset(g + img->cap_nodes, 0, (size_t)(cap - img->cap_nodes) * sizeof *g);
        img->link_group = g;
    }
    img->cap_nodes = cap;
    return 0;
}

static fsi_item node_alloc(fsi_image *img)
{
    fsi_item id;
    if (img->free_head) {
        id = img->free_head;
        img->free_head = img->nodes[id].parent;
    } else {
        if (img->nnodes >= img->cap_nodes) {
            uint32_t cap = img->cap_nodes ? img->cap_nodes * 2 : 1024;
            if (cap <= img->cap_nodes || cap > 0x7FFFFFFFu || nodes_grow(img, cap))
                return 0;
        }
        id = img->nnodes++;
    }
    memset(&img->nodes[id], 0, sizeof img->nodes[id]);
    if (img->link_group)
        img->link_group[id] = 0;
    return id;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

fsi_hresult tree_init(fsi_image *img)
{
    img->nnodes = 1;                   /* slot 0 unused: 0 means "none" */
    fsi_item root = node_alloc(img);
    uint64_t off;
    if (root != FSI_ROOT || pool_add(&img->names, "", 0, &off))
        return FSI_E_OUTOFMEMORY;
    struct node *r = &img->nodes[root];
    r->type = NODE_DIR;
    r->flags = NF_LINKED;
    r->name_off = off;
    r->mode = 0755;
    int64_t t = now_ns();
    r->times[0] = r->times[1] = r->times[2] = t;
    return FSI_S_OK;
}

/* Counts of a subtree (as currently linked below its root). */
struct counts {
    uint64_t files, dirs, deep;
};

static void subtree_counts(const fsi_image *img, fsi_item id, struct counts *c)
{
    /* Iterative pre-order walk over first_child/next_sibling. */
    fsi_item top = id, cur = id;
    for (;;) {
        const struct node *n = &img->nodes[cur];
        if (n->type == NODE_DIR)
            c->dirs++;
        else
            c->files++;
        if (n->depth > FSI_ISO_MAX_DEPTH)
            c->deep++;
        if (n->first_child) {
            cur = n->first_child;
            continue;
        }
        while (cur != top && !img->nodes[cur].next_sibling)
            cur = img->nodes[cur].parent;
        if (cur == top)
            return;
        cur = img->nodes[cur].next_sibling;
    }
}

/* Attach a node (and the subtree below it) to its parent; tag is its
 * key_hash (add_child has it already). */
static void node_link_tag(fsi_image *img, fsi_item id, uint32_t tag)
{
    struct node *n = &img->nodes[id];
    struct node *p = &img->nodes[n->parent];
    n->prev_sibling = 0;
    n->next_sibling = p->first_child;
    if (p->first_child)
        img->nodes[p->first_child].prev_sibling = id;
    p->first_child = id;
    p->nchildren++;
    n->flags |= NF_LINKED;
    if (!unindexed(img, n->parent))
        hash_put_slot(img, slot_make(id, tag));
    else if (img->fresh && img->fresh->dir == n->parent) {
        fresh_put_slot(img->fresh, tag, id);   /* room: add_child made it */
        img->fresh->count++;
    }
    img->hash_used++;
    struct counts c = {0, 0, 0};
    subtree_counts(img, id, &c);
    img->nfiles += c.files;
    img->ndirs += c.dirs;
    img->ndeep += c.deep;
}

/* Attach again (undo): a directory being filled stops being tracked. */
static void node_link(fsi_image *img, fsi_item id)
{
    fsi_item p = img->nodes[id].parent;
    if (unindexed(img, p)) {
        fresh_drop(img, p);
        node_link_tag(img, id, 0);
    } else {
        node_link_tag(img, id, (uint32_t)node_hash(img, id));
    }
}

static void node_unlink(fsi_image *img, fsi_item id)
{
    struct node *n = &img->nodes[id];
    struct node *p = &img->nodes[n->parent];
    struct counts c = {0, 0, 0};
    subtree_counts(img, id, &c);
    img->nfiles -= c.files;
    img->ndirs -= c.dirs;
    img->ndeep -= c.deep;
    hash_drop(img, id);
    if (n->prev_sibling)
        img->nodes[n->prev_sibling].next_sibling = n->next_sibling;
    else
        p->first_child = n->next_sibling;
    if (n->next_sibling)
        img->nodes[n->next_sibling].prev_sibling = n->prev_sibling;
    n->next_sibling = n->prev_sibling = 0;
    p->nchildren--;
    n->flags &= (uint8_t)~NF_LINKED;
}

/* Put a node's slot on the free list. */
static void node_free_slot(fsi_image *img, fsi_item id)
{
    fresh_drop(img, id);
    struct node *n = &img->nodes[id];
    n->type = NODE_FREE;
    n->parent = img->free_head;
    img->free_head = id;
}

/* Free a detached subtree for good: its slots, hash entries, sources. */
static void subtree_free(fsi_image *img, fsi_item id)
{
    fsi_item cur = id;
    for (;;) {
        struct node *n = &img->nodes[cur];
        if (n->first_child) {
            cur = n->first_child;
            continue;
        }
        /* n is a leaf: detach it from its parent and free it. */
        fsi_item parent = n->parent, next = n->next_sibling;
        if (cur != id) {
            hash_drop(img, cur);
            img->nodes[parent].first_child = next;
            if (next)
                img->nodes[next].prev_sibling = 0;
        }
        if (n->type != NODE_DIR)
            source_release(img, cur);
        node_free_slot(img, cur);
        if (cur == id)
            return;
        cur = next ? next : parent;
    }
}

/* ---------------------------------------------------------------- */
/* Journal                                                           */
/* ---------------------------------------------------------------- */

static int journal_room(fsi_image *img, size_t more)
{
    if (img->njournal + more <= img->cap_journal)
        return 0;
    size_t cap = img->cap_journal ? img->cap_journal : 256;
    while (cap < img->njournal + more)
        cap *= 2;
    struct undo *j = realloc(img->journal, cap * sizeof *j);
    if (!j)
        return -1;
    img->journal = j;
    img->cap_journal = cap;
    return 0;
}

static int journal_reserve(fsi_image *img)
{
    return journal_room(img, 1);
}

/* Record a change (call journal_reserve first) and count it. */
static void journal_note(fsi_image *img, uint8_t op, fsi_item item, uint8_t which, int64_t old)
{
    img->changes++;
    if (!img->journaling)
        return;
    struct undo *u = &img->journal[img->njournal++];
    u->op = op;
    u->which = which;
    u->item = item;
    u->old = old;
    u->seq = img->changes;
}

/* Apply the reverse of journal entry u; returns the entry that undoes
 * that (for redo). */
static struct undo undo_apply(fsi_image *img, const struct undo *u)
{
    struct undo r = *u;
    struct node *n = &img->nodes[u->item];
    switch (u->op) {
    case UNDO_LINK:                   /* the item was added: take it out */
        node_unlink(img, u->item);
        r.op = UNDO_UNLINK;
        break;
    case UNDO_UNLINK:                 /* the item was removed: put it back */
        node_link(img, u->item);
        r.op = UNDO_LINK;
        break;
    case UNDO_TIME:
        r.old = n->times[u->which];
        n->times[u->which] = u->old;
        break;
    case UNDO_HIDDEN:
        r.old = (n->flags & NF_HIDDEN) != 0;
        if (u->old)
            n->flags |= NF_HIDDEN;
        else
            n->flags &= (uint8_t)~NF_HIDDEN;
        break;
    case UNDO_MODE:
        r.old = n->mode;
        n->mode = (uint16_t)u->old;
        break;
    case UNDO_OWNER:
        r.old = (int64_t)((uint64_t)n->uid << 32 | n->gid);
        n->uid = (uint32_t)((uint64_t)u->old >> 32);
        n->gid = (uint32_t)u->old;
        break;
    }
    return r;
}

/* Forget journal entries from index `from` on whose changes stay undone
 * (after a rollback) or stay done (lock-in): free what is gone for good. */
static void journal_drop(fsi_image *img, size_t from, bool undone)
{
    for (size_t i = from; i < img->njournal; i++) {
        const struct undo *u = &img->journal[i];
        /* An added item that was rolled back, or a removed item that is
         * locked in as removed, will never come back. */
        if ((undone && u->op == UNDO_LINK) || (!undone && u->op == UNDO_UNLINK)) {
            struct node *n = &img->nodes[u->item];
            if (n->type != NODE_FREE && !(n->flags & NF_LINKED))
                subtree_free(img, u->item);
        }
    }
    img->njournal = from;
}

/* ---------------------------------------------------------------- */
/* Checks shared by the operations                                   */
/* ---------------------------------------------------------------- */

static bool iso_on(const fsi_image *img)
{
    return (img->fs & FSI_FS_ISO9660) != 0;
}

fsi_hresult tree_check_iso_limits(fsi_image *img)
{
    /* Relocating, deep directories go to rr_moved (one more directory). */
    bool reloc = img->relocate_deep && !img->no_rock;
    if (img->ndeep > 0 && !reloc) {
        /* Name one offending item so the user knows where to look. */
        char path[512] = "";
        for (fsi_item i = 2; i < img->nnodes; i++) {
            const struct node *n = &img->nodes[i];
            if (n->type == NODE_FREE || n->depth <= FSI_ISO_MAX_DEPTH)
                continue;
            fsi_item a = i;
            bool live = true;
            while (a != FSI_ROOT && live) {
                live = (img->nodes[a].flags & NF_LINKED) != 0;
                a = img->nodes[a].parent;
            }
            if (live) {
                fsi_item_path(img, i, path, sizeof path);
                break;
            }
        }
        return fsi_fail(img, IMAPI_E_ISO9660_LEVELS, 0, path, NULL, NULL);
    }
    if (img->ndirs + 1 + (reloc && img->ndeep > 0) > FSI_ISO_MAX_DIRS)
        return fsi_fail(img, IMAPI_E_TOO_MANY_DIRS, 0, "ISO9660", NULL, NULL);
    return FSI_S_OK;
}

/* Resolve all components of a path; *out the item or 0.  On failure the
 * right code is recorded: a missing intermediate directory is
 * IMAPI_E_DIR_NOT_FOUND, a file in the middle IMAPI_E_NOT_DIR; a missing
 * last component is reported with `missing` (0: not an error). */
static fsi_hresult resolve(fsi_image *img, const char *path, bool want_parent,
                           fsi_item *out, const char **last, size_t *last_len,
                           fsi_hresult missing)
{
    *out = 0;
    if (!path)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "path", NULL, NULL);
    struct path_comp *c;
    size_t n;
    int r = path_split(path, &c, &n);
    if (r == -2)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (r < 0)
        return fsi_fail(img, IMAPI_E_INVALID_PATH, 0, path, NULL, NULL);
    if (want_parent && n == 0) {
        free(c);
        return fsi_failf(img, IMAPI_E_INVALID_PATH, 0, path, NULL, "the root has no name");
    }
    fsi_item cur = FSI_ROOT;
    size_t stop = want_parent ? n - 1 : n;
    fsi_hresult hr = FSI_S_OK;
    for (size_t i = 0; i < stop; i++) {
        if (img->nodes[cur].type != NODE_DIR) {
            hr = fsi_failf(img, IMAPI_E_NOT_DIR, 0, path, NULL, "'%.*s' is a file",
                           (int)c[i - 1].len, c[i - 1].s);
            break;
        }
        fsi_item next = hash_find(img, cur, c[i].s, c[i].len);
        if (!next) {
            if (i + 1 < n) {
                /* Name the first directory that is missing. */
                int upto = (int)(c[i].s + c[i].len - c[0].s);
                char *dir = malloc((size_t)upto + 2);
                if (dir)
                    snprintf(dir, (size_t)upto + 2, "/%.*s", upto, c[0].s);
                hr = fsi_fail(img, IMAPI_E_DIR_NOT_FOUND, 0, dir ? dir : path, NULL, NULL);
                free(dir);
            }
            else if (missing)
                hr = fsi_fail(img, missing, 0, path, NULL, NULL);
            cur = 0;
            break;
        }
        cur = next;
    }
    if (hr == FSI_S_OK && cur && want_parent && img->nodes[cur].type != NODE_DIR)
        hr = fsi_fail(img, IMAPI_E_NOT_DIR, 0, path, NULL, NULL);
    if (want_parent && n > 0) {
        *last = c[n - 1].s;
        *last_len = c[n - 1].len;
    }
    free(c);
    *out = hr == FSI_S_OK ? cur : 0;
    return hr;
}

/* ---------------------------------------------------------------- */
/* Adding                                                            */
/* ---------------------------------------------------------------- */

/* What a new node gets besides its name. */
struct new_item {
    uint8_t type;
    uint64_t size;
    int64_t times[3];
    uint32_t mode, uid, gid;
    uint32_t src;
    bool unindexed;           /* a directory made NF_UNINDEXED */
};

static fsi_item_type item_type(const struct node *n)
{
    static const uint8_t types[] = {[NODE_DIR] = FSI_ITEM_DIRECTORY, [NODE_FILE] = FSI_ITEM_FILE,
                                    [NODE_SYMLINK] = FSI_ITEM_SYMLINK,
                                    [NODE_SPECIAL] = FSI_ITEM_SPECIAL};
    return (fsi_item_type)types[n->type];
}

/* Record hr for the would-be item `name` in dir: the message names its
 * image path and, for add_tree, the host path; `why` (may be NULL) is
 * added.  Names go in as they are: composing the message escapes control
 * and non-UTF-8 bytes (error.c); only a NUL, which would end the string,
 * is written out here. */
static fsi_hresult fail_child(fsi_image *img, fsi_hresult hr, fsi_item dir, const char *name,
                              size_t len, const char *host, const char *why)
{
    size_t plen = fsi_item_path(img, dir, NULL, 0);
    char *buf = malloc(plen + 1 + len * 4 + 1);
    if (!buf)
        return fsi_fail(img, hr, 0, "?", NULL, NULL);
    fsi_item_path(img, dir, buf, plen + 1);
    size_t o = dir == FSI_ROOT ? 0 : plen;
    buf[o++] = '/';
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '\0') {
            memcpy(buf + o, "\\x00", 4);
            o += 4;
        } else {
            buf[o++] = name[i];
        }
    }
    buf[o] = '\0';
    if (host)
        fsi_failf(img, hr, 0, buf, NULL, "%s%shost path '%s'", why ? why : "", why ? "; " : "",
                  host);
    else if (why)
        fsi_failf(img, hr, 0, buf, NULL, "%s", why);
    else
        fsi_fail(img, hr, 0, buf, NULL, NULL);
    free(buf);
    return hr;
}

/* Add one named child to dir.  `host` (may be NULL) is the host path it
 * comes from, for messages. */
static fsi_hresult add_child(fsi_image *img, fsi_item dir, const char *name, size_t len,
                             const struct new_item *it, const char *host,
                             fsi_item *out)
{
    if (!path_name_valid(name, len))
        return fail_child(img, IMAPI_E_INVALID_PATH, dir, name, len, host, NULL);
    if (img->strict && !path_name_strict_ok(name, len))
        return fail_child(img, IMAPI_E_INVALID_PATH, dir, name, len, host,
                          "control characters and bytes that are not UTF-8 are not allowed "
                          "with strict file-system compliance");
    if (img->restricted && !path_name_restricted_ok(name, len))
        return fail_child(img, IMAPI_E_RESTRICTED_NAME_VIOLATION, dir, name, len, host, NULL);
    uint32_t tag = (uint32_t)key_hash(dir, name, len);
    /* The first child of an unindexed directory starts its fill. */
    if (unindexed(img, dir) && !img->nodes[dir].nchildren &&
        !(img->fresh && img->fresh->dir == dir) && fresh_begin(img, dir))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (hash_find_tag(img, dir, name, len, tag))
        return fail_child(img, IMAPI_E_DUP_NAME, dir, name, len, host, NULL);
    uint32_t depth = img->nodes[dir].depth + 1u;
    if (depth == 0)           /* 2^32 levels: memory ran out long before */
        return fail_child(img, IMAPI_E_INVALID_PATH, dir, name, len, host, NULL);
    if (iso_on(img)) {
        if (depth > FSI_ISO_MAX_DEPTH && !(img->relocate_deep && !img->no_rock))
            return fail_child(img, IMAPI_E_ISO9660_LEVELS, dir, name, len, host, NULL);
        if (it->type == NODE_DIR && img->ndirs + 2 > FSI_ISO_MAX_DIRS)
            return fsi_fail(img, IMAPI_E_TOO_MANY_DIRS, 0, "ISO9660", NULL, NULL);
    }
    if (hash_reserve(img) || journal_reserve(img) ||
        (img->fresh && img->fresh->dir == dir && fresh_room(img->fresh)))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    uint64_t off;
    if (pool_add(&img->names, name, len, &off))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    fsi_item id = node_alloc(img);
    if (!id)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    struct node *n = &img->nodes[id];
    n->parent = dir;
    n->name_off = off;
    n->name_len = (uint16_t)len;
    n->type = it->type;
    n->size = it->size;
    memcpy(n->times, it->times, sizeof n->times);
    n->mode = (uint16_t)(it->mode & (it->type == NODE_SPECIAL ? S_IFMT | 07777 : 07777));
    n->uid = it->uid;
    n->gid = it->gid;
    n->src = it->src;
    n->depth = depth;
    if (it->unindexed && it->type == NODE_DIR)
        n->flags |= NF_UNINDEXED;
    node_link_tag(img, id, tag);
    journal_note(img, UNDO_LINK, id, 0, 0);
    if (out)
        *out = id;
    return FSI_S_OK;
}

static void new_item_defaults(struct new_item *it, uint8_t type)
{
    memset(it, 0, sizeof *it);
    it->type = type;
    int64_t t = now_ns();
    it->times[0] = it->times[1] = it->times[2] = t;
    it->mode = type == NODE_DIR ? 0755 : type == NODE_SYMLINK ? 0777 : 0644;
}

/* Check the size limit after adding the single item id; on failure take
 * the item back (its source record stays for the caller to clean up). */
static fsi_hresult limit_single(fsi_image *img, fsi_item id, const char *path)
{
    uint64_t bound = img->max_blocks ? limits_item_bound(img, id) : 0;
    fsi_hresult hr = limits_after_add(img, bound, path);
    if (FSI_FAILED(hr)) {
        node_unlink(img, id);
        if (img->journaling && img->njournal && img->journal[img->njournal - 1].item == id)
            img->njournal--;
        img->changes--;
        img->nodes[id].src = 0;       /* the caller frees the source */
        node_free_slot(img, id);
    }
    return hr;
}

/* Common front of the add_* calls: writable, parent resolved. */
static fsi_hresult add_prepare(fsi_image *img, const char *path, fsi_item *parent,
                               const char **name, size_t *len)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    return resolve(img, path, true, parent, name, len, IMAPI_E_DIR_NOT_FOUND);
}

FSI_API fsi_hresult fsi_add_dir(fsi_image *img, const char *path)
{
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    struct new_item it;
    new_item_defaults(&it, NODE_DIR);
    fsi_item id;
    hr = add_child(img, parent, name, len, &it, NULL, &id);
    return FSI_SUCCEEDED(hr) ? limit_single(img, id, path) : hr;
}

/* Link the item it (its source record, if any, already added: taken
 * back on failure) and check the size limit. */
static fsi_hresult add_linked(fsi_image *img, fsi_item parent, const char *name, size_t len,
                              struct new_item *it, const char *path)
{
    fsi_item id = 0;
    fsi_hresult hr = add_child(img, parent, name, len, it, NULL, &id);
    if (FSI_SUCCEEDED(hr))
        hr = limit_single(img, id, path);
    if (FSI_FAILED(hr) && it->src) {
        source_discard(img, &img->sources[it->src]);
        if (it->src == img->nsources - 1)
            img->nsources--;
    }
    return hr;
}

/* Add a file node whose source record is src (discarded on failure:
 * copies freed, staged bytes given back, a callback's ctx left alone). */
static fsi_hresult add_file_src(fsi_image *img, fsi_item parent, const char *name, size_t len,
                                struct new_item *it, struct source *src, const char *path)
{
    if (src) {
        it->src = source_add(img, src);
        if (!it->src) {
            source_discard(img, src);
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        }
    }
    return add_linked(img, parent, name, len, it, path);
}

static void times_set(int64_t times[3], int64_t atime, int64_t mtime)
{
    times[1] = atime;
    times[2] = mtime;
    /* Linux stat has no birth time; the modification time is the closest
     * stable stand-in for CreationTime. */
    times[0] = mtime;
}

static void times_from_stat(int64_t times[3], const struct stat *st)
{
    times_set(times, (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec,
              (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec);
}

FSI_API fsi_hresult fsi_add_file(fsi_image *img, const char *path, const char *host_path)
{
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    if (!host_path || !*host_path)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "host_path", NULL, NULL);
    /* O_PATH first: a FIFO must not block the open, a device not be
     * opened at all; any length of path (hostpath.c). */
    struct stat st;
    int pfd = hostpath_openat(AT_FDCWD, host_path, O_PATH | O_CLOEXEC);
    if (pfd < 0 || fstat(pfd, &st) != 0) {
        int e = errno;
        if (pfd >= 0)
            close(pfd);
        return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, host_path, NULL, NULL);
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        close(pfd);
        if (S_ISDIR(st.st_mode))
            return fsi_failf(img, IMAPI_E_NOT_FILE, 0, host_path, NULL,
                             "a host directory cannot be a file's data (use fsi_add_tree)");
        return fsi_failf(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, 0, host_path, NULL,
                         "not a regular file");
    }
    close(pfd);
    int fd = hostpath_openat(AT_FDCWD, host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, host_path, NULL, NULL);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISREG(st.st_mode) ? errno : 0;
        close(fd);
        return fsi_failf(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, host_path, NULL,
                         e ? NULL : "not a regular file");
    }
    struct new_item it;
    new_item_defaults(&it, NODE_FILE);
    it.size = (uint64_t)st.st_size;
    times_from_stat(it.times, &st);
    it.mode = st.st_mode & 07777;
    it.uid = st.st_uid;
    it.gid = st.st_gid;
    struct source src = {.kind = SRC_HOST};
    if (img->stage) {
        /* Staged: the bytes as they are now, whatever happens to the host
         * file later. */
        src.kind = SRC_STASH;
        hr = stash_host_file(img, fd, it.size, host_path, &src.u.stash.at);
        close(fd);
        if (FSI_FAILED(hr))
            return hr;
    } else {
        close(fd);
        src.u.host.path = strdup(host_path);
        if (!src.u.host.path)
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    return add_file_src(img, parent, name, len, &it, &src, path);
}

FSI_API fsi_hresult fsi_add_file_mem(fsi_image *img, const char *path, const void *data,
                                     size_t size)
{
    if (img && !data && size > 0)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "data", NULL, NULL);
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    struct new_item it;
    new_item_defaults(&it, NODE_FILE);
    it.size = size;
    if (size == 0)
        return add_file_src(img, parent, name, len, &it, NULL, path);
    struct source src = {.kind = SRC_MEM};
    src.u.mem.data = malloc(size);
    if (!src.u.mem.data)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    memcpy(src.u.mem.data, data, size);
    return add_file_src(img, parent, name, len, &it, &src, path);
}

FSI_API fsi_hresult fsi_add_file_cb(fsi_image *img, const char *path, uint64_t size,
                                    fsi_read_fn read, void *ctx, void (*free_ctx)(void *))
{
    if (img && !read)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "read", NULL, NULL);
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    struct new_item it;
    new_item_defaults(&it, NODE_FILE);
    it.size = size;
    struct source src = {.kind = SRC_CALLBACK};
    if (img->stage) {
        /* Staged: read it all now; the callback is done with after this. */
        src.kind = SRC_STASH;
        hr = stash_callback(img, read, ctx, size, path, &src.u.stash.at);
        if (FSI_FAILED(hr))
            return hr;
        hr = add_file_src(img, parent, name, len, &it, &src, path);
        if (FSI_SUCCEEDED(hr) && free_ctx)
            free_ctx(ctx);
        return hr;
    }
    src.u.cb.read = read;
    src.u.cb.ctx = ctx;
    src.u.cb.free_ctx = free_ctx;
    return add_file_src(img, parent, name, len, &it, &src, path);
}

/* A source record for a symlink's target (len bytes, 1..PATH_MAX-1):
 * 0 with *hr set on failure. */
static uint32_t link_source(fsi_image *img, const char *target, size_t len, const char *what,
                            fsi_hresult *hr)
{
    if (len == 0 || len >= PATH_MAX || memchr(target, '\0', len)) {
        *hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, what, NULL,
                        "a symbolic link's target must be 1 to %d bytes without NUL",
                        PATH_MAX - 1);
        return 0;
    }
    struct source src = {.kind = SRC_LINK};
    src.u.link.target = malloc(len + 1);
    uint32_t i = 0;
    if (src.u.link.target) {
        memcpy(src.u.link.target, target, len);
        src.u.link.target[len] = '\0';
        if (!(i = source_add(img, &src)))
            free(src.u.link.target);
    }
    if (!i)
        *hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    return i;
}

FSI_API fsi_hresult fsi_add_symlink(fsi_image *img, const char *path, const char *target)
{
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    if (!target)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "target", NULL, NULL);
    struct new_item it;
    new_item_defaults(&it, NODE_SYMLINK);
    if (!(it.src = link_source(img, target, strlen(target), "target", &hr)))
        return hr;
    return add_linked(img, parent, name, len, &it, path);
}

FSI_API fsi_hresult fsi_add_special(fsi_image *img, const char *path, uint32_t mode,
                                    uint64_t rdev)
{
    fsi_item parent;
    const char *name;
    size_t len;
    fsi_hresult hr = add_prepare(img, path, &parent, &name, &len);
    if (FSI_FAILED(hr))
        return hr;
    if (!S_ISFIFO(mode) && !S_ISSOCK(mode) && !S_ISCHR(mode) && !S_ISBLK(mode))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "mode", NULL,
                         "%#o is not a FIFO, socket or device type", mode);
    if (mode & ~(uint32_t)(S_IFMT | 07777))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "mode", NULL,
                         "%#o has bits beyond S_IFMT and 07777", mode);
    struct new_item it;
    new_item_defaults(&it, NODE_SPECIAL);
    it.mode = mode;
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        struct source src = {.kind = SRC_DEV, .u.dev.rdev = rdev};
        if (!(it.src = source_add(img, &src)))
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    return add_linked(img, parent, name, len, &it, path);
}

/* ---------------------------------------------------------------- */
/* add_tree                                                          */
/* ---------------------------------------------------------------- */

/* The walk is iterative: a directory's entries are all added first (its
 * subdirectories as empty items, noted as pending), then each pending
 * subdirectory is entered in turn.  So depth costs heap, never stack, and
 * a directory's descriptor is needed after its entries only to open its
 * subdirectories: it is closed once the last one is open, and beyond
 * WALK_KEEP_FDS levels closed at once and opened again (relative to the
 * deepest ancestor still open) when the next subdirectory is due.  The
 * descriptors held stay bounded however deep the tree is.
 *
 * Entries are read a batch at a time while the statpool's workers stat
 * ahead; a batch bounds the memory a huge directory needs. */
#define WALK_BATCH 4096
#define WALK_KEEP_FDS 64

struct walk_batch {
    char *names;              /* NUL-terminated names, back to back */
    size_t names_len, names_cap;
    uint32_t *off;            /* where each name starts */
    struct statpool_res *res; /* each name's fstatat */
    size_t n, cap;
};

/* A subdirectory to enter: its item and what it is on the host. */
struct walk_pend {
    fsi_item item;
    uint64_t dev, ino;
};

/* A directory on the way down from the top of the walk. */
struct walk_frame {
    fsi_item dir;
    int fd;                   /* -1 once closed (see above) */
    uint64_t dev, ino;
    size_t host_len;          /* its host path is w->host[0..host_len) */
    size_t start, next, end;  /* its pending subdirectories: w->pend[start..end),
                                 entered up to next */
    size_t hnext;             /* older frame in the same loop-hash chain, +1 */
};

struct walk {
    fsi_image *img;
    uint32_t base;            /* index in img->bases */
    char *host;               /* current host path (grows/shrinks) */
    size_t host_len, host_cap;
    struct walk_frame *frames;
    size_t depth, frames_cap;
    struct walk_pend *pend;
    size_t npend, pend_cap;
    size_t *lhash;            /* (dev, ino) -> newest frame index + 1 */
    size_t lhash_cap;         /* a power of two */
    struct walk_batch batch;
    struct statpool *pool;    /* made at the first batch big enough */
    bool pool_tried;
    uint64_t skipped;         /* special files left out */
};

static int walk_set_host(struct walk *w, size_t at, const char *name, size_t len)
{
    size_t need = at + 1 + len + 1;
    if (need > w->host_cap) {
        size_t cap = need * 2;
        char *h = realloc(w->host, cap);
        if (!h)
            return -1;
        w->host = h;
        w->host_cap = cap;
    }
    w->host[at] = '/';
    memcpy(w->host + at + 1, name, len);
    w->host_len = at + 1 + len;
    w->host[w->host_len] = '\0';
    return 0;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->frames[i].fd >= 0)
            close(w->frames[i].fd);
    free(w->batch.names);
    free(w->batch.off);
    free(w->batch.res);
    free(w->frames);
    free(w->pend);
    free(w->lhash);
    free(w->host);
    statpool_free(w->pool);
}

static size_t lhash_slot(const struct walk *w, uint64_t dev, uint64_t ino)
{
    uint64_t h = (ino * 0x9E3779B97F4A7C15ull) ^ (dev * 0xC2B2AE3D27D4EB4Full);
    return (size_t)(h >> 17) & (w->lhash_cap - 1);
}

/* Whether (dev, ino) is a directory on the way down: a symbolic link (or a
 * bind mount) that leads back up would make the walk endless. */
static bool walk_on_path(const struct walk *w, uint64_t dev, uint64_t ino)
{
    for (size_t f = w->lhash[lhash_slot(w, dev, ino)]; f; f = w->frames[f - 1].hnext)
        if (w->frames[f - 1].dev == dev && w->frames[f - 1].ino == ino)
            return true;
    return false;
}

/* Put a new frame on top: the walk is then inside directory `dir`. */
static int walk_push(struct walk *w, fsi_item dir, int fd, uint64_t dev, uint64_t ino)
{
    if (w->depth == w->frames_cap) {
        size_t cap = w->frames_cap ? 2 * w->frames_cap : 64;
        struct walk_frame *f = realloc(w->frames, cap * sizeof *f);
        if (!f)
            return -1;
        w->frames = f;
        w->frames_cap = cap;
    }
    if (w->depth * 2 >= w->lhash_cap) {
        /* Keep chains short: rebuild at twice the size. */
        size_t cap = w->lhash_cap ? 2 * w->lhash_cap : 256;
        size_t *h = calloc(cap, sizeof *h);
        if (!h)
            return -1;
        free(w->lhash);
        w->lhash = h;
        w->lhash_cap = cap;
        for (size_t i = 0; i < w->depth; i++) {
            size_t s = lhash_slot(w, w->frames[i].dev, w->frames[i].ino);
            w->frames[i].hnext = h[s];
            h[s] = i + 1;
        }
    }
    struct walk_frame *f = &w->frames[w->depth];
    f->dir = dir;
    f->fd = fd;
    f->dev = dev;
    f->ino = ino;
    f->host_len = w->host_len;
    f->start = f->next = f->end = w->npend;
    size_t s = lhash_slot(w, dev, ino);
    f->hnext = w->lhash[s];
    w->lhash[s] = ++w->depth;
    return 0;
}

static void walk_pop(struct walk *w)
{
    struct walk_frame *f = &w->frames[--w->depth];
    if (f->fd >= 0)
        close(f->fd);
    w->lhash[lhash_slot(w, f->dev, f->ino)] = f->hnext;
    w->npend = f->start;      /* all entered */
    if (w->depth)
        w->host_len = w->frames[w->depth - 1].host_len;
    w->host[w->host_len] = '\0';
}

/* Read up to WALK_BATCH entries of d (not . and ..) into b.  A read error
 * ends the directory: it goes to *err, to be reported once the entries
 * before it are taken.  -1 when out of memory. */
static int walk_read(struct walk_batch *b, DIR *d, int *err, bool *eof)
{
    b->n = b->names_len = 0;
    while (b->n < WALK_BATCH) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            *err = errno;
            *eof = true;
            return 0;
        }
        const char *nm = de->d_name;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
            continue;
        size_t size = strlen(nm) + 1;
        if (size > b->names_cap - b->names_len) {
            size_t cap = 2 * (b->names_len + size) + 4096;
            char *p = realloc(b->names, cap);
            if (!p)
                return -1;
            b->names = p;
            b->names_cap = cap;
        }
        if (b->n == b->cap) {
            size_t cap = b->cap ? 2 * b->cap : 64;
            uint32_t *o = realloc(b->off, cap * sizeof *o);
            if (!o)
                return -1;
            b->off = o;
            struct statpool_res *r = realloc(b->res, cap * sizeof *r);
            if (!r)
                return -1;
            b->res = r;
            b->cap = cap;
        }
        b->off[b->n++] = (uint32_t)b->names_len;   /* < WALK_BATCH * 256 */
        memcpy(b->names + b->names_len, nm, size);
        b->names_len += size;
    }
    return 0;
}

/* Tell the notice callback about a host item left out (w->host names it):
 * "'HOST' WHAT". */
static void walk_notice(struct walk *w, fsi_hresult code, const char *what)
{
    fsi_image *img = w->img;
    if (!img->notice)
        return;
    char *host = fsi_text_escape(w->host);
    size_t n = (host ? strlen(host) : 1) + strlen(what) + 4;
    char *line = malloc(n);
    if (line)
        snprintf(line, n, "'%s' %s", host ? host : "?", what);
    img->notice(img->notice_ctx, code, w->host, line ? line : what);
    free(line);
    free(host);
}

static uint64_t id_hash(uint64_t dev, uint64_t ino)
{
    uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ ino;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

/* Hard links: put item (a file with more than one link) in the group of
 * its (dev, ino), making the group at its first name.  -1 on ENOMEM. */
static int link_note(fsi_image *img, fsi_item item, uint64_t dev, uint64_t ino)
{
    if (!img->link_group) {
        img->link_group = calloc(img->cap_nodes, sizeof *img->link_group);
        if (!img->link_group)
            return -1;
    }
    if (2 * (img->ninodes + 1) > img->cap_inodes) {
        uint32_t cap = img->cap_inodes ? 2 * img->cap_inodes : 64;
        struct inode_ent *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (uint32_t i = 0; i < img->cap_inodes; i++) {
            struct inode_ent *e = &img->inodes[i];
            if (!e->group)
                continue;
            uint32_t k = (uint32_t)id_hash(e->dev, e->ino) & (cap - 1);
            while (t[k].group)
                k = (k + 1) & (cap - 1);
            t[k] = *e;
        }
        free(img->inodes);
        img->inodes = t;
        img->cap_inodes = cap;
    }
    uint32_t k = (uint32_t)id_hash(dev, ino) & (img->cap_inodes - 1);
    while (img->inodes[k].group && (img->inodes[k].dev != dev || img->inodes[k].ino != ino))
        k = (k + 1) & (img->cap_inodes - 1);
    if (!img->inodes[k].group) {
        /* Group ids count up from 1; never reused, so a stale one from an
         * undone add names nothing live. */
        img->inodes[k] = (struct inode_ent){dev, ino, ++img->ninodes};
    }
    img->link_group[item] = img->inodes[k].group;
    return 0;
}

/* mkisofs -m: the name or the host path matches a pattern. */
static bool pattern_excluded(const fsi_image *img, const char *nm, size_t len, const char *host)
{
    char name[NAME_MAX + 1];
    if (len > NAME_MAX)
        len = NAME_MAX;
    memcpy(name, nm, len);
    name[len] = '\0';
    for (uint32_t i = 0; i < img->nexclude_patterns; i++)
        if (!fnmatch(img->exclude_patterns[i], name, 0) ||
            !fnmatch(img->exclude_patterns[i], host, 0))
            return true;
    return false;
}

static bool is_excluded(const fsi_image *img, const struct statpool_res *r)
{
    for (uint32_t i = 0; i < img->nexcluded; i++)
        if (img->excluded[i].dev == r->dev && img->excluded[i].ino == r->ino)
            return true;
    return false;
}

/* Add the entry nm of directory dfd (stat-ed into r) to dir.  w->host
 * names it.  A subdirectory is added empty and noted in w->pend. */
static fsi_hresult walk_entry(struct walk *w, int dfd, fsi_item dir, const char *nm, size_t len,
                              const struct statpool_res *r)
{
    fsi_image *img = w->img;
    fsi_hresult hr;
    int e = atomic_load_explicit(&r->err, memory_order_relaxed);   /* statjob_get synced */
    if (e) {
        struct stat lst;
        if (e == ENOENT && fstatat(dfd, nm, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(lst.st_mode))
            return fsi_failf(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, w->host, NULL,
                             "it is a dangling symbolic link");
        return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, w->host, NULL, NULL);
    }
    if (img->nexcluded && is_excluded(img, r)) {
        walk_notice(w, FSI_S_OK, "is excluded: left out of the image");
        return FSI_S_OK;
    }
    if (img->nexclude_patterns && pattern_excluded(img, nm, len, w->host))
        return FSI_S_OK;
    struct new_item it;
    if (S_ISDIR(r->mode)) {
        new_item_defaults(&it, NODE_DIR);
        it.unindexed = true;          /* filled from one directory listing */
    } else if (S_ISLNK(r->mode)) {
        /* Kept as a link (not following links): dangling or looping
         * is fine, it is never opened. */
        new_item_defaults(&it, NODE_SYMLINK);
        char target[PATH_MAX];
        ssize_t tl = readlinkat(dfd, nm, target, sizeof target);
        if (tl < 0)
            return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, w->host, NULL, NULL);
        if (!(it.src = link_source(img, target, (size_t)tl, w->host, &hr)))
            return hr;
    } else if (S_ISFIFO(r->mode) || S_ISSOCK(r->mode) || S_ISCHR(r->mode) ||
               S_ISBLK(r->mode)) {
        new_item_defaults(&it, NODE_SPECIAL);
        if (S_ISCHR(r->mode) || S_ISBLK(r->mode)) {
            struct source src = {.kind = SRC_DEV, .u.dev.rdev = r->rdev};
            if (!(it.src = source_add(img, &src)))
                return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        }
    } else if (S_ISREG(r->mode)) {
        new_item_defaults(&it, NODE_FILE);
        it.size = r->size;
        it.src = SRC_TREE_BIT | w->base;
        if (img->stage) {
            /* Staged: copy the bytes now, into the stash. */
            int fd = openat(dfd, nm, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            if (fd < 0)
                return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, w->host, NULL,
                                NULL);
            struct source src = {.kind = SRC_STASH};
            hr = stash_host_file(img, fd, it.size, w->host, &src.u.stash.at);
            close(fd);
            if (FSI_FAILED(hr))
                return hr;
            if (!(it.src = source_add(img, &src)))
                return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        } else if (!(r->mode & S_IROTH) && faccessat(dfd, nm, R_OK, AT_EACCESS) != 0) {
            /* Unreadable files fail at add time, as IMAPI's do.  Bits
             * that let everyone read settle it without a syscall (ACLs
             * never narrow the "other" class); else ask the kernel. */
            return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, w->host, NULL, NULL);
        }
    } else {
        /* A type Linux does not make (S_IFMT bits unknown to us). */
        w->skipped++;
        walk_notice(w, IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED,
                    "is of a type images cannot hold: left out of the image");
        return FSI_S_OK;
    }
    times_set(it.times, r->atime, r->mtime);
    it.mode = r->mode & (it.type == NODE_SPECIAL ? S_IFMT | 07777 : 07777);
    it.uid = r->uid;
    it.gid = r->gid;
    fsi_item child;
    hr = add_child(img, dir, nm, len, &it, w->host, &child);
    if (FSI_FAILED(hr) && it.type != NODE_FILE && it.src) {
        source_discard(img, &img->sources[it.src]);   /* the last one added */
        if (it.src == img->nsources - 1)
            img->nsources--;
    }
    if (FSI_SUCCEEDED(hr) && it.type == NODE_FILE && r->nlink > 1 && !img->no_hardlinks &&
        link_note(img, child, r->dev, r->ino))
        hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (FSI_FAILED(hr) || !S_ISDIR(r->mode))
        return hr;
    if (w->npend == w->pend_cap) {
        size_t cap = w->pend_cap ? 2 * w->pend_cap : 256;
        struct walk_pend *p = realloc(w->pend, cap * sizeof *p);
        if (!p)
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        w->pend = p;
        w->pend_cap = cap;
    }
    w->pend[w->npend++] = (struct walk_pend){child, r->dev, r->ino};
    return FSI_S_OK;
}

/* Add the entries of the directory on top of the walk (its fd open). */
static fsi_hresult walk_entries(struct walk *w)
{
    fsi_image *img = w->img;
    struct walk_frame *f = &w->frames[w->depth - 1];
    int rfd = openat(f->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = rfd >= 0 ? fdopendir(rfd) : NULL;
    if (!d) {
        int e = errno;
        if (rfd >= 0)
            close(rfd);
        return fsi_fail(img, IMAPI_E_DIRECTORY_READ_FAILURE, e, w->host, NULL, NULL);
    }
    fsi_hresult hr = FSI_S_OK;
    int read_err = 0;
    bool eof = false;
    size_t dir_len = w->host_len;
    fsi_item dir = f->dir;
    int dfd = f->fd;
    while (!eof && FSI_SUCCEEDED(hr)) {
        struct walk_batch *b = &w->batch;
        if (walk_read(b, d, &read_err, &eof)) {
            hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            break;
        }
        if (b->n >= STATPOOL_MIN && !w->pool_tried) {
            w->pool_tried = true;
            w->pool = statpool_new(statpool_threads());
        }
        struct statjob job;
        statjob_start(&job, w->pool, dfd, img->follow_links ? 0 : AT_SYMLINK_NOFOLLOW, b->names,
                      b->off, b->n, b->res);
        for (size_t i = 0; i < job.n; i++) {
            const char *nm = job.names + job.off[i];
            size_t len = strlen(nm);
            if (walk_set_host(w, dir_len, nm, len)) {
                hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
                break;
            }
            hr = walk_entry(w, dfd, dir, nm, len, statjob_get(&job, i));
            if (FSI_FAILED(hr))
                break;
        }
        statjob_end(&job);    /* before b is used again */
    }
    if (FSI_SUCCEEDED(hr)) {
        w->host_len = dir_len;
        w->host[dir_len] = '\0';
    }
    if (FSI_SUCCEEDED(hr) && read_err)
        hr = fsi_fail(img, IMAPI_E_DIRECTORY_READ_FAILURE, read_err, w->host, NULL, NULL);
    closedir(d);
    f = &w->frames[w->depth - 1];
    f->end = w->npend;
    return hr;
}

/* The descriptor of frame i, opened again if it was closed: relative to
 * the deepest ancestor still open (the top of the walk always is). */
static int walk_frame_fd(struct walk *w, size_t i)
{
    struct walk_frame *f = &w->frames[i];
    if (f->fd >= 0)
        return f->fd;
    size_t a = i;
    while (a > 0 && w->frames[a].fd < 0)
        a--;
    const struct walk_frame *anc = &w->frames[a];
    char save = w->host[f->host_len];
    w->host[f->host_len] = '\0';
    f->fd = hostpath_openat(anc->fd, w->host + anc->host_len + 1,
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    w->host[f->host_len] = save;
    /* It must still be the directory the walk read. */
    struct stat st;
    if (f->fd >= 0 && (fstat(f->fd, &st) != 0 || (uint64_t)st.st_dev != f->dev ||
                       (uint64_t)st.st_ino != f->ino)) {
        close(f->fd);
        f->fd = -1;
        errno = ESTALE;
    }
    return f->fd;
}

/* Walk everything below the open host directory dfd (at w->host) into dir. */
static fsi_hresult walk_tree(struct walk *w, int dfd, fsi_item dir, uint64_t dev, uint64_t ino)
{
    fsi_image *img = w->img;
    if (walk_push(w, dir, dfd, dev, ino)) {
        close(dfd);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    fsi_hresult hr = walk_entries(w);
    while (FSI_SUCCEEDED(hr) && w->depth > 0) {
        size_t top = w->depth - 1;
        struct walk_frame *f = &w->frames[top];
        if (f->next == f->end) {
            walk_pop(w);
            continue;
        }
        struct walk_pend p = w->pend[f->next++];
        const struct node *n = &img->nodes[p.item];
        if (walk_set_host(w, f->host_len, node_name(img, n), n->name_len)) {
            hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            break;
        }
        if (walk_on_path(w, p.dev, p.ino)) {
            hr = fsi_failf(img, IMAPI_E_DIRECTORY_READ_FAILURE, 0, w->host, NULL,
                           "a symbolic link loops back to a directory above it");
            break;
        }
        int pfd = walk_frame_fd(w, top);
        int cfd = -1;
        if (pfd >= 0) {
            char name[NAME_MAX + 1];
            memcpy(name, node_name(img, n), n->name_len);
            name[n->name_len] = '\0';
            cfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (cfd < 0) {
            hr = fsi_fail(img, IMAPI_E_DIRECTORY_READ_FAILURE, errno, w->host, NULL, NULL);
            break;
        }
        /* Done with the parent's descriptor, or holding too many (the top
         * one stays: closed ones are opened again relative to it). */
        if (top > 0 && (f->next == f->end || top >= WALK_KEEP_FDS)) {
            close(f->fd);
            f->fd = -1;
        }
        if (walk_push(w, p.item, cfd, p.dev, p.ino)) {
            close(cfd);
            hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            break;
        }
        hr = walk_entries(w);
    }
    return hr;
}

FSI_API fsi_hresult fsi_add_tree(fsi_image *img, const char *path, const char *host_dir,
                                 bool include_base)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!host_dir || !*host_dir)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "host_dir", NULL, NULL);
    fsi_item dir;
    hr = resolve(img, path, false, &dir, NULL, NULL, IMAPI_E_DIR_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (img->nodes[dir].type != NODE_DIR)
        return fsi_fail(img, IMAPI_E_NOT_DIR, 0, path, NULL, NULL);

    int dfd = hostpath_openat(AT_FDCWD, host_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fsi_fail(img, IMAPI_E_DIRECTORY_READ_FAILURE, errno, host_dir, NULL, NULL);
    struct stat st;
    if (fstat(dfd, &st) != 0) {
        int e = errno;
        close(dfd);
        return fsi_fail(img, IMAPI_E_DIRECTORY_READ_FAILURE, e, host_dir, NULL, NULL);
    }

    /* Host path without trailing slashes; the base name for include_base. */
    size_t hl = strlen(host_dir);
    while (hl > 1 && host_dir[hl - 1] == '/')
        hl--;
    struct walk w = {.img = img};
    w.host_cap = hl + 256;
    w.host = malloc(w.host_cap);
    if (!w.host) {
        close(dfd);
        free(w.host);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    memcpy(w.host, host_dir, hl);
    w.host[hl] = '\0';
    w.host_len = hl;
    if (img->nbases == img->cap_bases) {
        uint32_t cap = img->cap_bases ? img->cap_bases * 2 : 8;
        struct tree_base *b = realloc(img->bases, cap * sizeof *b);
        if (!b) {
            close(dfd);
            free(w.host);
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        }
        img->bases = b;
        img->cap_bases = cap;
    }

    /* All or nothing: journal what we add and undo it on failure. */
    size_t mark = img->njournal;
    uint64_t stash_before = img->stash_size;
    uint64_t changes_before = img->changes;
    img->journaling++;

    fsi_item top = dir;
    bool based = false;
    if (include_base) {
        const char *b = w.host + hl;
        while (b > w.host && b[-1] != '/')
            b--;
        size_t blen = (size_t)(w.host + hl - b);
        if (blen == 0 || (blen == 1 && b[0] == '.') || (blen == 2 && b[0] == '.' && b[1] == '.')) {
            hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "host_dir", NULL,
                           "'%s' has no base name to add", host_dir);
        } else {
            struct new_item it;
            new_item_defaults(&it, NODE_DIR);
            times_from_stat(it.times, &st);
            it.mode = st.st_mode & 07777;
            it.uid = st.st_uid;
            it.gid = st.st_gid;
            hr = add_child(img, dir, b, blen, &it, w.host, &top);
        }
    }
    if (FSI_SUCCEEDED(hr)) {
        img->bases[img->nbases].node = top;
        img->bases[img->nbases].host_dir = strdup(w.host);
        if (!img->bases[img->nbases].host_dir)
            hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        else
            w.base = img->nbases++, based = true;
    } else {
        close(dfd);
        dfd = -1;
    }
    if (FSI_SUCCEEDED(hr))
        hr = walk_tree(&w, dfd, top, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    else if (dfd >= 0)
        close(dfd);
    if (FSI_SUCCEEDED(hr)) {
        uint64_t bound = 0;
        for (size_t i = mark; img->max_blocks && i < img->njournal; i++)
            bound += limits_item_bound(img, img->journal[i].item);
        hr = limits_after_add(img, bound, include_base ? w.host : host_dir);
    }

    img->journaling--;
    if (FSI_FAILED(hr)) {
        for (size_t i = img->njournal; i > mark; i--)
            undo_apply(img, &img->journal[i - 1]);
        journal_drop(img, mark, true);
        stash_truncate(img, stash_before);
        img->changes = changes_before;
        if (based)
            free(img->bases[--img->nbases].host_dir);   /* nothing uses it now */
    } else if (!img->journaling) {
        img->njournal = mark;         /* nobody can roll back: forget */
    }
    if (FSI_SUCCEEDED(hr) && w.skipped) {
        char n[32];
        snprintf(n, sizeof n, "%llu", (unsigned long long)w.skipped);
        hr = fsi_failf(img, IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED, 0, NULL, NULL,
                       "%s items of types images cannot hold under '%s' were left out",
                       n, host_dir);
    }
    walk_free(&w);
    return hr;
}

/* ---------------------------------------------------------------- */
/* Removing                                                          */
/* ---------------------------------------------------------------- */

static fsi_hresult remove_common(fsi_image *img, const char *path, bool tree)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    fsi_item id;
    hr = resolve(img, path, false, &id, NULL, NULL,
                 tree ? IMAPI_E_DIR_NOT_FOUND : IMAPI_E_FILE_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (id == FSI_ROOT)
        return fsi_failf(img, IMAPI_E_INVALID_PATH, 0, path, NULL, "the root cannot be removed");
    const struct node *n = &img->nodes[id];
    if (tree && n->type != NODE_DIR)
        return fsi_fail(img, IMAPI_E_NOT_DIR, 0, path, NULL, NULL);
    if (!tree && n->type == NODE_DIR && n->nchildren > 0)
        return fsi_fail(img, IMAPI_E_DIR_NOT_EMPTY, 0, path, NULL, NULL);
    if (journal_reserve(img))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    node_unlink(img, id);
    journal_note(img, UNDO_UNLINK, id, 0, 0);
    limits_invalidate(img);
    if (!img->journaling)
        subtree_free(img, id);        /* nothing can bring it back */
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_remove(fsi_image *img, const char *path)
{
    return remove_common(img, path, false);
}

FSI_API fsi_hresult fsi_remove_tree(fsi_image *img, const char *path)
{
    return remove_common(img, path, true);
}

/* ---------------------------------------------------------------- */
/* Looking up and enumerating                                        */
/* ---------------------------------------------------------------- */

FSI_API fsi_hresult fsi_exists(fsi_image *img, const char *path, fsi_item_type *type)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!type)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "type", NULL, NULL);
    *type = FSI_ITEM_NOT_FOUND;
    fsi_item id;
    fsi_hresult hr = resolve(img, path, false, &id, NULL, NULL, 0);
    if (hr == IMAPI_E_DIR_NOT_FOUND || hr == IMAPI_E_NOT_DIR)
        return FSI_S_OK;              /* a missing parent: simply absent */
    if (FSI_FAILED(hr))
        return hr;
    if (id)
        *type = item_type(&img->nodes[id]);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_lookup(fsi_image *img, const char *path, fsi_item *out)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!out)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "out", NULL, NULL);
    fsi_hresult hr = resolve(img, path, false, out, NULL, NULL, IMAPI_E_ITEM_NOT_FOUND);
    if (hr == IMAPI_E_DIR_NOT_FOUND || hr == IMAPI_E_NOT_DIR)
        hr = fsi_fail(img, IMAPI_E_ITEM_NOT_FOUND, 0, path, NULL, NULL);
    return hr;
}

static bool item_live(const fsi_image *img, fsi_item item)
{
    if (item == 0 || item >= img->nnodes || img->nodes[item].type == NODE_FREE)
        return false;
    for (fsi_item a = item; a != FSI_ROOT; a = img->nodes[a].parent)
        if (!(img->nodes[a].flags & NF_LINKED))
            return false;
    return true;
}

static void fill_info(const fsi_image *img, fsi_item item, fsi_item_info *o)
{
    const struct node *n = &img->nodes[item];
    memset(o, 0, sizeof *o);
    o->type = item_type(n);
    o->name = node_name(img, n);
    o->name_len = n->name_len;
    o->size = n->type == NODE_FILE ? n->size : 0;
    struct timespec *t[3] = {&o->ctime, &o->atime, &o->mtime};
    for (int i = 0; i < 3; i++) {
        int64_t v = n->times[i];
        int64_t s = v / 1000000000, ns = v % 1000000000;
        if (ns < 0) {
            ns += 1000000000;
            s--;
        }
        t[i]->tv_sec = (time_t)s;
        t[i]->tv_nsec = (long)ns;
    }
    o->hidden = (n->flags & NF_HIDDEN) != 0;
    o->mode = n->mode & 07777;
    o->uid = n->uid;
    o->gid = n->gid;
    o->parent = item == FSI_ROOT ? 0 : n->parent;
    o->child_count = n->type == NODE_DIR ? n->nchildren : 0;
    o->file_type = n->type == NODE_DIR       ? S_IFDIR
                   : n->type == NODE_SYMLINK ? S_IFLNK
                   : n->type == NODE_SPECIAL ? (uint32_t)(n->mode & S_IFMT)
                                             : S_IFREG;
    o->link_target = node_link_target(img, n);
    o->rdev = node_rdev(img, n);
}

FSI_API fsi_hresult fsi_item_get_info(fsi_image *img, fsi_item item, fsi_item_info *out)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!out)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "out", NULL, NULL);
    if (!item_live(img, item))
        return fsi_failf(img, IMAPI_E_ITEM_NOT_FOUND, 0, "?", NULL, "item %u is not in the tree",
                         (unsigned)item);
    fill_info(img, item, out);
    return FSI_S_OK;
}

FSI_API size_t fsi_item_path(fsi_image *img, fsi_item item, char *buf, size_t size)
{
    if (!img || !item_live(img, item))
        return 0;
    if (item == FSI_ROOT) {
        if (size > 1) {
            buf[0] = '/';
            buf[1] = '\0';
        } else if (size) {
            buf[0] = '\0';
        }
        return 1;
    }
    size_t need = 0;
    for (fsi_item a = item; a != FSI_ROOT; a = img->nodes[a].parent)
        need += 1 + img->nodes[a].name_len;
    if (size) {
        size_t end = need < size - 1 ? need : size - 1;
        buf[end] = '\0';
        size_t pos = need;
        for (fsi_item a = item; a != FSI_ROOT; a = img->nodes[a].parent) {
            const struct node *n = &img->nodes[a];
            pos -= n->name_len;
            const char *nm = node_name(img, n);
            for (size_t i = 0; i < n->name_len; i++)
                if (pos + i < end)
                    buf[pos + i] = nm[i];
            pos--;
            if (pos < end)
                buf[pos] = '/';
        }
    }
    return need;
}

/* Children sorting: a multikey quicksort on 8-byte words of the names
 * (big-endian, zero-padded: no name holds a NUL byte, so a name that ends
 * first sorts first, as in byte order).  Most comparisons look at the key
 * in the record and not at the name, which matters in a big directory,
 * whose names lie scattered through the pool; and it needs no scratch
 * array (16 bytes a child, turned into the result in place). */
struct sort_ent {
    uint64_t key;             /* bytes [depth, depth + 8) of the name */
    fsi_item id;
    uint16_t len;
};

static uint64_t name_word(const char *s, size_t len, size_t depth)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (depth + i < len ? (unsigned char)s[depth + i] : 0);
    return k;
}

/* Byte order of the names of a and b, which agree before `depth`. */
static int sort_ent_cmp(const fsi_image *img, const struct sort_ent *a,
                        const struct sort_ent *b, size_t depth)
{
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    if (n > depth + 8) {
        int c = memcmp(node_name(img, &img->nodes[a->id]) + depth + 8,
                       node_name(img, &img->nodes[b->id]) + depth + 8, n - depth - 8);
        if (c)
            return c;
    }
    return (a->len > b->len) - (a->len < b->len);
}

static void sort_ents(const fsi_image *img, struct sort_ent *e, size_t n, size_t depth)
{
    while (n > 12) {
        /* Median of three keys as the pivot, then lt | eq | gt. */
        uint64_t a = e[0].key, b = e[n / 2].key, c = e[n - 1].key, p;
        if (a < b)
            p = b < c ? b : (a < c ? c : a);
        else
            p = a < c ? a : (b < c ? c : b);
        size_t lt = 0, i = 0, gt = n;
        while (i < gt) {
            struct sort_ent t;
            if (e[i].key < p) {
                t = e[lt]; e[lt++] = e[i]; e[i++] = t;
            } else if (e[i].key > p) {
                t = e[--gt]; e[gt] = e[i]; e[i] = t;
            } else {
                i++;
            }
        }
        /* Equal words: the names go on past them unless the word ends
         * in padding (then they are equal, which siblings never are). */
        if (gt - lt > 1 && (p & 0xFF)) {
            for (size_t k = lt; k < gt; k++)
                e[k].key = name_word(node_name(img, &img->nodes[e[k].id]), e[k].len, depth + 8);
            sort_ents(img, e + lt, gt - lt, depth + 8);
        }
        /* The smaller side by recursion, the larger by the loop: the
         * stack stays O(log n) per word. */
        if (lt < n - gt) {
            sort_ents(img, e, lt, depth);
            e += gt;
            n -= gt;
        } else {
            sort_ents(img, e + gt, n - gt, depth);
            n = lt;
        }
    }
    for (size_t i = 1; i < n; i++) {
        struct sort_ent t = e[i];
        size_t j = i;
        while (j > 0 && sort_ent_cmp(img, &t, &e[j - 1], depth) < 0) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = t;
    }
}

fsi_item *tree_sorted_children(const fsi_image *img, fsi_item dir, size_t *count)
{
    const struct node *d = &img->nodes[dir];
    *count = 0;
    errno = 0;
    if (d->type != NODE_DIR || d->nchildren == 0)
        return NULL;
    size_t n = d->nchildren;
    struct sort_ent *e = malloc(n * sizeof *e);
    if (!e) {
        errno = ENOMEM;
        return NULL;
    }
    size_t i = 0;
    for (fsi_item c = d->first_child; c && i < n; c = img->nodes[c].next_sibling, i++) {
        const struct node *cn = &img->nodes[c];
        e[i].key = name_word(node_name(img, cn), cn->name_len, 0);
        e[i].id = c;
        e[i].len = cn->name_len;
    }
    sort_ents(img, e, i, 0);
    /* The ids over the records, front to back (id k lands at byte 4k,
     * never past record k), then the array shrunk to them. */
    fsi_item *out = (fsi_item *)(void *)e;
    for (size_t k = 0; k < i; k++)
        out[k] = e[k].id;
    fsi_item *shrunk = realloc(out, (i ? i : 1) * sizeof *out);
    *count = i;
    return shrunk ? shrunk : out;
}

FSI_API fsi_hresult fsi_enum_children(fsi_image *img, const char *path, fsi_enum_fn fn, void *ctx)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!fn)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "fn", NULL, NULL);
    fsi_item dir;
    fsi_hresult hr = resolve(img, path, false, &dir, NULL, NULL, IMAPI_E_DIR_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (img->nodes[dir].type != NODE_DIR)
        return fsi_fail(img, IMAPI_E_NOT_DIR, 0, path, NULL, NULL);
    size_t n;
    fsi_item *kids = tree_sorted_children(img, dir, &n);
    if (!kids && errno == ENOMEM)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    int r = 0;
    for (size_t i = 0; i < n && !r; i++) {
        fsi_item_info info;
        fill_info(img, kids[i], &info);
        r = fn(ctx, kids[i], &info);
    }
    free(kids);
    return r ? (fsi_hresult)r : FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Properties                                                        */
/* ---------------------------------------------------------------- */

FSI_API fsi_hresult fsi_set_time(fsi_image *img, const char *path, int which, struct timespec t)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (which < 0 || which > 2)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "which", NULL, NULL);
    if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000 || t.tv_sec > INT64_MAX / 1000000000 - 1 ||
        t.tv_sec < INT64_MIN / 1000000000 + 1)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "t", NULL, NULL);
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    fsi_item id;
    hr = resolve(img, path, false, &id, NULL, NULL, IMAPI_E_ITEM_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (journal_reserve(img))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    struct node *n = &img->nodes[id];
    journal_note(img, UNDO_TIME, id, (uint8_t)which, n->times[which]);
    n->times[which] = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_set_hidden(fsi_image *img, const char *path, bool hidden)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    fsi_item id;
    hr = resolve(img, path, false, &id, NULL, NULL, IMAPI_E_ITEM_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (journal_reserve(img))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    struct node *n = &img->nodes[id];
    journal_note(img, UNDO_HIDDEN, id, 0, (n->flags & NF_HIDDEN) != 0);
    if (hidden)
        n->flags |= NF_HIDDEN;
    else
        n->flags &= (uint8_t)~NF_HIDDEN;
    return FSI_S_OK;
}

/* Resolve path for a property change (journal room reserved). */
static fsi_hresult prop_target(fsi_image *img, const char *path, fsi_item *id)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    hr = resolve(img, path, false, id, NULL, NULL, IMAPI_E_ITEM_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    if (journal_reserve(img))
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_set_mode(fsi_image *img, const char *path, uint32_t mode)
{
    fsi_item id;
    fsi_hresult hr = prop_target(img, path, &id);
    if (FSI_FAILED(hr))
        return hr;
    if (mode & ~07777u)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "mode", NULL,
                         "%#o has bits beyond the permission bits 07777", mode);
    struct node *n = &img->nodes[id];
    journal_note(img, UNDO_MODE, id, 0, n->mode);
    n->mode = (uint16_t)((n->mode & ~07777u) | mode);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_set_owner(fsi_image *img, const char *path, uint32_t uid, uint32_t gid)
{
    fsi_item id;
    fsi_hresult hr = prop_target(img, path, &id);
    if (FSI_FAILED(hr))
        return hr;
    struct node *n = &img->nodes[id];
    journal_note(img, UNDO_OWNER, id, 0, (int64_t)((uint64_t)n->uid << 32 | n->gid));
    n->uid = uid;
    n->gid = gid;
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Change points                                                     */
/* ---------------------------------------------------------------- */

FSI_API fsi_hresult fsi_change_point(fsi_image *img, uint64_t *point)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!point)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "point", NULL, NULL);
    if (!img->have_point) {
        img->have_point = true;
        img->journaling++;
        img->journal_from = img->changes;
    }
    *point = img->changes;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rollback(fsi_image *img, uint64_t point)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!img->have_point || point < img->journal_from || point > img->changes)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "point", NULL,
                         "no change point %llu to roll back to", (unsigned long long)point);
    size_t from = img->njournal;
    while (from > 0 && img->journal[from - 1].seq > point)
        from--;
    size_t nundo = img->njournal - from;
    struct undo *redo = nundo ? malloc(nundo * sizeof *redo) : NULL;
    if (nundo && !redo)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    for (size_t i = 0; i < nundo; i++)
        redo[i] = undo_apply(img, &img->journal[img->njournal - 1 - i]);
    if (iso_on(img)) {
        hr = tree_check_iso_limits(img);
        if (FSI_FAILED(hr)) {
            /* The old tree does not fit the file systems now selected:
             * redo everything so nothing changes. */
            for (size_t i = nundo; i > 0; i--)
                undo_apply(img, &redo[i - 1]);
            free(redo);
            return hr;
        }
    }
    free(redo);
    journal_drop(img, from, true);
    img->changes = point;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_lock_in(fsi_image *img)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (img->have_point) {
        img->have_point = false;
        img->journaling--;
        journal_drop(img, 0, false);
    }
    img->journal_from = img->changes;
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Items the library adds for the life of a result (eltorito.c)      */
/* ---------------------------------------------------------------- */

fsi_hresult tree_add_system_file(fsi_image *img, const char *path, const void *data,
                                 size_t len, int64_t time_ns, fsi_item *out)
{
    *out = 0;
    fsi_item parent;
    const char *name;
    size_t nlen;
    fsi_hresult hr = resolve(img, path, true, &parent, &name, &nlen, IMAPI_E_DIR_NOT_FOUND);
    if (FSI_FAILED(hr))
        return hr;
    struct new_item it;
    new_item_defaults(&it, NODE_FILE);
    it.size = len;
    it.times[0] = it.times[1] = it.times[2] = time_ns;
    struct source src = {.kind = SRC_MEM};
    src.u.mem.data = malloc(len ? len : 1);
    if (!src.u.mem.data)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (len)
        memcpy(src.u.mem.data, data, len);
    /* Neither a change nor undoable: the result that needs it removes it. */
    int journaling = img->journaling;
    uint64_t changes = img->changes;
    img->journaling = 0;
    it.src = source_add(img, &src);
    if (!it.src) {
        free(src.u.mem.data);
        hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    } else {
        hr = add_child(img, parent, name, nlen, &it, NULL, out);
        if (FSI_FAILED(hr)) {
            free(img->sources[it.src].u.mem.data);
            img->sources[it.src].kind = SRC_NONE;
            if (it.src == img->nsources - 1)
                img->nsources--;
        }
    }
    img->journaling = journaling;
    img->changes = changes;
    return hr;
}

void tree_remove_system_file(fsi_image *img, fsi_item item)
{
    if (item == 0 || item >= img->nnodes || img->nodes[item].type != NODE_FILE)
        return;
    uint32_t src = img->nodes[item].src;
    if (img->nodes[item].flags & NF_LINKED)
        node_unlink(img, item);
    subtree_free(img, item);
    if (src && !(src & SRC_TREE_BIT) && src == img->nsources - 1)
        img->nsources--;             /* the last record: reuse its slot */
}

/* ---------------------------------------------------------------- */
/* Batches of adds from elsewhere (import.c)                         */
/* ---------------------------------------------------------------- */

fsi_item tree_child(fsi_image *img, fsi_item dir, const char *name, size_t len)
{
    return hash_find(img, dir, name, len);
}

void tree_batch_begin(fsi_image *img, struct tree_batch *b)
{
    b->mark = img->njournal;
    b->stash_before = img->stash_size;
    b->changes_before = img->changes;
    img->journaling++;
}

fsi_hresult tree_batch_end(fsi_image *img, struct tree_batch *b, fsi_hresult hr, const char *what)
{
    if (FSI_SUCCEEDED(hr) && img->max_blocks) {
        uint64_t bound = 0;
        for (size_t i = b->mark; i < img->njournal; i++)
            bound += limits_item_bound(img, img->journal[i].item);
        hr = limits_after_add(img, bound, what);
    }
    img->journaling--;
    if (FSI_FAILED(hr)) {
        for (size_t i = img->njournal; i > b->mark; i--)
            undo_apply(img, &img->journal[i - 1]);
        journal_drop(img, b->mark, true);
        stash_truncate(img, b->stash_before);
        img->changes = b->changes_before;
    } else if (!img->journaling) {
        img->njournal = b->mark;
    }
    return hr;
}

int tree_reserve(fsi_image *img, uint64_t items)
{
    uint64_t cap = (uint64_t)img->nnodes + items;
    if (cap > 0x7FFFFFFFu)
        return 0;                     /* a hint only: the adds will fail */
    if (nodes_grow(img, (uint32_t)cap) || hash_room(img, items) ||
        (img->journaling && journal_room(img, items)) || source_room(img, items))
        return -1;
    return 0;
}

fsi_hresult tree_batch_add(fsi_image *img, fsi_item dir, const char *name, size_t len,
                           const struct tree_new *tn, struct source *src, fsi_item *out)
{
    /* Every field from tn (no clock read: a million items in a batch) */
    struct new_item it;
    memset(&it, 0, sizeof it);
    it.type = tn->type ? tn->type : tn->dir ? NODE_DIR : NODE_FILE;
    memcpy(it.times, tn->times, sizeof it.times);
    it.size = it.type == NODE_FILE ? tn->size : 0;
    it.mode = tn->mode;
    it.uid = tn->uid;
    it.gid = tn->gid;
    it.unindexed = tn->unindexed;
    fsi_hresult hr;
    struct source dev = {.kind = SRC_DEV, .u.dev.rdev = tn->rdev};
    if (it.type == NODE_SYMLINK) {
        if (!(it.src = link_source(img, tn->link_target, tn->link_len, name, &hr)))
            return hr;
        src = NULL;
    } else if (it.type == NODE_SPECIAL && (S_ISCHR(tn->mode) || S_ISBLK(tn->mode))) {
        src = &dev;
    }
    if (src) {
        it.src = source_add(img, src);
        if (!it.src) {
            source_discard(img, src);
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        }
    }
    fsi_item id = 0;
    hr = add_child(img, dir, name, len, &it, NULL, &id);
    if (FSI_FAILED(hr)) {
        if (it.src) {
            source_discard(img, &img->sources[it.src]);
            if (it.src == img->nsources - 1)
                img->nsources--;
        }
        return hr;
    }
    if (tn->hidden)
        img->nodes[id].flags |= NF_HIDDEN;
    if (out)
        *out = id;
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Teardown                                                          */
/* ---------------------------------------------------------------- */

void tree_free_all(fsi_image *img)
{
    for (fsi_item i = 1; i < img->nnodes; i++)
        if (img->nodes[i].type != NODE_DIR && img->nodes[i].type != NODE_FREE)
            source_release(img, i);
    free(img->nodes);
    free(img->link_group);
    free(img->inodes);
    free(img->hash);
    if (img->fresh)
        free(img->fresh->slot);
    free(img->fresh);
    for (size_t i = 0; i < img->names.nchunks; i++)
        free(img->names.chunks[i]);
    free(img->names.chunks);
    for (uint32_t i = 0; i < img->nbases; i++)
        free(img->bases[i].host_dir);
    free(img->bases);
    free(img->sources);
    free(img->journal);
}
