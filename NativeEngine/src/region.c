/*
 * region.c — regions (independent keyspaces in one pool): create, find, drop, list, stats,
 * scan, and flush_all. Item operations hold the region's lock shared; whole-region changes
 * (flush, snapshot create/delete/restore, import, drop) hold it exclusively, which gives a
 * clean cut between operations.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* The region locks this thread holds. A thread re-entering a region it holds (a scan callback
 * reading items) does not lock again: the locks prefer writers, so a second read lock could
 * wait behind a waiting snapshot create that waits for the first. */
typedef struct region_hold {
    const mnemo_pool *pool;
    uint32_t region;
    uint32_t depth;
    bool exclusive;
} region_hold;

#define HOLDS_MAX 8
static __thread region_hold holds[HOLDS_MAX];
static __thread uint32_t hold_count;

static region_hold *hold_of(const mnemo_pool *pool, uint32_t region)
{
    for (uint32_t i = 0; i < hold_count; i++)
        if (holds[i].pool == pool && holds[i].region == region)
            return &holds[i];
    return NULL;
}

bool region_held(const mnemo_pool *pool, uint32_t region) { return hold_of(pool, region) != NULL; }

static void flush_due(mnemo_pool *pool, uint32_t region);

static bool region_active(const mnemo_pool *pool, uint32_t region)
{
    return __atomic_load_n(&pool->regions[region].state, __ATOMIC_ACQUIRE) == REGION_ACTIVE;
}

static mnemo_status no_region(uint32_t region)
{
    return set_error(MNEMO_NOT_FOUND, "region %u does not exist", region);
}

void region_lock_init(pthread_rwlock_t *lock)
{
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* a steady stream of item operations must not starve snapshot creation */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(lock, &attr);
    pthread_rwlockattr_destroy(&attr);
}

mnemo_status region_enter(mnemo_pool *pool, uint32_t region, bool exclusive)
{
    if (region >= REGION_MAX || !region_active(pool, region))
        return no_region(region);
    region_hold *h = hold_of(pool, region);
    if (h) {
        if (exclusive || h->exclusive)
            return set_error(MNEMO_INVALID,
                             "region %u is already in use by this thread (snapshot, restore, "
                             "import, flush and drop are not allowed inside a scan callback)",
                             region);
        h->depth++;
        return MNEMO_OK;
    }
    if (hold_count == HOLDS_MAX)
        return set_error(MNEMO_LIMIT, "too many nested region operations on this thread");
    int64_t flush_at = __atomic_load_n(&pool->regions[region].flush_at, __ATOMIC_RELAXED);
    if (flush_at != 0 && pool_now(pool) >= flush_at)
        flush_due(pool, region);
    region_rt *rt = &pool->rt[region];
    if (exclusive)
        pthread_rwlock_wrlock(&rt->lock);
    else
        pthread_rwlock_rdlock(&rt->lock);
    if (!region_active(pool, region)) {
        pthread_rwlock_unlock(&rt->lock);
        return no_region(region);
    }
    holds[hold_count++] = (region_hold){pool, region, 1, exclusive};
    return MNEMO_OK;
}

void region_leave(mnemo_pool *pool, uint32_t region)
{
    region_hold *h = hold_of(pool, region);
    if (--h->depth > 0)
        return;
    *h = holds[--hold_count];
    pthread_rwlock_unlock(&pool->rt[region].lock);
}

/* Sets the flush mark to the epoch after the current one and moves the region there: every
 * version created so far is below the mark, every later one at or above it. The mark is stored
 * first; recovery raises an epoch a crash left below it. The caller holds the region exclusively
 * (briefly: this is O(1)), so an item operation sees a version flushed or not for its whole
 * duration and its counting agrees with the flush's: the item counts leave flushed versions out
 * and drop to zero here. */
static void flush_mark(mnemo_pool *pool, uint32_t region)
{
    region_entry *re = &pool->regions[region];
    region_rt *rt = &pool->rt[region];
    uint64_t mark = re->epoch + 1;
    pool_persist_u64(pool, &re->flushed_below, mark);
    pool_persist_u64(pool, &re->epoch, mark);
    __atomic_store_n(&rt->items, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&rt->item_bytes, 0, __ATOMIC_RELAXED);
}

static void clear_flush_at(mnemo_pool *pool, uint32_t region)
{
    region_entry *re = &pool->regions[region];
    __atomic_store_n(&re->flush_at, 0, __ATOMIC_RELAXED);
    pool_persist(pool, &re->flush_at, sizeof re->flush_at);
}

