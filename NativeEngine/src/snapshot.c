/*
 * snapshot.c — snapshots as epochs.
 *
 * Create records S = current epoch E in the region's persistent table and bumps E: O(1).
 * Delete clears the entry and then frees, in the same call, the versions no other snapshot
 * needs (one pass over the pool's slab pages).
 *
 * Restore and import "switch" the live view: new versions are staged at a fresh epoch E' under
 * a persistent intent (STAGING), the intent flips to COMMIT with one store, then every live
 * version the new view does not keep is ended at E' and the staged versions enter the index.
 * Recovery discards a STAGING switch and finishes a COMMIT one, so a crash leaves either the
 * old view or the new one. Existing versions are only ever ended at E' (newer than every
 * snapshot), so no other snapshot changes.
 */
#include <string.h>

#include "engine.h"

/* Records snapshot `id` (the caller holds the region exclusively). */
static mnemo_status snapshot_record(mnemo_pool *pool, uint32_t region, uint64_t id)
{
    region_entry *re = &pool->regions[region];
    snapshot_entry *slot = snapshot_find(re, id);
    for (uint32_t i = 0; !slot && i < SNAPSHOT_MAX; i++)
        if (re->snapshots[i].id == 0)
            slot = &re->snapshots[i];
    if (!slot)
        return set_error(MNEMO_LIMIT, "region %u already has the maximum of %u snapshots", region,
                         SNAPSHOT_MAX);
    slot->created_unix_ns = clock_unix_ns();
    slot->items = __atomic_load_n(&pool->rt[region].items, __ATOMIC_RELAXED);
    slot->bytes = __atomic_load_n(&pool->rt[region].item_bytes, __ATOMIC_RELAXED);
    slot->flushed_below = region_flushed_below(pool, region);
    pool_persist(pool, slot, sizeof *slot);
    pool_persist_u64(pool, &slot->id, id);
    return MNEMO_OK;
}

static mnemo_status enter_pool(mnemo_pool *pool, uint32_t region, bool exclusive)
{
    clear_error();
    if (!pool)
        return set_error(MNEMO_INVALID, "pool is NULL");
    return region_enter(pool, region, exclusive);
}

static mnemo_status no_snapshot(uint32_t region, uint64_t id)
{
    return set_error(MNEMO_NOT_FOUND, "region %u has no snapshot %llu", region,
                     (unsigned long long)id);
}

mnemo_status mnemo_snapshot_create(mnemo_pool *pool, uint32_t region, uint64_t *id_out)
{
    mnemo_status st = enter_pool(pool, region, true);
    if (st != MNEMO_OK)
        return st;
    region_entry *re = &pool->regions[region];
    uint64_t id = re->epoch;
    /* Table entry first: recovery moves the epoch past any recorded snapshot. */
    if ((st = snapshot_record(pool, region, id)) == MNEMO_OK) {
        pool_persist_u64(pool, &re->epoch, id + 1);
        if (id_out)
            *id_out = id;
    }
    region_leave(pool, region);
    return st;
}

mnemo_status mnemo_snapshot_list(mnemo_pool *pool, uint32_t region, mnemo_snapshot_info *out,
                                 uint32_t cap, uint32_t *count)
{
    if (!count || (cap && !out))
        return set_error(MNEMO_INVALID, "count and (when cap > 0) out are required");
    mnemo_status st = enter_pool(pool, region, false);
    if (st != MNEMO_OK)
        return st;
    const region_entry *re = &pool->regions[region];
    uint32_t n = 0;
    uint64_t last = 0;
    /* ascending by id; the table is small */
    for (;;) {
        const snapshot_entry *next = NULL;
        for (uint32_t i = 0; i < SNAPSHOT_MAX; i++) {
            const snapshot_entry *e = &re->snapshots[i];
            if (e->id > last && (!next || e->id < next->id))
                next = e;
        }
        if (!next)
            break;
        if (n < cap) {
            out[n].id = next->id;
            out[n].created_unix_ns = next->created_unix_ns;
            out[n].items = next->items;
            out[n].bytes = next->bytes;
        }
        n++;
        last = next->id;
    }
    *count = n;
    region_leave(pool, region);
    return MNEMO_OK;
}

static bool retained(const mnemo_pool *pool, const item *it, void *ctx)
{
    (void)pool;
    (void)ctx;
    return item_deleted(it) != EPOCH_LIVE;
}

mnemo_status mnemo_snapshot_delete(mnemo_pool *pool, uint32_t region, uint64_t id)
{
    mnemo_status st = enter_pool(pool, region, true);
    if (st != MNEMO_OK)
        return st;
    region_entry *re = &pool->regions[region];
    snapshot_entry *e = snapshot_find(re, id);
    if (!e) {
        region_leave(pool, region);
        return no_snapshot(region, id);
    }
    pool_persist_u64(pool, &e->id, 0);
    /* Recovery also frees unneeded versions, so a crash in this loop loses nothing. */
    ref_vec old = {0};
    st = scan_collect(pool, region, retained, NULL, &old);
    for (size_t i = 0; st == MNEMO_OK && i < old.len; i++) {
        item *it = item_at(pool, old.refs[i]);
        if (!version_needed(re, item_created(it), item_deleted(it))) {
            slab_class *cls = &pool->classes[page_class(pool, ref_page(pool, old.refs[i]))];
            pthread_mutex_lock(&cls->lock);
            version_release_locked(pool, cls, region, old.refs[i]);
            pthread_mutex_unlock(&cls->lock);
        }
    }
    ref_vec_free(&old);
    region_leave(pool, region);
    return st;
}

