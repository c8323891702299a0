/*
 * items.c — item layout and the write/publish protocol.
 *
 * A write never touches a published chunk's key or value: the new version is filled into a
 * free chunk (created == 0), persisted including its checksum, and only then published by one
 * 8-byte store of its created epoch, itself persisted. Ending a version is again one 8-byte
 * store (deleted epoch, or created = 0 when nothing needs it any more). Recovery therefore
 * sees each chunk either unpublished, or published with a checksum that matches.
 */
#include <string.h>

#include "engine.h"

item *item_at(const mnemo_pool *pool, uint32_t ref)
{
    uint32_t page = ref_page(pool, ref);
    const slab_class *cls = &pool->classes[page_class(pool, page)];
    return (item *)(pool->data + (uint64_t)page * pool->page_size +
                    (uint64_t)ref_slot(pool, ref) * cls->chunk_size);
}

uint32_t item_checksum(const item *it)
{
    uint32_t crc = crc32c(0, &it->cas, sizeof it->cas);
    crc = crc32c(crc, &it->flags, sizeof it->flags + sizeof it->value_len);
    crc = crc32c(crc, &it->key_len, sizeof it->key_len + sizeof it->region);
    crc = crc32c(crc, &it->state, sizeof it->state);
    return crc32c(crc, it + 1, (size_t)it->key_len + it->value_len);
}

void item_fill(mnemo_pool *pool, item *it, uint32_t region, const uint8_t *key, uint32_t key_len,
               const uint8_t *v1, uint32_t v1_len, const uint8_t *v2, uint32_t v2_len,
               uint32_t flags, uint32_t exptime, uint64_t cas, uint32_t state)
{
    it->deleted = EPOCH_LIVE;
    it->cas = cas;
    it->exptime = exptime;
    it->last_access = pool_now(pool);
    it->flags = flags;
    it->value_len = v1_len + v2_len;
    it->key_len = (uint8_t)key_len;
    it->region = (uint8_t)region;
    it->access_bits = (state & MNEMO_ITEM_TOKEN_SENT) ? ITEM_TOKEN_SENT : 0;
    it->state = (uint8_t)(((state & MNEMO_ITEM_STALE) ? ITEM_STATE_STALE : 0) |
                          ((state & STATE_TOMBSTONE) ? ITEM_STATE_TOMBSTONE : 0));
    uint8_t *dst = item_key(it);
    memcpy(dst, key, key_len);
    if (v1_len)
        memcpy(dst + key_len, v1, v1_len);
    if (v2_len)
        memcpy(dst + key_len + v1_len, v2, v2_len);
    it->checksum = item_checksum(it);
    pool_persist(pool, it, item_total(key_len, it->value_len));
}

void item_publish(mnemo_pool *pool, item *it, uint64_t epoch)
{
    pool_persist_u64(pool, &it->created, epoch);
}

bool item_valid(const mnemo_pool *pool, const item *it, uint32_t chunk_size)
{
    (void)pool;
    if (it->key_len == 0 || it->region >= REGION_MAX)
        return false;
    if ((uint64_t)sizeof(item) + it->key_len + it->value_len > chunk_size)
        return false;
    return item_checksum(it) == it->checksum;
}

bool item_key_equals(item *it, uint32_t region, const uint8_t *key, uint32_t key_len)
{
    return it->key_len == key_len && it->region == region &&
           memcmp(item_key(it), key, key_len) == 0;
}

void item_fill_info(const item *it, mnemo_item_info *info)
{
    info->flags = it->flags;
    info->value_len = it->value_len;
    info->exptime = __atomic_load_n(&it->exptime, __ATOMIC_RELAXED);
    info->cas = it->cas;
    info->last_access = __atomic_load_n(&it->last_access, __ATOMIC_RELAXED);
    info->fetched = (__atomic_load_n(&it->access_bits, __ATOMIC_RELAXED) & ITEM_FETCHED) != 0;
    info->state = item_state(it);
}
