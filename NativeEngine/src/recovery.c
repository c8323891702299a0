/*
 * recovery.c — rebuilding the volatile state on open, and finishing what a crash interrupted.
 *
 * One pass over the assigned slab pages classifies every chunk:
 *   unpublished (created == 0) or checksum mismatch or of a dropped region -> free
 *   staged by a restore/import that never committed                       -> free
 *   ended (deleted != LIVE): kept when a snapshot still needs it          -> retained / free
 *   live but flushed, and no snapshot needs it                           -> free
 *   live: indexed; when a key has two live versions (crash between publishing a new one and
 *         ending the old), the newer (created epoch, then CAS) wins and the older is ended
 *         at the winner's epoch, exactly as the interrupted write would have done.
 * Epochs are first moved past snapshots and flush marks (and a due delayed flush becomes a mark);
 * after the pass committed switches are finished and drops completed.
 */
#include "engine.h"

static bool newer(const item *a, const item *b)
{
    uint64_t ca = item_created(a), cb = item_created(b);
    return ca != cb ? ca > cb : a->cas > b->cas;
}

static void free_chunk(mnemo_pool *pool, slab_class *cls, item *it, uint32_t ref)
{
    if (it->created != 0)
        pool_persist_u64(pool, &it->created, 0);
    cls->chunks_used++; /* slabs_free_locked counts it back down */
    slabs_free_locked(pool, cls, ref);
}

static void recover_live(mnemo_pool *pool, slab_class *cls, item *it, uint32_t ref)
{
    uint32_t region = it->region;
    uint64_t hash = hash_key(region, item_key(it), it->key_len);
    index_shard *sh = &pool->shards[index_shard_of(hash)];
    cls->chunks_used++;
    uint32_t other = index_find(pool, sh, hash, region, item_key(it), it->key_len);
    if (other == REF_NONE) {
        if (index_put(pool, sh, hash, ref) != MNEMO_OK) {
            cls->chunks_used--;
            pool_persist_u64(pool, &it->created, 0);
            slabs_free_locked(pool, cls, ref);
            return;
        }
    } else {
        item *o = item_at(pool, other);
        if (!newer(it, o)) {
            /* this one lost: end it where the winner began */
            version_account_live(pool, region, it, cls->chunk_size, 1);
            version_retire(pool, region, ref, item_created(o));
            return;
        }
        index_replace(pool, sh, hash, other, ref);
        version_retire(pool, region, other, item_created(it));
    }
    version_account_live(pool, region, it, cls->chunk_size, 1);
}

/* Index lookups miss the cache; start loading the slot of a chunk this far ahead. */
#define PREFETCH_AHEAD 8u

static void prefetch_slot(mnemo_pool *pool, const item *it, uint32_t chunk_size)
{
    if (it->created != 0 && it->deleted == EPOCH_LIVE && it->key_len != 0 &&
        sizeof(item) + it->key_len <= chunk_size)
        index_prefetch(pool, hash_key(it->region, (const uint8_t *)(it + 1), it->key_len));
}

static void recover_page(mnemo_pool *pool, uint32_t page, uint64_t *max_cas)
{
    slab_class *cls = &pool->classes[page_class(pool, page)];
    uint8_t *base = pool->data + (uint64_t)page * pool->page_size;
    for (uint32_t s = 0; s < cls->per_page; s++) {
        item *it = (item *)(base + (uint64_t)s * cls->chunk_size);
        if (s + PREFETCH_AHEAD < cls->per_page)
            prefetch_slot(pool, (const item *)((const uint8_t *)it + PREFETCH_AHEAD * cls->chunk_size),
                          cls->chunk_size);
        uint32_t ref = ref_make(pool, page, s);
        if (it->created == 0) {
            free_chunk(pool, cls, it, ref);
            continue;
        }
        if (!item_valid(pool, it, cls->chunk_size) ||
            pool->regions[it->region].state != REGION_ACTIVE) {
            free_chunk(pool, cls, it, ref);
            continue;
        }
        const region_entry *re = &pool->regions[it->region];
        if (re->intent.op != INTENT_NONE && re->intent.state == INTENT_STAGING &&
            it->created == re->intent.epoch) {
            free_chunk(pool, cls, it, ref);
            continue;
        }
        if (it->cas > *max_cas)
            *max_cas = it->cas;
        if (it->deleted != EPOCH_LIVE) {
            if (!version_needed(re, it->created, it->deleted)) {
                free_chunk(pool, cls, it, ref);
                continue;
            }
            region_rt *rt = &pool->rt[it->region];
            cls->chunks_used++;
            rt->bytes_used += cls->chunk_size;
            rt->retained_bytes += cls->chunk_size;
            continue;
        }
        /* a committed restore brings back the snapshot's flush mark: keep its versions */
        if (item_flushed(pool, it) && re->intent.op == INTENT_NONE &&
            !version_needed(re, it->created, EPOCH_LIVE)) {
            free_chunk(pool, cls, it, ref);
            continue;
        }
        recover_live(pool, cls, it, ref);
    }
}

mnemo_status recovery_run(mnemo_pool *pool)
{
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        region_entry *re = &pool->regions[r];
        if (re->state != REGION_ACTIVE)
            continue;
        /* a crash between recording a snapshot and bumping the epoch */
        uint64_t newest = 0;
        for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
            if (re->snapshots[i].id > newest)
                newest = re->snapshots[i].id;
        if (newest >= re->epoch)
            pool_persist_u64(pool, &re->epoch, newest + 1);
        region_flush_recover(pool, r);
    }
    uint64_t max_cas = 0;
    for (uint32_t page = 0; page < pool->page_count; page++)
        if (page_class(pool, page) != 0)
            recover_page(pool, page, &max_cas);
    pool->next_cas = pool->mut->cas_limit > max_cas ? pool->mut->cas_limit : max_cas + 1;
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        region_entry *re = &pool->regions[r];
        if (re->state == REGION_DROPPING) {
            __builtin_memset(re->snapshots, 0, sizeof re->snapshots);
            pool_persist(pool, re->snapshots, sizeof re->snapshots);
            __atomic_store_n(&re->state, REGION_FREE, __ATOMIC_RELEASE);
            pool_persist(pool, &re->state, sizeof re->state);
            continue;
        }
        if (re->state != REGION_ACTIVE || re->intent.op == INTENT_NONE)
            continue;
        if (re->intent.state == INTENT_COMMIT) {
            mnemo_status st = region_enter(pool, r, true);
            if (st != MNEMO_OK)
                return st;
            switch_finish(pool, r, NULL);
            region_leave(pool, r);
        } else {
            re->intent.op = INTENT_NONE;
            pool_persist(pool, &re->intent, sizeof re->intent);
        }
    }
    return MNEMO_OK;
}
