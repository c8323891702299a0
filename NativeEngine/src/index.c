/*
 * index.c — the volatile hash index: (region, key) -> chunk of the live version.
 *
 * INDEX_SHARDS independent open-addressing tables, each under its own mutex: the shard is the
 * lock stripe. A slot is 8 bytes: the chunk ref and 32 bits of the hash. The slot position
 * comes from those 32 bits too, so a table grows without reading keys back from the pool; the
 * key itself is compared in the chunk only when the tag matches. Positions are
 * tag * capacity >> 32 rather than a mask, so capacities need not be powers of two and a table
 * grows by 1.5x, which keeps the DRAM per item lower on average.
 *
 * Linear probing with Robin Hood ordering and backward-shift deletion (no tombstones): every
 * probe run stays ordered by home position, so a lookup stops as soon as it passes where its
 * key would be. Misses then cost about as much as hits, which lets a table fill to 90 %.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define SHARD_INITIAL 256u
#define LOAD_PERCENT_MAX 90u

static uint32_t tag_of(uint64_t hash) { return (uint32_t)(hash >> 16); }

static uint32_t home_of(uint32_t tag, uint32_t capacity)
{
    return (uint32_t)(((uint64_t)tag * capacity) >> 32);
}

static uint32_t next_pos(uint32_t i, uint32_t capacity) { return i + 1 == capacity ? 0 : i + 1; }

/* How far slot i lies past the home position of the entry it holds. */
static uint32_t displacement(const index_slot *slots, uint32_t i, uint32_t capacity)
{
    uint32_t home = home_of(slots[i].tag, capacity);
    return i >= home ? i - home : i + capacity - home;
}

static index_slot *slots_new(uint32_t capacity)
{
    index_slot *s = malloc(sizeof *s * capacity);
    if (s)
        memset(s, 0xff, sizeof *s * capacity); /* ref = REF_NONE */
    return s;
}

mnemo_status index_init(mnemo_pool *pool)
{
    for (uint32_t i = 0; i < INDEX_SHARDS; i++) {
        index_shard *sh = &pool->shards[i];
        pthread_mutex_init(&sh->lock, NULL);
        sh->capacity = SHARD_INITIAL;
        sh->slots = slots_new(SHARD_INITIAL);
        if (!sh->slots)
            return set_error(MNEMO_NO_MEMORY, "out of memory for the index");
    }
    return MNEMO_OK;
}

void index_destroy(mnemo_pool *pool)
{
    for (uint32_t i = 0; i < INDEX_SHARDS; i++) {
        index_shard *sh = &pool->shards[i];
        if (!sh->capacity)
            continue;
        free(sh->slots);
        pthread_mutex_destroy(&sh->lock);
        sh->capacity = 0;
    }
}

uint32_t index_find(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t region,
                    const uint8_t *key, uint32_t key_len)
{
    uint32_t cap = sh->capacity, tag = tag_of(hash);
    for (uint32_t i = home_of(tag, cap), d = 0;; i = next_pos(i, cap), d++) {
        index_slot *s = &sh->slots[i];
        if (s->ref == REF_NONE || displacement(sh->slots, i, cap) < d)
            return REF_NONE;
        if (s->tag == tag && item_key_equals(item_at(pool, s->ref), region, key, key_len))
            return s->ref;
    }
}

void index_prefetch(mnemo_pool *pool, uint64_t hash)
{
    index_shard *sh = &pool->shards[index_shard_of(hash)];
    __builtin_prefetch(&sh->slots[home_of(tag_of(hash), sh->capacity)]);
}

/* Robin Hood insertion: an entry farther from its home takes the slot of one nearer to its
 * own, which moves on. */
static void place(index_slot *slots, uint32_t cap, uint32_t ref, uint32_t tag)
{
    index_slot entry = {ref, tag};
    for (uint32_t i = home_of(tag, cap), d = 0;; i = next_pos(i, cap), d++) {
        if (slots[i].ref == REF_NONE) {
            slots[i] = entry;
            return;
        }
        uint32_t resident = displacement(slots, i, cap);
        if (resident < d) {
            index_slot moved = slots[i];
            slots[i] = entry;
            entry = moved;
            d = resident;
        }
    }
}

static mnemo_status grow(index_shard *sh)
{
    uint32_t cap = sh->capacity + sh->capacity / 2;
    index_slot *slots = slots_new(cap);
    if (!slots)
        return set_error(MNEMO_NO_MEMORY, "out of memory growing an index shard to %u slots",
                         cap);
    for (uint32_t i = 0; i < sh->capacity; i++)
        if (sh->slots[i].ref != REF_NONE)
            place(slots, cap, sh->slots[i].ref, sh->slots[i].tag);
    free(sh->slots);
    sh->slots = slots;
    sh->capacity = cap;
    return MNEMO_OK;
}

mnemo_status index_put(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t ref)
{
    (void)pool;
    if ((uint64_t)(sh->count + 1) * 100 > (uint64_t)sh->capacity * LOAD_PERCENT_MAX) {
        mnemo_status st = grow(sh);
        if (st != MNEMO_OK)
            return st;
    }
    place(sh->slots, sh->capacity, ref, tag_of(hash));
    sh->count++;
    return MNEMO_OK;
}

static index_slot *slot_of(index_shard *sh, uint64_t hash, uint32_t ref)
{
    uint32_t cap = sh->capacity, tag = tag_of(hash);
    for (uint32_t i = home_of(tag, cap), d = 0;; i = next_pos(i, cap), d++) {
        index_slot *s = &sh->slots[i];
        if (s->ref == REF_NONE || displacement(sh->slots, i, cap) < d)
            return NULL;
        if (s->ref == ref)
            return s;
    }
}

bool index_replace(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t old_ref,
                   uint32_t new_ref)
{
    (void)pool;
    index_slot *s = slot_of(sh, hash, old_ref);
    if (s)
        s->ref = new_ref;
    return s != NULL;
}

bool index_remove(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t ref)
{
    (void)pool;
    index_slot *s = slot_of(sh, hash, ref);
    if (!s)
        return false;
    uint32_t cap = sh->capacity;
    uint32_t hole = (uint32_t)(s - sh->slots);
    /* Backward shift: the rest of the run moves one slot back until an entry already at its
     * home (or an empty slot) ends it; the run stays ordered. */
    for (uint32_t j = next_pos(hole, cap);
         sh->slots[j].ref != REF_NONE && displacement(sh->slots, j, cap) > 0;
         j = next_pos(j, cap)) {
        sh->slots[hole] = sh->slots[j];
        hole = j;
    }
    sh->slots[hole].ref = REF_NONE;
    sh->count--;
    return true;
}

uint64_t index_bytes(mnemo_pool *pool)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < INDEX_SHARDS; i++) {
        index_shard *sh = &pool->shards[i];
        pthread_mutex_lock(&sh->lock);
        bytes += (uint64_t)sh->capacity * sizeof(index_slot);
        pthread_mutex_unlock(&sh->lock);
    }
    return bytes;
}
