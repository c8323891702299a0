/*
 * evict.c — eviction per slab class by CLOCK (second chance), an approximation of LRU.
 *
 * memcached keeps doubly linked LRU lists; their links would cost 8 bytes of DRAM per chunk
 * here. Instead each item carries an ITEM_ACTIVE bit that reads and touches set (a store in
 * the chunk's header line the access has just read), and eviction sweeps a hand over the
 * class's chunks in page order: an active item loses its bit and survives this round, the
 * first inactive live one is the victim. A new item takes the chunk just freed behind the hand,
 * so it gets a full round before the hand meets it again, and a recently read item survives
 * at least one more round. The hand and the sweep are under the class lock.
 */
#include "engine.h"

typedef enum victim_outcome { VICTIM_FREED, VICTIM_BUSY, VICTIM_SKIP } victim_outcome;

/* Frees the live version `ref` of cls unless its key's region or shard is busy in another
 * thread (taking those locks here would invert the lock order, so they are only try-locked),
 * a snapshot holds it (freeing it would gain nothing), or it is not the indexed version of its
 * key (a restore or import stages published versions that become live only at commit). */
static victim_outcome try_free_victim(mnemo_pool *pool, slab_class *cls, uint32_t ref,
                                      uint32_t shard_held, bool count_eviction)
{
    item *it = item_at(pool, ref);
    uint32_t region = it->region;
    region_rt *rt = &pool->rt[region];
    bool own_region = region_held(pool, region);
    if (!own_region && pthread_rwlock_tryrdlock(&rt->lock) != 0)
        return VICTIM_BUSY;
    uint64_t hash = hash_key(region, item_key(it), it->key_len);
    uint32_t shard = index_shard_of(hash);
    index_shard *sh = &pool->shards[shard];
    victim_outcome outcome = VICTIM_BUSY;
    if (shard == shard_held || pthread_mutex_trylock(&sh->lock) == 0) {
        if (version_needed(&pool->regions[region], item_created(it), EPOCH_LIVE) ||
            !index_remove(pool, sh, hash, ref)) {
            outcome = VICTIM_SKIP;
        } else {
            version_account_live(pool, region, it, cls->chunk_size, -1);
            pool_persist_u64(pool, &it->created, 0);
            cls->chunks_used--;
            if (count_eviction) {
                __atomic_add_fetch(&rt->evictions, 1, __ATOMIC_RELAXED);
                cls->evictions++;
            }
            outcome = VICTIM_FREED;
        }
        if (shard != shard_held)
            pthread_mutex_unlock(&sh->lock);
    }
    if (!own_region)
        pthread_rwlock_unlock(&rt->lock);
    return outcome;
}

static uint32_t hand_ref(const mnemo_pool *pool, const slab_class *cls, uint32_t ahead)
{
    uint64_t pos = (uint64_t)cls->hand_page * cls->per_page + cls->hand_slot + ahead;
    pos %= cls->pages * cls->per_page;
    return ref_make(pool, cls->page_list[pos / cls->per_page], (uint32_t)(pos % cls->per_page));
}

static void hand_advance(slab_class *cls)
{
    if (++cls->hand_slot < cls->per_page)
        return;
    cls->hand_slot = 0;
    if (++cls->hand_page == cls->pages)
        cls->hand_page = 0;
}

/* A published version nobody has ended: the chunk's key and region are stable while the class
 * lock is held (reusing the chunk needs that lock). Free and retained chunks are skipped. */
static item *live_at(mnemo_pool *pool, uint32_t ref)
{
    item *it = item_at(pool, ref);
    return item_created(it) != 0 && item_deleted(it) == EPOCH_LIVE ? it : NULL;
}

/* An expired or flushed item: reclaiming it is not an eviction. */
static bool reclaimable(mnemo_pool *pool, const item *it)
{
    return item_flushed(pool, it) || exptime_passed(pool, __atomic_load_n(&it->exptime, __ATOMIC_RELAXED));
}

/* Like memcached, first look a few chunks ahead of the hand for an expired item. */
#define EXPIRED_SEARCH 5u

uint32_t lru_evict_locked(mnemo_pool *pool, slab_class *cls, uint32_t shard_held, uint32_t pinned)
{
    if (cls->pages == 0)
        return REF_NONE;
    for (uint32_t i = 0; i < EXPIRED_SEARCH; i++) {
        uint32_t ref = hand_ref(pool, cls, i);
        item *it = live_at(pool, ref);
        if (it && ref != pinned && reclaimable(pool, it) &&
            try_free_victim(pool, cls, ref, shard_held, false) == VICTIM_FREED) {
            /* past the chunk, so the new item in it is behind the hand like any other */
            for (uint32_t j = 0; j <= i; j++)
                hand_advance(cls);
            return ref;
        }
    }
    /* Two rounds: the first may only clear active bits; the second then finds every live
     * version that is neither busy nor held by a snapshot. */
    uint64_t budget = 2 * cls->pages * cls->per_page;
    while (budget-- > 0) {
        uint32_t ref = hand_ref(pool, cls, 0);
        hand_advance(cls);
        item *it = live_at(pool, ref);
        if (!it || ref == pinned)
            continue;
        /* a flushed item goes first, whatever its access bit */
        bool flushed = item_flushed(pool, it);
        if (!flushed && (__atomic_load_n(&it->access_bits, __ATOMIC_RELAXED) & ITEM_ACTIVE)) {
            __atomic_fetch_and(&it->access_bits, (uint8_t)~ITEM_ACTIVE, __ATOMIC_RELAXED);
            continue;
        }
        if (try_free_victim(pool, cls, ref, shard_held, !flushed) == VICTIM_FREED)
            return ref;
    }
    return REF_NONE;
}

/* The hand looks at this many chunks per allocation, so a store into a full class stays cheap
 * when nothing is reclaimable, and a flushed class is reclaimed as fast as it is written. */
#define RECLAIM_SEARCH 64u

uint32_t lru_reclaim_locked(mnemo_pool *pool, slab_class *cls, uint32_t shard_held, uint32_t pinned)
{
    if (cls->pages == 0)
        return REF_NONE;
    for (uint32_t i = 0; i < RECLAIM_SEARCH; i++) {
        uint32_t ref = hand_ref(pool, cls, 0);
        hand_advance(cls);
        item *it = live_at(pool, ref);
        if (it && ref != pinned && reclaimable(pool, it) &&
            try_free_victim(pool, cls, ref, shard_held, false) == VICTIM_FREED)
            return ref;
    }
    return REF_NONE;
}