static void intent_set(mnemo_pool *pool, uint32_t region, uint32_t op, uint32_t state,
                       uint64_t snapshot, uint64_t epoch)
{
    region_intent *in = &pool->regions[region].intent;
    in->snapshot = snapshot;
    in->epoch = epoch;
    in->state = state;
    in->op = op;
    pool_persist(pool, in, sizeof *in);
}

void staged_discard(mnemo_pool *pool, uint32_t region, ref_vec *staged)
{
    for (size_t i = 0; i < staged->len; i++) {
        pool_persist_u64(pool, &item_at(pool, staged->refs[i])->created, 0);
        slabs_free(pool, staged->refs[i]);
    }
    intent_set(pool, region, INTENT_NONE, 0, 0, 0);
}

typedef struct switch_filter { uint32_t op; uint64_t snapshot, epoch; } switch_filter;

/* Live versions the new view drops: all older ones for import; for restore, those created
 * after the snapshot (the ones created at or before it are exactly its live versions). */
static bool dropped_by_switch(const mnemo_pool *pool, const item *it, void *ctx)
{
    const switch_filter *f = ctx;
    (void)pool;
    uint64_t c = item_created(it);
    return item_deleted(it) == EPOCH_LIVE && c < f->epoch &&
           (f->op == INTENT_IMPORT || c > f->snapshot);
}

static void make_live(mnemo_pool *pool, uint32_t region, uint32_t ref, uint64_t epoch)
{
    item *it = item_at(pool, ref);
    uint64_t hash = hash_key(region, item_key(it), it->key_len);
    index_shard *sh = &pool->shards[index_shard_of(hash)];
    pthread_mutex_lock(&sh->lock);
    uint32_t old = index_find(pool, sh, hash, region, item_key(it), it->key_len);
    if (old != REF_NONE) {
        /* the same key twice in an import file: the later record (higher CAS) wins */
        index_replace(pool, sh, hash, old, ref);
        version_retire(pool, region, old, epoch);
    } else if (index_put(pool, sh, hash, ref) != MNEMO_OK) {
        /* DRAM exhausted: the item is dropped from the view, like an eviction */
        pool_persist_u64(pool, &it->created, 0);
        slabs_free(pool, ref);
        pthread_mutex_unlock(&sh->lock);
        return;
    }
    version_account_live(pool, region, it, slabs_chunk_size_of(pool, ref), 1);
    pthread_mutex_unlock(&sh->lock);
}

typedef struct mark_change { uint64_t low, high; } mark_change;

/* Live versions whose flushed state a change of the flush mark between low and high flips. */
static bool flipped_by_mark(const mnemo_pool *pool, const item *it, void *ctx)
{
    const mark_change *m = ctx;
    (void)pool;
    uint64_t c = item_created(it);
    return item_deleted(it) == EPOCH_LIVE && c >= m->low && c < m->high;
}

/* A restored view takes the snapshot's flush mark: the live versions the snapshot saw are its
 * items again, flushed since or not (and those it did not see are flushed). The item counts
 * leave flushed versions out, so the versions that change side are counted again: O(pool), like
 * the rest of a restore. */
static void mark_restore(mnemo_pool *pool, uint32_t region, uint64_t mark)
{
    region_entry *re = &pool->regions[region];
    uint64_t now = re->flushed_below;
    mark_change m = {mark < now ? mark : now, mark < now ? now : mark};
    ref_vec flipped = {0};
    if (m.low != m.high)
        scan_collect(pool, region, flipped_by_mark, &m, &flipped);
    for (size_t i = 0; i < flipped.len; i++)
        version_account_live(pool, region, item_at(pool, flipped.refs[i]),
                             slabs_chunk_size_of(pool, flipped.refs[i]), -1);
    pool_persist_u64(pool, &re->flushed_below, mark);
    for (size_t i = 0; i < flipped.len; i++)
        version_account_live(pool, region, item_at(pool, flipped.refs[i]),
                             slabs_chunk_size_of(pool, flipped.refs[i]), 1);
    ref_vec_free(&flipped);
}

