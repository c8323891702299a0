/*
 * lru.c — per-slab-class LRU of live versions, as memcached keeps one per class. Links live in
 * DRAM (8 bytes per chunk, stored as ref + 1 so that 0 means "none"); the order is a cache
 * hint, so recovery rebuilds it in scan order. Callers of the *_locked functions hold the class
 * lock.
 */
#include "engine.h"

static lru_link *link_of(mnemo_pool *pool, uint32_t ref)
{
    return &pool->links[ref_page(pool, ref)][ref_slot(pool, ref)];
}

static slab_class *class_of(mnemo_pool *pool, uint32_t ref)
{
    return &pool->classes[page_class(pool, ref_page(pool, ref))];
}

void lru_link_head(mnemo_pool *pool, slab_class *cls, uint32_t ref)
{
    lru_link *l = link_of(pool, ref);
    l->prev = 0;
    l->next = cls->lru_head == REF_NONE ? 0 : cls->lru_head + 1;
    if (cls->lru_head != REF_NONE)
        link_of(pool, cls->lru_head)->prev = ref + 1;
    else
        cls->lru_tail = ref;
    cls->lru_head = ref;
}

static void lru_unlink(mnemo_pool *pool, slab_class *cls, uint32_t ref)
{
    lru_link *l = link_of(pool, ref);
    if (l->prev)
        link_of(pool, l->prev - 1)->next = l->next;
    else if (cls->lru_head == ref)
        cls->lru_head = l->next ? l->next - 1 : REF_NONE;
    else
        return; /* not linked */
    if (l->next)
        link_of(pool, l->next - 1)->prev = l->prev;
    else
        cls->lru_tail = l->prev ? l->prev - 1 : REF_NONE;
    l->prev = l->next = 0;
}

void lru_bump(mnemo_pool *pool, uint32_t ref)
{
    slab_class *cls = class_of(pool, ref);
    pthread_mutex_lock(&cls->lock);
    if (cls->lru_head != ref) {
        lru_unlink(pool, cls, ref);
        lru_link_head(pool, cls, ref);
    }
    pthread_mutex_unlock(&cls->lock);
}

void lru_insert(mnemo_pool *pool, uint32_t ref)
{
    slab_class *cls = class_of(pool, ref);
    pthread_mutex_lock(&cls->lock);
    lru_link_head(pool, cls, ref);
    pthread_mutex_unlock(&cls->lock);
}

void lru_remove(mnemo_pool *pool, uint32_t ref)
{
    slab_class *cls = class_of(pool, ref);
    pthread_mutex_lock(&cls->lock);
    lru_unlink(pool, cls, ref);
    pthread_mutex_unlock(&cls->lock);
}

typedef enum victim_outcome { VICTIM_FREED, VICTIM_BUSY, VICTIM_SNAPSHOT } victim_outcome;

/* Frees the live version `ref` of cls unless its key's region or shard is busy in another
 * thread (taking those locks here would invert the lock order, so they are only try-locked)
 * or a snapshot holds it (freeing it would gain nothing). */
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
        if (version_needed(&pool->regions[region], item_created(it), EPOCH_LIVE)) {
            outcome = VICTIM_SNAPSHOT;
        } else {
            index_remove(pool, sh, hash, ref);
            lru_unlink(pool, cls, ref);
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

static uint32_t older(mnemo_pool *pool, uint32_t ref)
{
    uint32_t prev = link_of(pool, ref)->prev;
    return prev ? prev - 1 : REF_NONE;
}

/* Like memcached, first look a few items up from the tail for an expired one: reclaiming it
 * is not an eviction. Otherwise evict from the tail; a version a snapshot holds moves to the
 * head so this walk does not meet it again. */
#define EXPIRED_SEARCH 5

uint32_t lru_evict_locked(mnemo_pool *pool, slab_class *cls, uint32_t shard_held, uint32_t pinned)
{
    uint32_t ref = cls->lru_tail;
    for (int i = 0; i < EXPIRED_SEARCH && ref != REF_NONE; i++) {
        uint32_t next = older(pool, ref);
        item *it = item_at(pool, ref);
        if (ref != pinned && exptime_passed(pool, __atomic_load_n(&it->exptime, __ATOMIC_RELAXED)) &&
            try_free_victim(pool, cls, ref, shard_held, false) == VICTIM_FREED)
            return ref;
        ref = next;
    }
    uint64_t budget = cls->chunks_used + 1;
    for (ref = cls->lru_tail; ref != REF_NONE && budget-- > 0;) {
        uint32_t next = older(pool, ref);
        if (ref != pinned) {
            victim_outcome outcome = try_free_victim(pool, cls, ref, shard_held, true);
            if (outcome == VICTIM_FREED)
                return ref;
            if (outcome == VICTIM_SNAPSHOT) {
                lru_unlink(pool, cls, ref);
                lru_link_head(pool, cls, ref);
            }
        }
        ref = next;
    }
    return REF_NONE;
}
