/*
 * engine.h — the engine's internal view of an open pool, shared by the src/ files.
 *
 * Lock order: region rwlock -> index shard mutex -> slab class mutex. Anything that needs a
 * lock against that order (eviction reaching into another key's shard or region) only
 * try-locks and skips the candidate when busy.
 */
#ifndef MNEMO_ENGINE_INTERNAL_H
#define MNEMO_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "mnemo_engine.h"

#define INDEX_SHARDS 64u
#define REF_NONE UINT32_MAX

struct pmem2_map;

/* ---- error.c ---- */
mnemo_status set_error(mnemo_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void clear_error(void);

/* ---- checksum.c / hash.c ---- */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);
uint64_t hash_key(uint32_t region, const uint8_t *key, uint32_t key_len);

/* ---- clock.c ---- */
int64_t clock_unix_ns(void);
uint32_t pool_now(const mnemo_pool *pool);                    /* unix seconds incl. test offset */
uint32_t exptime_absolute(const mnemo_pool *pool, int64_t exptime);
bool exptime_passed(const mnemo_pool *pool, uint32_t exptime);

/* ---- volatile state ---- */
typedef struct slab_class {
    pthread_mutex_t lock;
    uint32_t id;
    uint32_t chunk_size;
    uint32_t per_page;
    uint32_t free_head;         /* intrusive list through item.cas */
    uint32_t carve_page;        /* page being carved, REF_NONE when none */
    uint32_t carve_next;        /* next never-used slot of carve_page */
    uint32_t *page_list;        /* the class's pages in assignment order (the clock's circle) */
    uint32_t page_list_cap;
    uint32_t hand_page;         /* eviction's clock hand: index into page_list ... */
    uint32_t hand_slot;         /* ... and slot within that page */
    uint64_t pages;
    uint64_t chunks_used;
    uint64_t evictions;
} slab_class;

typedef struct index_slot { uint32_t ref; uint32_t tag; } index_slot;

typedef struct index_shard {
    pthread_mutex_t lock;
    index_slot *slots;
    uint32_t capacity;
    uint32_t count;
} index_shard;

typedef struct region_rt {
    pthread_rwlock_t lock;
    /* counters: atomics */
    uint64_t items, item_bytes, bytes_used, retained_bytes;
    uint64_t hits, misses, evictions, cmd_set, cmd_get;
} region_rt;

#define POOL_MAP_MAX 64u            /* mappings of one open pool: the first, then one per grow */

struct mnemo_pool {
    struct pmem2_map *maps[POOL_MAP_MAX];
    uint32_t map_count;
    struct pmem2_vm_reservation *reservation; /* address space the pool may grow into; NULL on devdax */
    uint64_t mapped;            /* bytes of the file mapped from base */
    int fd;
    char *path;                 /* for error messages */
    uint8_t *base;
    bool barrier_persist;       /* emulation: compiler barrier instead of libpmem2's msync */
    void (*persist_fn)(const void *, size_t);
    void (*drain_fn)(void);

    pool_header *hdr;
    pool_mutable *mut;
    uint8_t *page_table;        /* persistent: class id per page, 0 = unassigned */
    region_entry *regions;      /* persistent */
    uint8_t *data;
    uint64_t page_size, page_count;
    uint32_t slot_bits;
    uint32_t item_size_max;
    uint32_t flags;
    uint32_t device_mode;

    slab_class classes[SLAB_CLASS_MAX + 1]; /* 1-based */
    uint32_t class_count;
    pthread_mutex_t page_lock;
    uint32_t *free_pages;       /* stack of unassigned pages */
    uint32_t free_page_count;

    index_shard shards[INDEX_SHARDS];
    region_rt rt[REGION_MAX];
    pthread_mutex_t admin_lock; /* region create/drop */

    uint64_t next_cas;          /* atomic */
    pthread_mutex_t cas_lock;
    int64_t clock_offset;       /* atomic */
    uint64_t recovery_ns;
};

/* ---- pool.c: persistence primitives ---- */
void pool_persist(mnemo_pool *pool, const void *addr, size_t len);
void pool_persist_u64(mnemo_pool *pool, uint64_t *addr, uint64_t value);
uint64_t cas_next(mnemo_pool *pool);
/* Keeps the counter (and its persisted limit) above a CAS the caller chose. */
void cas_observe(mnemo_pool *pool, uint64_t cas);