void switch_finish(mnemo_pool *pool, uint32_t region, const ref_vec *staged)
{
    region_entry *re = &pool->regions[region];
    switch_filter f = {re->intent.op, re->intent.snapshot, re->intent.epoch};
    ref_vec drop = {0};
    scan_collect(pool, region, dropped_by_switch, &f, &drop);
    for (size_t i = 0; i < drop.len; i++) {
        item *it = item_at(pool, drop.refs[i]);
        uint64_t hash = hash_key(region, item_key(it), it->key_len);
        index_shard *sh = &pool->shards[index_shard_of(hash)];
        pthread_mutex_lock(&sh->lock);
        store_unlink(pool, sh, hash, region, drop.refs[i], f.epoch);
        pthread_mutex_unlock(&sh->lock);
    }
    ref_vec_free(&drop);
    for (size_t i = 0; staged && i < staged->len; i++)
        make_live(pool, region, staged->refs[i], f.epoch);
    if (f.op == INTENT_IMPORT) {
        snapshot_record(pool, region, f.epoch);
        pool_persist_u64(pool, &re->epoch, f.epoch + 1);
    } else {
        mark_restore(pool, region, snapshot_find(re, f.snapshot)->flushed_below);
        pool_persist_u64(pool, &re->epoch, f.epoch);
    }
    intent_set(pool, region, INTENT_NONE, 0, 0, 0);
}

/* Allocates and publishes a staged copy at `epoch`. */
mnemo_status stage_item(mnemo_pool *pool, uint32_t region, uint64_t epoch, const uint8_t *key,
                        uint32_t key_len, const uint8_t *value, uint32_t value_len,
                        uint32_t flags, uint32_t exptime, uint64_t cas, uint32_t state,
                        ref_vec *staged)
{
    uint32_t ref;
    mnemo_status st = slabs_alloc(pool, item_total(key_len, value_len), INDEX_SHARDS, REF_NONE,
                                  &ref);
    if (st != MNEMO_OK)
        return st;
    item *it = item_at(pool, ref);
    item_fill(pool, it, region, key, key_len, value, value_len, NULL, 0, flags, exptime, cas,
              state);
    item_publish(pool, it, epoch);
    if ((st = ref_vec_push(staged, ref)) != MNEMO_OK) {
        pool_persist_u64(pool, &it->created, 0);
        slabs_free(pool, ref);
    }
    return st;
}

/* Versions visible in the snapshot that are no longer live: these need copies. (A live version
 * the snapshot sees stays live, flushed or not: the restored view takes the snapshot's flush
 * mark.) */
static bool restorable(const mnemo_pool *pool, const item *it, void *ctx)
{
    (void)pool;
    uint64_t d = item_deleted(it);
    return d != EPOCH_LIVE && snapshot_sees(ctx, item_created(it), d);
}

mnemo_status mnemo_snapshot_restore(mnemo_pool *pool, uint32_t region, uint64_t id)
{
    mnemo_status st = enter_pool(pool, region, true);
    if (st != MNEMO_OK)
        return st;
    region_entry *re = &pool->regions[region];
    snapshot_entry *snap = snapshot_find(re, id);
    if (!snap) {
        region_leave(pool, region);
        return no_snapshot(region, id);
    }
    uint64_t epoch = re->epoch + 1;
    intent_set(pool, region, INTENT_RESTORE, INTENT_STAGING, id, epoch);
    ref_vec sources = {0}, staged = {0};
    st = scan_collect(pool, region, restorable, snap, &sources);
    /* Restored items keep the CAS they had in the snapshot: the view is the snapshot's, and the
     * replicas of a shard (whose writes carry one CAS for all) restore to equal items. The counter
     * is past every CAS already, so later writes still get larger ones. They keep being stale when
     * they were; a won recache token belonged to the replaced view and is not restored. */
    for (size_t i = 0; st == MNEMO_OK && i < sources.len; i++) {
        item *src = item_at(pool, sources.refs[i]);
        if (item_is_tombstone(src))
            continue;
        st = stage_item(pool, region, epoch, item_key(src), src->key_len, item_value(src),
                        src->value_len, src->flags, src->exptime, src->cas,
                        item_state(src) & MNEMO_ITEM_STALE, &staged);
    }
    if (st == MNEMO_OK) {
        intent_set(pool, region, INTENT_RESTORE, INTENT_COMMIT, id, epoch);
        switch_finish(pool, region, &staged);
    } else {
        staged_discard(pool, region, &staged);
    }
    ref_vec_free(&sources);
    ref_vec_free(&staged);
    region_leave(pool, region);
    return st;
}

/* Import's entry into the switch: see export.c. */
mnemo_status switch_begin_import(mnemo_pool *pool, uint32_t region, uint64_t *epoch_out)
{
    region_entry *re = &pool->regions[region];
    uint32_t used = 0;
    for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
        used += re->snapshots[i].id != 0;
    if (used == SNAPSHOT_MAX)
        return set_error(MNEMO_LIMIT, "region %u already has the maximum of %u snapshots", region,
                         SNAPSHOT_MAX);
    *epoch_out = re->epoch + 1;
    intent_set(pool, region, INTENT_IMPORT, INTENT_STAGING, 0, *epoch_out);
    return MNEMO_OK;
}

void switch_commit(mnemo_pool *pool, uint32_t region, const ref_vec *staged)
{
    region_intent *in = &pool->regions[region].intent;
    intent_set(pool, region, in->op, INTENT_COMMIT, in->snapshot, in->epoch);
    switch_finish(pool, region, staged);
}