/* A due delayed flush becomes a mark. Recording a delayed flush moves the epoch past the mark
 * (see mnemo_flush), so a mark equal to the epoch means the flush already took effect (a crash
 * came before the time was cleared, or an immediate flush replaced it) and only the time is left
 * to clear. */
static void flush_due_locked(mnemo_pool *pool, uint32_t region)
{
    const region_entry *re = &pool->regions[region];
    int64_t flush_at = __atomic_load_n(&re->flush_at, __ATOMIC_RELAXED);
    if (flush_at == 0 || pool_now(pool) < flush_at)
        return;
    if (re->flushed_below < re->epoch)
        flush_mark(pool, region);
    clear_flush_at(pool, region);
}

/* The first operation on the region after a delayed flush's time makes it a mark: O(1), nothing
 * is scanned, under a brief exclusive hold like a snapshot create. */
static void flush_due(mnemo_pool *pool, uint32_t region)
{
    region_rt *rt = &pool->rt[region];
    pthread_rwlock_wrlock(&rt->lock);
    if (region_active(pool, region))
        flush_due_locked(pool, region);
    pthread_rwlock_unlock(&rt->lock);
}

void region_flush_recover(mnemo_pool *pool, uint32_t region)
{
    region_entry *re = &pool->regions[region];
    if (re->flushed_below > re->epoch)
        pool_persist_u64(pool, &re->epoch, re->flushed_below);
    flush_due_locked(pool, region);
}

/* O(1): records a flush mark, or with a delay the time it is due. Flushed versions are reclaimed
 * when next met: by a lookup of their key, by eviction (before any other item), or at the next
 * open. */
mnemo_status mnemo_flush(mnemo_pool *pool, uint32_t region, int64_t delay)
{
    clear_error();
    if (!pool)
        return set_error(MNEMO_INVALID, "pool is NULL");
    mnemo_status st = region_enter(pool, region, true);
    if (st != MNEMO_OK)
        return st;
    region_entry *re = &pool->regions[region];
    if (delay > 0) {
        /* the epoch first: until the flush is due, the mark stays below the epoch */
        pool_persist_u64(pool, &re->epoch, re->epoch + 1);
        __atomic_store_n(&re->flush_at, (int64_t)pool_now(pool) + delay, __ATOMIC_RELAXED);
        pool_persist(pool, &re->flush_at, sizeof re->flush_at);
    } else {
        flush_mark(pool, region);
        clear_flush_at(pool, region);
    }
    region_leave(pool, region);
    return MNEMO_OK;
}

/* Statistics readers do not take the region lock, hence atomic stores. */
static void reset_counters(region_rt *rt)
{
    uint64_t *counters[] = {&rt->items, &rt->item_bytes, &rt->bytes_used, &rt->retained_bytes,
                            &rt->hits, &rt->misses, &rt->evictions, &rt->cmd_set, &rt->cmd_get};
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        __atomic_store_n(counters[i], 0, __ATOMIC_RELAXED);
}

mnemo_status mnemo_region_create(mnemo_pool *pool, const char *name, uint32_t *id_out)
{
    clear_error();
    if (!pool || !name)
        return set_error(MNEMO_INVALID, "pool and name are required");
    size_t len = strlen(name);
    if (len == 0 || len > MNEMO_REGION_NAME_MAX)
        return set_error(MNEMO_INVALID, "region name must be 1..%d bytes, got %zu",
                         MNEMO_REGION_NAME_MAX, len);
    mnemo_status st = MNEMO_OK;
    pthread_mutex_lock(&pool->admin_lock);
    uint32_t slot = REGION_MAX;
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        region_entry *re = &pool->regions[r];
        if (re->state == REGION_ACTIVE && strcmp(re->name, name) == 0) {
            st = set_error(MNEMO_EXISTS, "region '%s' already exists (id %u)", name, r);
            goto out;
        }
        if (re->state == REGION_FREE && slot == REGION_MAX)
            slot = r;
    }
    if (slot == REGION_MAX) {
        st = set_error(MNEMO_LIMIT, "the pool already has the maximum of %u regions", REGION_MAX);
        goto out;
    }
    region_entry *re = &pool->regions[slot];
    region_rt *rt = &pool->rt[slot];
    pthread_rwlock_wrlock(&rt->lock);
    memset((uint8_t *)re + sizeof re->state, 0, sizeof *re - sizeof re->state);
    memcpy(re->name, name, len);
    re->epoch = 1;
    pool_persist(pool, re, sizeof *re);
    reset_counters(rt);
    __atomic_store_n(&re->state, REGION_ACTIVE, __ATOMIC_RELEASE);
    pool_persist(pool, &re->state, sizeof re->state);
    pthread_rwlock_unlock(&rt->lock);
    if (id_out)
        *id_out = slot;