/* ---- items.c ---- */
static inline uint32_t ref_make(const mnemo_pool *p, uint32_t page, uint32_t slot)
{
    return (page << p->slot_bits) | slot;
}
static inline uint32_t ref_page(const mnemo_pool *p, uint32_t ref) { return ref >> p->slot_bits; }
static inline uint32_t ref_slot(const mnemo_pool *p, uint32_t ref)
{
    return ref & ((1u << p->slot_bits) - 1u);
}
static inline uint32_t page_class(const mnemo_pool *p, uint32_t page)
{
    return __atomic_load_n(&p->page_table[page], __ATOMIC_ACQUIRE);
}
item *item_at(const mnemo_pool *pool, uint32_t ref);
static inline uint8_t *item_key(item *it) { return (uint8_t *)(it + 1); }
static inline uint8_t *item_value(item *it) { return (uint8_t *)(it + 1) + it->key_len; }
static inline uint32_t item_total(uint32_t key_len, uint32_t value_len)
{
    return (uint32_t)sizeof(item) + key_len + value_len;
}
static inline uint64_t item_created(const item *it)
{
    return __atomic_load_n(&it->created, __ATOMIC_ACQUIRE);
}
static inline uint64_t item_deleted(const item *it)
{
    return __atomic_load_n(&it->deleted, __ATOMIC_ACQUIRE);
}
/* Flush marks: a flush records the epoch F after the current one (and moves the region to F), so
 * the live versions created before F are flushed: invalid to every operation, left out of the
 * item counts, and reclaimed when next met. A snapshot keeps the mark of its time and sees a
 * version when it froze an epoch in [created, deleted) and the version is not below that mark.
 * The mark changes only under the region's exclusive lock (eviction reads it without). */
static inline uint64_t region_flushed_below(const mnemo_pool *pool, uint32_t region)
{
    return __atomic_load_n(&pool->regions[region].flushed_below, __ATOMIC_ACQUIRE);
}
static inline bool item_flushed(const mnemo_pool *pool, const item *it)
{
    return item_created(it) < region_flushed_below(pool, it->region);
}
static inline bool snapshot_sees(const snapshot_entry *e, uint64_t created, uint64_t deleted)
{
    return e->id != 0 && created <= e->id && e->id < deleted && created >= e->flushed_below;
}
/* Records an access (ITEM_ACTIVE, plus ITEM_FETCHED for reads) for eviction's clock. The
 * bits are hints outside the checksum; storing only when a bit is missing keeps repeated reads
 * of a hot item from dirtying its cache line. */
static inline void item_mark_accessed(item *it, uint8_t bits)
{
    uint8_t old = __atomic_load_n(&it->access_bits, __ATOMIC_RELAXED);
    if ((old & bits) != bits)
        __atomic_fetch_or(&it->access_bits, bits, __ATOMIC_RELAXED);
}
uint32_t item_checksum(const item *it);
/* The item's MNEMO_ITEM_STALE / MNEMO_ITEM_TOKEN_SENT bits. */
static inline uint32_t item_state(const item *it)
{
    uint32_t state = (it->state & ITEM_STATE_STALE) ? MNEMO_ITEM_STALE : 0;
    if (__atomic_load_n(&it->access_bits, __ATOMIC_RELAXED) & ITEM_TOKEN_SENT)
        state |= MNEMO_ITEM_TOKEN_SENT;
    return state;
}
/* A tombstone is invisible to every operation but ordered writes, scans and exports. */
static inline bool item_is_tombstone(const item *it)
{
    return (it->state & ITEM_STATE_TOMBSTONE) != 0;
}
/* item_fill's state bit for a tombstone (beside the public MNEMO_ITEM_* bits). */
#define STATE_TOMBSTONE 0x100u
/* Fills an unpublished chunk; value may come in two parts (append/prepend). state holds the
 * MNEMO_ITEM_STALE / MNEMO_ITEM_TOKEN_SENT bits the version starts with, or STATE_TOMBSTONE. */
void item_fill(mnemo_pool *pool, item *it, uint32_t region, const uint8_t *key, uint32_t key_len,
               const uint8_t *v1, uint32_t v1_len, const uint8_t *v2, uint32_t v2_len,
               uint32_t flags, uint32_t exptime, uint64_t cas, uint32_t state);
void item_publish(mnemo_pool *pool, item *it, uint64_t epoch);
bool item_valid(const mnemo_pool *pool, const item *it, uint32_t chunk_size);
bool item_key_equals(item *it, uint32_t region, const uint8_t *key, uint32_t key_len);
void item_fill_info(const item *it, mnemo_item_info *info);

/* ---- slabs.c ---- */
mnemo_status slabs_init(mnemo_pool *pool);
/* A grown pool's pages from page_count up to `pages` join the free pages (after the others). */
mnemo_status slabs_add_pages(mnemo_pool *pool, uint64_t pages);
void slabs_destroy(mnemo_pool *pool);
uint32_t slabs_class_for(const mnemo_pool *pool, uint32_t total);
uint32_t slabs_chunk_size_of(const mnemo_pool *pool, uint32_t ref);
/* Allocates a chunk for an item of `total` bytes; may evict. shard_held is the index shard the
 * caller holds (INDEX_SHARDS for none); pinned (or REF_NONE) is a version the caller still
 * reads, never chosen as victim. */
mnemo_status slabs_alloc(mnemo_pool *pool, uint32_t total, uint32_t shard_held, uint32_t pinned,
                         uint32_t *ref_out);
