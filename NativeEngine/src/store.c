/*
 * store.c — the memcached item operations: get (and get-and-touch), store in its six modes,
 * delete, incr/decr and touch. Each runs under the region's read lock and its key's index
 * shard lock, so operations on one key are atomic with respect to each other.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"

#define DECIMAL_MAX_LEN 20

typedef struct key_ctx {
    mnemo_pool *pool;
    uint32_t region;
    const uint8_t *key;
    uint32_t key_len;
    uint64_t hash;
    uint32_t shard;
    index_shard *sh;
} key_ctx;

static mnemo_status check_key(const uint8_t *key, uint32_t key_len)
{
    if (!key || key_len == 0 || key_len > MNEMO_KEY_MAX)
        return set_error(MNEMO_BAD_KEY, "key length %u is outside 1..%u bytes", key_len,
                         MNEMO_KEY_MAX);
    return MNEMO_OK;
}

/* Validates the key, enters the region and locks the key's shard. */
static mnemo_status key_enter(key_ctx *k, mnemo_pool *pool, uint32_t region, const uint8_t *key,
                              uint32_t key_len)
{
    clear_error();
    if (!pool)
        return set_error(MNEMO_INVALID, "pool is NULL");
    mnemo_status st = check_key(key, key_len);
    if (st != MNEMO_OK || (st = region_enter(pool, region, false)) != MNEMO_OK)
        return st;
    k->pool = pool;
    k->region = region;
    k->key = key;
    k->key_len = key_len;
    k->hash = hash_key(region, key, key_len);
    k->shard = index_shard_of(k->hash);
    k->sh = &pool->shards[k->shard];
    pthread_mutex_lock(&k->sh->lock);
    return MNEMO_OK;
}

static void key_leave(key_ctx *k)
{
    pthread_mutex_unlock(&k->sh->lock);
    region_leave(k->pool, k->region);
}

static uint64_t current_epoch(const key_ctx *k)
{
    return k->pool->regions[k->region].epoch;
}

void store_unlink(mnemo_pool *pool, index_shard *sh, uint64_t hash, uint32_t region, uint32_t ref,
                  uint64_t epoch)
{
    index_remove(pool, sh, hash, ref);
    version_retire(pool, region, ref, epoch);
}

/* The live version of the key, or REF_NONE; an expired one is reclaimed on the way. */
static uint32_t lookup_live(key_ctx *k)
{
    uint32_t ref = index_find(k->pool, k->sh, k->hash, k->region, k->key, k->key_len);
    if (ref != REF_NONE) {
        item *it = item_at(k->pool, ref);
        if (exptime_passed(k->pool, __atomic_load_n(&it->exptime, __ATOMIC_RELAXED))) {
            store_unlink(k->pool, k->sh, k->hash, k->region, ref, current_epoch(k));
            ref = REF_NONE;
        }
    }
    return ref;
}

static mnemo_status too_large(const mnemo_pool *pool, uint32_t key_len, uint64_t value_len)
{
    return set_error(MNEMO_TOO_LARGE,
                     "object too large for cache: %llu bytes (%u header + %u key + %llu value) "
                     "exceed the item size limit of %u bytes",
                     (unsigned long long)(sizeof(item) + key_len + value_len),
                     (unsigned)sizeof(item), key_len, (unsigned long long)value_len,
                     pool->item_size_max);
}

/* Writes a new version of the key (value = v1 + v2) and makes it the live one, ending old_ref
 * if there is one. */