out:
    pthread_mutex_unlock(&pool->admin_lock);
    return st;
}

mnemo_status mnemo_region_find(mnemo_pool *pool, const char *name, uint32_t *id_out)
{
    clear_error();
    if (!pool || !name)
        return set_error(MNEMO_INVALID, "pool and name are required");
    pthread_mutex_lock(&pool->admin_lock);
    mnemo_status st = MNEMO_NOT_FOUND;
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        if (region_active(pool, r) && strcmp(pool->regions[r].name, name) == 0) {
            if (id_out)
                *id_out = r;
            st = MNEMO_OK;
            break;
        }
    }
    pthread_mutex_unlock(&pool->admin_lock);
    return st;
}

static bool any_chunk(const mnemo_pool *pool, const item *it, void *ctx)
{
    (void)pool;
    (void)it;
    (void)ctx;
    return true;
}

/* Marked DROPPING first so that recovery finishes a drop a crash interrupted. */
mnemo_status mnemo_region_drop(mnemo_pool *pool, uint32_t region)
{
    clear_error();
    if (!pool)
        return set_error(MNEMO_INVALID, "pool is NULL");
    pthread_mutex_lock(&pool->admin_lock);
    mnemo_status st = region_enter(pool, region, true);
    if (st != MNEMO_OK) {
        pthread_mutex_unlock(&pool->admin_lock);
        return st;
    }
    region_entry *re = &pool->regions[region];
    __atomic_store_n(&re->state, REGION_DROPPING, __ATOMIC_RELEASE);
    pool_persist(pool, &re->state, sizeof re->state);
    ref_vec all = {0};
    st = scan_collect(pool, region, any_chunk, NULL, &all);
    for (size_t i = 0; i < all.len; i++) {
        uint32_t ref = all.refs[i];
        item *it = item_at(pool, ref);
        if (item_deleted(it) == EPOCH_LIVE) {
            uint64_t hash = hash_key(region, item_key(it), it->key_len);
            index_shard *sh = &pool->shards[index_shard_of(hash)];
            pthread_mutex_lock(&sh->lock);
            index_remove(pool, sh, hash, ref);
            pthread_mutex_unlock(&sh->lock);
        }
        pool_persist_u64(pool, &it->created, 0);
        slabs_free(pool, ref);
    }
    ref_vec_free(&all);
    memset(re->snapshots, 0, sizeof re->snapshots);
    pool_persist(pool, re->snapshots, sizeof re->snapshots);
    region_rt *rt = &pool->rt[region];
    reset_counters(rt);
    __atomic_store_n(&re->state, REGION_FREE, __ATOMIC_RELEASE);
    pool_persist(pool, &re->state, sizeof re->state);
    region_leave(pool, region);
    pthread_mutex_unlock(&pool->admin_lock);
    return st;
}

static uint64_t load(const uint64_t *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

static void fill_region_stats(mnemo_pool *pool, uint32_t region, mnemo_region_stats *out)
{
    const region_entry *re = &pool->regions[region];
    const region_rt *rt = &pool->rt[region];
    memset(out, 0, sizeof *out);
    out->id = region;
    memcpy(out->name, re->name, sizeof out->name);
    out->name[MNEMO_REGION_NAME_MAX] = '\0';
    out->items = load(&rt->items);
    out->item_bytes = load(&rt->item_bytes);
    out->bytes_used = load(&rt->bytes_used);
    out->hits = load(&rt->hits);
    out->misses = load(&rt->misses);
    out->evictions = load(&rt->evictions);
    out->snapshot_retained_bytes = load(&rt->retained_bytes);
    out->cmd_set = load(&rt->cmd_set);
    out->cmd_get = load(&rt->cmd_get);
    out->epoch = re->epoch;
    for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
        out->snapshots += re->snapshots[i].id != 0;
}

mnemo_status mnemo_region_stats_get(mnemo_pool *pool, uint32_t region, mnemo_region_stats *out)
{
    clear_error();
    if (!pool || !out)
        return set_error(MNEMO_INVALID, "pool and out are required");
    mnemo_status st = region_enter(pool, region, false);
    if (st != MNEMO_OK)
        return st;
    fill_region_stats(pool, region, out);
    region_leave(pool, region);
    return MNEMO_OK;
}

mnemo_status mnemo_region_list(mnemo_pool *pool, mnemo_region_stats *out, uint32_t cap,
                               uint32_t *count)
{
    clear_error();
    if (!pool || !count || (cap && !out))
        return set_error(MNEMO_INVALID, "pool, count and (when cap > 0) out are required");
    uint32_t n = 0;
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        if (region_enter(pool, r, false) != MNEMO_OK)
            continue;
        if (n < cap)
            fill_region_stats(pool, r, &out[n]);
        n++;
        region_leave(pool, r);
    }
    clear_error();
    *count = n;
    return MNEMO_OK;
}

