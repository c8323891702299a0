/*
 * versions.c — which versions a snapshot still needs, and ending live versions.
 *
 * A version (created C, deleted D) is visible in snapshot S when C <= S < D and C is not below
 * the flush mark S recorded. When a live version ends at the current epoch E (all snapshots are
 * < E) it is kept only if some snapshot sees it; otherwise its chunk is freed at once. A flushed
 * version reclaimed later ends at that later epoch: the snapshots taken after its flush do not
 * see it by their mark.
 */
#include "engine.h"

bool version_needed(const region_entry *re, uint64_t created, uint64_t deleted)
{
    for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
        if (snapshot_sees(&re->snapshots[i], created, deleted))
            return true;
    return false;
}

snapshot_entry *snapshot_find(region_entry *re, uint64_t id)
{
    for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
        if (id != 0 && re->snapshots[i].id == id)
            return &re->snapshots[i];
    return NULL;
}

void version_account_live(mnemo_pool *pool, uint32_t region, const item *it, uint32_t chunk_size,
                          int sign)
{
    region_rt *rt = &pool->rt[region];
    uint64_t total = item_total(it->key_len, it->value_len);
    /* a tombstone or a flushed version holds space, but is no item to a client */
    if (item_is_tombstone(it) || item_flushed(pool, it)) {
        if (sign > 0)
            __atomic_add_fetch(&rt->bytes_used, chunk_size, __ATOMIC_RELAXED);
        else
            __atomic_sub_fetch(&rt->bytes_used, chunk_size, __ATOMIC_RELAXED);
        return;
    }
    if (sign > 0) {
        __atomic_add_fetch(&rt->items, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&rt->item_bytes, total, __ATOMIC_RELAXED);
        __atomic_add_fetch(&rt->bytes_used, chunk_size, __ATOMIC_RELAXED);
    } else {
        __atomic_sub_fetch(&rt->items, 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&rt->item_bytes, total, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&rt->bytes_used, chunk_size, __ATOMIC_RELAXED);
    }
}

void version_retire(mnemo_pool *pool, uint32_t region, uint32_t ref, uint64_t epoch)
{
    item *it = item_at(pool, ref);
    uint32_t chunk = slabs_chunk_size_of(pool, ref);
    region_rt *rt = &pool->rt[region];
    version_account_live(pool, region, it, chunk, -1);
    if (version_needed(&pool->regions[region], item_created(it), epoch)) {
        pool_persist_u64(pool, &it->deleted, epoch);
        __atomic_add_fetch(&rt->bytes_used, chunk, __ATOMIC_RELAXED);
        __atomic_add_fetch(&rt->retained_bytes, chunk, __ATOMIC_RELAXED);
    } else {
        pool_persist_u64(pool, &it->created, 0);
        slabs_free(pool, ref);
    }
}

void version_release_locked(mnemo_pool *pool, slab_class *cls, uint32_t region, uint32_t ref)
{
    region_rt *rt = &pool->rt[region];
    pool_persist_u64(pool, &item_at(pool, ref)->created, 0);
    __atomic_sub_fetch(&rt->bytes_used, cls->chunk_size, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&rt->retained_bytes, cls->chunk_size, __ATOMIC_RELAXED);
    slabs_free_locked(pool, cls, ref);
}