static mnemo_status write_version(key_ctx *k, uint32_t old_ref, const uint8_t *v1, uint32_t v1_len,
                                  const uint8_t *v2, uint32_t v2_len, uint32_t flags,
                                  uint32_t exptime, uint64_t cas, uint32_t *ref_out)
{
    mnemo_pool *pool = k->pool;
    uint64_t value_len = (uint64_t)v1_len + v2_len;
    if (sizeof(item) + k->key_len + value_len > pool->item_size_max)
        return too_large(pool, k->key_len, value_len);
    uint32_t total = item_total(k->key_len, (uint32_t)value_len);
    uint32_t ref;
    mnemo_status st = slabs_alloc(pool, total, k->shard, old_ref, &ref);
    if (st != MNEMO_OK)
        return st;
    if (old_ref == REF_NONE && (st = index_put(pool, k->sh, k->hash, ref)) != MNEMO_OK) {
        slabs_free(pool, ref);
        return st;
    }
    item *it = item_at(pool, ref);
    item_fill(pool, it, k->region, k->key, k->key_len, v1, v1_len, v2, v2_len, flags, exptime, cas);
    uint64_t epoch = current_epoch(k);
    item_publish(pool, it, epoch);
    if (old_ref != REF_NONE) {
        index_replace(pool, k->sh, k->hash, old_ref, ref);
        version_retire(pool, k->region, old_ref, epoch);
    }
    version_account_live(pool, k->region, it, slabs_chunk_size_of(pool, ref), 1);
    if (ref_out)
        *ref_out = ref;
    return MNEMO_OK;
}

/* A version created in the current epoch is in no snapshot, so its exptime can change in
 * place (one 4-byte store, outside the checksum); otherwise touch writes a new version with
 * the same value and CAS. */
static mnemo_status touch_version(key_ctx *k, uint32_t *ref, uint32_t exptime)
{
    item *it = item_at(k->pool, *ref);
    if (item_created(it) == current_epoch(k)) {
        __atomic_store_n(&it->exptime, exptime, __ATOMIC_RELAXED);
        pool_persist(k->pool, &it->exptime, sizeof it->exptime);
        return MNEMO_OK;
    }
    return write_version(k, *ref, item_value(it), it->value_len, NULL, 0, it->flags, exptime,
                         it->cas, ref);
}

static void count(uint64_t *counter) { __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED); }

mnemo_status mnemo_get(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                       uint8_t *value_buf, uint32_t value_cap, uint32_t *value_len,
                       mnemo_item_info *info, int touch, int64_t new_exptime)
{
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    region_rt *rt = &pool->rt[region];
    count(&rt->cmd_get);
    uint32_t ref = lookup_live(&k);
    if (ref == REF_NONE) {
        count(&rt->misses);
        key_leave(&k);
        return MNEMO_NOT_FOUND;
    }
    item *it = item_at(pool, ref);
    if (value_len)
        *value_len = it->value_len;
    if (it->value_len > value_cap || (it->value_len && !value_buf)) {
        if (info)
            item_fill_info(it, info);
        key_leave(&k);
        return set_error(MNEMO_BUFFER_TOO_SMALL, "value of %u bytes does not fit a %u-byte buffer",
                         it->value_len, value_cap);
    }
    if (touch && (st = touch_version(&k, &ref, exptime_absolute(pool, new_exptime))) != MNEMO_OK) {
        key_leave(&k);
        return st;
    }
    it = item_at(pool, ref);
    if (info)
        item_fill_info(it, info);
    if (it->value_len)
        memcpy(value_buf, item_value(it), it->value_len);
    item_mark_accessed(it, ITEM_FETCHED | ITEM_ACTIVE);
    uint32_t now = pool_now(pool);
    if (__atomic_load_n(&it->last_access, __ATOMIC_RELAXED) != now)
        __atomic_store_n(&it->last_access, now, __ATOMIC_RELAXED);
    count(&rt->hits);
    key_leave(&k);
    return MNEMO_OK;
}