/* The snapshot scanned, or NULL for the live view. */
typedef struct scan_filter { const snapshot_entry *snapshot; } scan_filter;

static bool visible(const mnemo_pool *pool, const item *it, void *ctx)
{
    const snapshot_entry *s = ((const scan_filter *)ctx)->snapshot;
    if (!s)
        return item_deleted(it) == EPOCH_LIVE && !item_flushed(pool, it);
    return snapshot_sees(s, item_created(it), item_deleted(it));
}


/* Visits a copy of each item so the callback runs without engine locks other than the
 * region's shared lock: it may read and write items, but must not change snapshots or drop
 * the region. A live-view scan is not a point-in-time cut; scan a snapshot for that. */
static mnemo_status scan_region(mnemo_pool *pool, uint32_t region, uint64_t snapshot,
                                bool tombstones, mnemo_scan_fn fn, void *ctx)
{
    clear_error();
    if (!pool || !fn)
        return set_error(MNEMO_INVALID, "pool and fn are required");
    mnemo_status st = region_enter(pool, region, false);
    if (st != MNEMO_OK)
        return st;
    scan_filter filter = {snapshot_find(&pool->regions[region], snapshot)};
    if (snapshot != 0 && !filter.snapshot) {
        region_leave(pool, region);
        return set_error(MNEMO_NOT_FOUND, "region %u has no snapshot %llu", region,
                         (unsigned long long)snapshot);
    }
    ref_vec refs = {0};
    uint8_t *buf = malloc(pool->item_size_max);
    if (!buf)
        st = set_error(MNEMO_NO_MEMORY, "out of memory for a %u-byte scan buffer",
                       pool->item_size_max);
    else
        st = scan_collect(pool, region, visible, &filter, &refs);
    for (size_t i = 0; st == MNEMO_OK && i < refs.len; i++) {
        uint32_t ref = refs.refs[i];
        slab_class *cls = &pool->classes[page_class(pool, ref_page(pool, ref))];
        mnemo_item_info info;
        uint32_t key_len = 0, value_len = 0;
        bool keep = false;
        /* Under the class lock the chunk cannot be reused, so the check and the copy agree. */
        pthread_mutex_lock(&cls->lock);
        item *it = item_at(pool, ref);
        if (item_created(it) != 0 && it->region == region && visible(pool, it, &filter) &&
            (tombstones || !item_is_tombstone(it)) &&
            !exptime_passed(pool, __atomic_load_n(&it->exptime, __ATOMIC_RELAXED))) {
            key_len = it->key_len;
            value_len = it->value_len;
            memcpy(buf, item_key(it), (size_t)key_len + value_len);
            item_fill_info(it, &info);
            if (item_is_tombstone(it))
                info.state |= MNEMO_ITEM_TOMBSTONE;
            keep = true;
        }
        pthread_mutex_unlock(&cls->lock);
        if (keep && fn(ctx, buf, key_len, buf + key_len, value_len, &info) != 0)
            break;
    }
    ref_vec_free(&refs);
    free(buf);
    region_leave(pool, region);
    return st;
}

mnemo_status mnemo_region_scan(mnemo_pool *pool, uint32_t region, uint64_t snapshot,
                               mnemo_scan_fn fn, void *ctx)
{
    return scan_region(pool, region, snapshot, false, fn, ctx);
}

mnemo_status mnemo_region_scan_versions(mnemo_pool *pool, uint32_t region, mnemo_scan_fn fn,
                                        void *ctx)
{
    return scan_region(pool, region, 0, true, fn, ctx);
}