/* Returns a chunk whose created word is already 0. */
void slabs_free(mnemo_pool *pool, uint32_t ref);
void slabs_free_locked(mnemo_pool *pool, slab_class *cls, uint32_t ref);

/* ---- evict.c ---- */
/* With the class lock held: evicts a live version of cls not accessed since the clock hand
 * last passed it (an approximation of least recently used) and returns its chunk (no longer
 * counted as used), or REF_NONE. */
uint32_t lru_evict_locked(mnemo_pool *pool, slab_class *cls, uint32_t shard_held, uint32_t pinned);
/* The same without evicting (MNEMO_OPEN_NO_EVICT): reclaims an expired or flushed item among the
 * next few chunks of the hand, or returns REF_NONE. */
uint32_t lru_reclaim_locked(mnemo_pool *pool, slab_class *cls, uint32_t shard_held, uint32_t pinned);

/* ---- index.c ---- */
mnemo_status index_init(mnemo_pool *pool);
void index_destroy(mnemo_pool *pool);
static inline uint32_t index_shard_of(uint64_t hash) { return (uint32_t)(hash >> 58); }
/* The caller holds the shard's lock. */
uint32_t index_find(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t region,
                    const uint8_t *key, uint32_t key_len);
mnemo_status index_put(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t ref);
bool index_replace(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t old_ref,
                   uint32_t new_ref);
bool index_remove(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t ref);
uint64_t index_bytes(mnemo_pool *pool);
/* A hint before a lookup of `hash` a little later (recovery streams through many keys). */
void index_prefetch(mnemo_pool *pool, uint64_t hash);

/* ---- versions.c: live/retained bookkeeping ---- */
bool version_needed(const region_entry *re, uint64_t created, uint64_t deleted);
/* The region's snapshot `id`, or NULL. */
snapshot_entry *snapshot_find(region_entry *re, uint64_t id);
/* Ends a live version at `epoch`: retained when a snapshot needs it, freed otherwise. The
 * caller has removed it from the index. */
void version_retire(mnemo_pool *pool, uint32_t region, uint32_t ref, uint64_t epoch);
void version_account_live(mnemo_pool *pool, uint32_t region, const item *it, uint32_t chunk_size,
                          int sign);
/* Frees a retained (already deleted) version. */
void version_release_locked(mnemo_pool *pool, slab_class *cls, uint32_t region, uint32_t ref);

/* ---- store.c ---- */
/* Unlinks the live version `ref` of a key (caller holds region + shard) and retires it. */
void store_unlink(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t region, uint32_t ref,
                  uint64_t epoch);

/* ---- scan.c ---- */
typedef bool (*chunk_pred)(const mnemo_pool *pool, const item *it, void *ctx);
typedef struct ref_vec { uint32_t *refs; size_t len, cap; } ref_vec;
mnemo_status ref_vec_push(ref_vec *v, uint32_t ref);
void ref_vec_free(ref_vec *v);
/* Collects published chunks of `region` matching pred. The caller holds the region's write
 * lock or read lock (chunks of the region are then stable). */
mnemo_status scan_collect(mnemo_pool *pool, uint32_t region, chunk_pred pred, void *ctx,
                          ref_vec *out);
/* Calls fn with the matching chunks of one page at a time, collected as scan_collect does, with
 * no lock held: the chunks are still in cache, and the caller's region lock keeps them. */
typedef void (*page_fn)(mnemo_pool *pool, const ref_vec *refs, void *ctx);
mnemo_status scan_pages(mnemo_pool *pool, uint32_t region, chunk_pred pred, void *ctx,
                        page_fn fn, void *fn_ctx);

/* ---- region.c ---- */
mnemo_status region_enter(mnemo_pool *pool, uint32_t region, bool exclusive);
void region_leave(mnemo_pool *pool, uint32_t region);
bool region_held(const mnemo_pool *pool, uint32_t region);   /* by the calling thread */
void region_lock_init(pthread_rwlock_t *lock);
/* Recovery: finishes a flush a crash interrupted and makes a due delayed flush a mark. */
void region_flush_recover(mnemo_pool *pool, uint32_t region);

/* ---- snapshot.c ---- */
/* Second half of restore/import once the intent is COMMIT (also run by recovery). */
void switch_finish(mnemo_pool *pool, uint32_t region, const ref_vec *staged);
void staged_discard(mnemo_pool *pool, uint32_t region, ref_vec *staged);
mnemo_status stage_item(mnemo_pool *pool, uint32_t region, uint64_t epoch, const uint8_t *key,
                        uint32_t key_len, const uint8_t *value, uint32_t value_len,
                        uint32_t flags, uint32_t exptime, uint64_t cas, uint32_t state,
                        ref_vec *staged);
mnemo_status switch_begin_import(mnemo_pool *pool, uint32_t region, uint64_t *epoch_out);
void switch_commit(mnemo_pool *pool, uint32_t region, const ref_vec *staged);

/* ---- recovery.c ---- */
mnemo_status recovery_run(mnemo_pool *pool);

#endif