mnemo_status mnemo_store(mnemo_pool *pool, uint32_t region, mnemo_store_mode mode,
                         const uint8_t *key, uint32_t key_len, const uint8_t *value,
                         uint32_t value_len, uint32_t flags, int64_t exptime, uint64_t cas_in,
                         uint64_t *cas_out)
{
    if ((unsigned)mode > MNEMO_CAS)
        return set_error(MNEMO_INVALID, "unknown store mode %d", (int)mode);
    if (value_len && !value)
        return set_error(MNEMO_INVALID, "value is NULL but value_len is %u", value_len);
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    count(&pool->rt[region].cmd_set);
    uint32_t old = lookup_live(&k);
    item *old_it = old == REF_NONE ? NULL : item_at(pool, old);
    if (mode == MNEMO_ADD && old_it) {
        st = MNEMO_NOT_STORED;
    } else if ((mode == MNEMO_REPLACE || mode == MNEMO_APPEND || mode == MNEMO_PREPEND) &&
               !old_it) {
        st = MNEMO_NOT_STORED;
    } else if (mode == MNEMO_CAS || cas_in != 0) {
        if (!old_it)
            st = MNEMO_NOT_FOUND;
        else if (old_it->cas != cas_in)
            st = MNEMO_EXISTS;
    }
    if (st == MNEMO_OK) {
        uint64_t cas = cas_next(pool);
        if (mode == MNEMO_APPEND)
            st = write_version(&k, old, item_value(old_it), old_it->value_len, value, value_len,
                               old_it->flags, old_it->exptime, cas, NULL);
        else if (mode == MNEMO_PREPEND)
            st = write_version(&k, old, value, value_len, item_value(old_it), old_it->value_len,
                               old_it->flags, old_it->exptime, cas, NULL);
        else
            st = write_version(&k, old, value, value_len, NULL, 0, flags,
                               exptime_absolute(pool, exptime), cas, NULL);
        if (st == MNEMO_OK && cas_out)
            *cas_out = cas;
    }
    key_leave(&k);
    return st;
}

mnemo_status mnemo_delete(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                          uint64_t cas_in)
{
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    uint32_t ref = lookup_live(&k);
    if (ref == REF_NONE)
        st = MNEMO_NOT_FOUND;
    else if (cas_in != 0 && item_at(pool, ref)->cas != cas_in)
        st = MNEMO_EXISTS;
    else
        store_unlink(pool, k.sh, k.hash, region, ref, current_epoch(&k));
    key_leave(&k);
    return st;
}

/* memcached's rule: optional leading blanks, decimal digits, trailing blanks only. */
static bool parse_u64(const uint8_t *p, uint32_t len, uint64_t *out)
{
    uint32_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    uint32_t digits = 0;
    uint64_t v = 0;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    for (; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    *out = v;
    return digits > 0;
}

mnemo_status mnemo_arith(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                         int decr, uint64_t delta, uint64_t *value_out, uint64_t *cas_out)
{
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    uint32_t ref = lookup_live(&k);
    if (ref == REF_NONE) {
        key_leave(&k);
        return MNEMO_NOT_FOUND;
    }
    item *it = item_at(pool, ref);
    uint64_t v;
    if (!parse_u64(item_value(it), it->value_len, &v)) {
        key_leave(&k);
        return set_error(MNEMO_NON_NUMERIC,
                         "cannot increment or decrement non-numeric value (%u bytes)",
                         it->value_len);
    }
    if (decr)
        v = delta > v ? 0 : v - delta;
    else
        v += delta; /* wraps at 2^64 like memcached */
    char digits[DECIMAL_MAX_LEN + 1];
    uint32_t n = (uint32_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    /* memcached rewrites a shorter result in place, padded with spaces to the old length. */
    uint8_t buf[64];
    uint32_t len = n;
    memcpy(buf, digits, n);
    if (n < it->value_len && it->value_len <= sizeof buf) {
        memset(buf + n, ' ', it->value_len - n);
        len = it->value_len;
    }
    uint64_t cas = cas_next(pool);
    st = write_version(&k, ref, buf, len, NULL, 0, it->flags, it->exptime, cas, NULL);
    if (st == MNEMO_OK) {
        count(&pool->rt[region].cmd_set);
        if (value_out)
            *value_out = v;
        if (cas_out)
            *cas_out = cas;
    }
    key_leave(&k);
    return st;
}

mnemo_status mnemo_touch(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                         int64_t exptime)
{
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    uint32_t ref = lookup_live(&k);
    if (ref == REF_NONE)
        st = MNEMO_NOT_FOUND;
    else if ((st = touch_version(&k, &ref, exptime_absolute(pool, exptime))) == MNEMO_OK)
        item_mark_accessed(item_at(pool, ref), ITEM_ACTIVE); /* an access, as in memcached */
    key_leave(&k);
    return st;
}
