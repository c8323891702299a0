/*
 * store.c — the memcached item operations: get (with the meta protocol's touch, vivify and
 * recache), store in its six modes, delete (or invalidate), incr/decr and touch. Each runs
 * under the region's read lock and its key's index shard lock, so operations on one key are
 * atomic with respect to each other.
 *
 * Item state follows memcached's ITEM_STALE / ITEM_TOKEN_SENT: STALE belongs to a version and
 * is written with it; TOKEN_SENT is set in place on the live version when a read wins the
 * right to recache, and a new version starts without it unless the rule says it is kept.
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

/* The key's current version (an item or a tombstone), or REF_NONE; an expired or flushed one is
 * reclaimed on the way. A flushed version is gone for every operation, ordered writes included:
 * as in memcached, what is stored after a flush is kept, whatever version it carries. */
static uint32_t lookup_version(key_ctx *k)
{
    uint32_t ref = index_find(k->pool, k->sh, k->hash, k->region, k->key, k->key_len);
    if (ref != REF_NONE) {
        item *it = item_at(k->pool, ref);
        if (item_flushed(k->pool, it) ||
            exptime_passed(k->pool, __atomic_load_n(&it->exptime, __ATOMIC_RELAXED))) {
            store_unlink(k->pool, k->sh, k->hash, k->region, ref, current_epoch(k));
            ref = REF_NONE;
        }
    }
    return ref;
}

/* The item a version is to a client: none when there is no version or it is a tombstone. */
static item *live_item(mnemo_pool *pool, uint32_t ref)
{
    if (ref == REF_NONE)
        return NULL;
    item *it = item_at(pool, ref);
    return item_is_tombstone(it) ? NULL : it;
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
                                  uint32_t exptime, uint64_t cas, uint32_t state,
                                  uint32_t *ref_out)
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
    item_fill(pool, it, k->region, k->key, k->key_len, v1, v1_len, v2, v2_len, flags, exptime, cas,
              state);
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
 * the same value, CAS and state. */
static mnemo_status touch_version(key_ctx *k, uint32_t *ref, uint32_t exptime)
{
    item *it = item_at(k->pool, *ref);
    if (item_created(it) == current_epoch(k)) {
        __atomic_store_n(&it->exptime, exptime, __ATOMIC_RELAXED);
        pool_persist(k->pool, &it->exptime, sizeof it->exptime);
        return MNEMO_OK;
    }
    return write_version(k, *ref, item_value(it), it->value_len, NULL, 0, it->flags, exptime,
                         it->cas, item_state(it), ref);
}

/* The CAS of a version being written: the caller's, or the engine's next. */
static uint64_t version_cas(mnemo_pool *pool, uint64_t cas_new)
{
    if (cas_new == 0)
        return cas_next(pool);
    cas_observe(pool, cas_new);
    return cas_new;
}

/* The CAS of a write replacing version `ref`: with MNEMO_WRITE_ADVANCE it is above that
 * version's, so a key's versions only grow on the replica that orders its writes. */
static uint64_t write_cas(mnemo_pool *pool, const mnemo_write_args *a, uint32_t ref)
{
    uint64_t cas = version_cas(pool, a->cas_new);
    if ((a->opts & MNEMO_WRITE_ADVANCE) && ref != REF_NONE) {
        uint64_t current = item_at(pool, ref)->cas;
        if (cas <= current) {
            cas = current + 1;
            cas_observe(pool, cas);
        }
    }
    return cas;
}

/* MNEMO_WRITE_ORDERED: the write is older than (or the same as) the key's current version. */
static bool superseded(mnemo_pool *pool, const mnemo_write_args *a, uint32_t ref)
{
    return (a->opts & MNEMO_WRITE_ORDERED) && ref != REF_NONE && item_at(pool, ref)->cas >= a->cas_new;
}

/* ORDERED needs a version, and orders only whole-item writes: a plain set, a delete (which may
 * compare: md C). */
static mnemo_status check_ordered(const mnemo_write_args *a, bool is_delete, bool whole_item)
{
    if (!(a->opts & MNEMO_WRITE_ORDERED))
        return MNEMO_OK;
    if (a->cas_new == 0)
        return set_error(MNEMO_INVALID, "an ordered write needs its version (cas_new)");
    if (!whole_item || (a->cas_in != 0 && !is_delete) ||
        (a->opts & (MNEMO_WRITE_INVALIDATE | MNEMO_WRITE_ADVANCE)))
        return set_error(MNEMO_INVALID, "only a plain set or delete can be an ordered write");
    return MNEMO_OK;
}

static void count(uint64_t *counter) { __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED); }

#define READ_OPTS_ALL                                                                              \
    (MNEMO_READ_TOUCH | MNEMO_READ_VIVIFY | MNEMO_READ_RECACHE | MNEMO_READ_LEASE |                \
     MNEMO_READ_EXPTIME_BEFORE_TOUCH | MNEMO_READ_TOUCH_BEFORE_VIVIFY |                         \
     MNEMO_READ_RECACHE_BEFORE_TOUCH | MNEMO_READ_NO_VALUE)
#define WRITE_OPTS_ALL                                                                             \
    (MNEMO_WRITE_INVALIDATE | MNEMO_WRITE_SET_EXPTIME | MNEMO_WRITE_STALE | MNEMO_WRITE_ORDERED |   \
     MNEMO_WRITE_ADVANCE)

static const mnemo_read_args plain_read;
static const mnemo_write_args plain_write;

/* Records a win: the next reader sees TOKEN_SENT (memcached's Z) and does not win again. The
 * bit is persisted before the reply, so a restart does not hand out a second token. */
static void token_send(mnemo_pool *pool, item *it)
{
    __atomic_fetch_or(&it->access_bits, ITEM_TOKEN_SENT, __ATOMIC_RELAXED);
    pool_persist(pool, &it->access_bits, sizeof it->access_bits);
}

/* memcached mg: a stale item nobody has won yet is won; with R, so is an item whose remaining
 * TTL (judged on `exptime`, the one R saw in the flags' order) is below the caller's threshold.
 * Only mg hands out wins in memcached: get, gat and the copies replication makes read without
 * LEASE and leave the token for the next mg. */
static bool read_wins(const mnemo_pool *pool, uint32_t exptime, uint32_t state,
                      const mnemo_read_args *a)
{
    if (!(a->opts & MNEMO_READ_LEASE) || (state & MNEMO_ITEM_TOKEN_SENT))
        return false;
    if (state & MNEMO_ITEM_STALE)
        return true;
    if (!(a->opts & MNEMO_READ_RECACHE) || a->recache_below <= 0)
        return false;
    return exptime != 0 && exptime < exptime_absolute(pool, a->recache_below);
}

/* mg N on a miss: an empty item (flags 0) whose first reader, this one, has won. It replaces
 * the tombstone `old` if there is one. */
static mnemo_status vivify(key_ctx *k, const mnemo_read_args *a, uint32_t old, uint32_t *ref_out)
{
    /* N and T both set the new item's exptime in memcached: the one written later decides. */
    bool touch_decides = (a->opts & MNEMO_READ_TOUCH) && !(a->opts & MNEMO_READ_TOUCH_BEFORE_VIVIFY);
    int64_t exptime = touch_decides ? a->touch_exptime : a->vivify_exptime;
    return write_version(k, old, NULL, 0, NULL, 0, 0, exptime_absolute(k->pool, exptime),
                         version_cas(k->pool, a->cas_new), MNEMO_ITEM_TOKEN_SENT, ref_out);
}

mnemo_status mnemo_get(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                       uint8_t *value_buf, uint32_t value_cap, uint32_t *value_len,
                       mnemo_item_info *info, const mnemo_read_args *args)
{
    const mnemo_read_args *a = args ? args : &plain_read;
    if (a->opts & ~(uint32_t)READ_OPTS_ALL)
        return set_error(MNEMO_INVALID, "unknown read options 0x%x", a->opts);
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    region_rt *rt = &pool->rt[region];
    count(&rt->cmd_get);
    uint32_t version = lookup_version(&k);
    uint32_t ref = live_item(pool, version) ? version : REF_NONE;
    uint32_t state;
    int64_t exptime_before = -1; /* with EXPTIME_BEFORE_TOUCH: the exptime the touch replaced */
    if (ref == REF_NONE) {
        if (!(a->opts & MNEMO_READ_VIVIFY)) {
            count(&rt->misses);
            key_leave(&k);
            return MNEMO_NOT_FOUND;
        }
        if ((st = vivify(&k, a, version, &ref)) != MNEMO_OK) {
            key_leave(&k);
            return st;
        }
        state = MNEMO_ITEM_VIVIFIED | MNEMO_ITEM_WON;
    } else {
        item *it = item_at(pool, ref);
        if (value_len)
            *value_len = it->value_len;
        if (!(a->opts & MNEMO_READ_NO_VALUE) &&
            (it->value_len > value_cap || (it->value_len && !value_buf))) {
            if (info)
                item_fill_info(it, info);
            key_leave(&k);
            return set_error(MNEMO_BUFFER_TOO_SMALL,
                             "value of %u bytes does not fit a %u-byte buffer", it->value_len,
                             value_cap);
        }
        uint32_t untouched = __atomic_load_n(&it->exptime, __ATOMIC_RELAXED);
        if (a->opts & MNEMO_READ_TOUCH) {
            if (a->opts & MNEMO_READ_EXPTIME_BEFORE_TOUCH)
                exptime_before = untouched;
            if ((st = touch_version(&k, &ref, exptime_absolute(pool, a->touch_exptime))) !=
                MNEMO_OK) {
                key_leave(&k);
                return st;
            }
        }
        it = item_at(pool, ref);
        state = item_state(it);
        uint32_t judged = (a->opts & MNEMO_READ_TOUCH) && (a->opts & MNEMO_READ_RECACHE_BEFORE_TOUCH)
                              ? untouched
                              : __atomic_load_n(&it->exptime, __ATOMIC_RELAXED);
        if (read_wins(pool, judged, state, a)) {
            token_send(pool, it);
            state |= MNEMO_ITEM_WON;
        }
    }
    item *it = item_at(pool, ref);
    if (value_len)
        *value_len = it->value_len;
    if (info) {
        item_fill_info(it, info);
        info->state = state;
        if (exptime_before >= 0)
            info->exptime = exptime_before;
    }
    if (it->value_len && !(a->opts & MNEMO_READ_NO_VALUE))
        memcpy(value_buf, item_value(it), it->value_len);
    item_mark_accessed(it, ITEM_FETCHED | ITEM_ACTIVE);
    uint32_t now = pool_now(pool);
    if (__atomic_load_n(&it->last_access, __ATOMIC_RELAXED) != now)
        __atomic_store_n(&it->last_access, now, __ATOMIC_RELAXED);
    count(&rt->hits); /* a vivified read counts as a hit, as in memcached */
    key_leave(&k);
    return MNEMO_OK;
}

/* memcached's do_store_item: the compare (C) upgrades set and replace to cas; add ignores it;
 * append and prepend compare plainly. */
static mnemo_status store_check(mnemo_store_mode mode, const item *old_it, uint64_t cas_in,
                                bool invalidate, bool *stale_out)
{
    *stale_out = false;
    if (mode == MNEMO_ADD)
        return old_it ? MNEMO_NOT_STORED : MNEMO_OK;
    bool compare = mode == MNEMO_CAS || cas_in != 0;
    if (!old_it)
        return compare && mode != MNEMO_APPEND && mode != MNEMO_PREPEND ? MNEMO_NOT_FOUND
               : mode == MNEMO_SET                                      ? MNEMO_OK
                                                                        : MNEMO_NOT_STORED;
    if (!compare || old_it->cas == cas_in)
        return MNEMO_OK;
    /* ms I: an older CAS still lands, as a stale value (memcached's CAS_ALLOW_STALE). */
    if (invalidate && cas_in != 0 && cas_in < old_it->cas && mode != MNEMO_APPEND &&
        mode != MNEMO_PREPEND) {
        *stale_out = true;
        return MNEMO_OK;
    }
    return MNEMO_EXISTS;
}

mnemo_status mnemo_store(mnemo_pool *pool, uint32_t region, mnemo_store_mode mode,
                         const uint8_t *key, uint32_t key_len, const uint8_t *value,
                         uint32_t value_len, uint32_t flags, int64_t exptime,
                         const mnemo_write_args *args, uint64_t *cas_out)
{
    const mnemo_write_args *a = args ? args : &plain_write;
    if ((unsigned)mode > MNEMO_CAS)
        return set_error(MNEMO_INVALID, "unknown store mode %d", (int)mode);
    if (value_len && !value)
        return set_error(MNEMO_INVALID, "value is NULL but value_len is %u", value_len);
    if (a->opts & ~(uint32_t)WRITE_OPTS_ALL)
        return set_error(MNEMO_INVALID, "unknown write options 0x%x", a->opts);
    mnemo_status st = check_ordered(a, false, mode == MNEMO_SET);
    if (st != MNEMO_OK)
        return st;
    key_ctx k = {0};
    if ((st = key_enter(&k, pool, region, key, key_len)) != MNEMO_OK)
        return st;
    count(&pool->rt[region].cmd_set);
    uint32_t old = lookup_version(&k);
    item *old_it = live_item(pool, old);
    bool stale_cas = false;
    st = superseded(pool, a, old) ? MNEMO_EXISTS
         : store_check(mode, old_it, a->cas_in, (a->opts & MNEMO_WRITE_INVALIDATE) != 0, &stale_cas);
    if (st == MNEMO_OK) {
        uint64_t cas = write_cas(pool, a, old);
        uint32_t state = (a->opts & MNEMO_WRITE_STALE) ? MNEMO_ITEM_STALE : 0;
        if (mode == MNEMO_APPEND)
            st = write_version(&k, old, item_value(old_it), old_it->value_len, value, value_len,
                               old_it->flags, old_it->exptime, cas, state, NULL);
        else if (mode == MNEMO_PREPEND)
            st = write_version(&k, old, value, value_len, item_value(old_it), old_it->value_len,
                               old_it->flags, old_it->exptime, cas, state, NULL);
        else if (stale_cas) /* keeps the item's TTL and a token already handed out */
            st = write_version(&k, old, value, value_len, NULL, 0, flags, old_it->exptime, cas,
                               MNEMO_ITEM_STALE | (item_state(old_it) & MNEMO_ITEM_TOKEN_SENT),
                               NULL);
        else
            st = write_version(&k, old, value, value_len, NULL, 0, flags,
                               exptime_absolute(pool, exptime), cas, state, NULL);
        if (st == MNEMO_OK && cas_out)
            *cas_out = cas;
    }
    key_leave(&k);
    return st;
}

mnemo_status mnemo_delete(mnemo_pool *pool, uint32_t region, const uint8_t *key, uint32_t key_len,
                          const mnemo_write_args *args)
{
    const mnemo_write_args *a = args ? args : &plain_write;
    if (a->opts & ~(uint32_t)WRITE_OPTS_ALL)
        return set_error(MNEMO_INVALID, "unknown write options 0x%x", a->opts);
    mnemo_status st = check_ordered(a, true, true);
    if (st != MNEMO_OK)
        return st;
    key_ctx k = {0};
    if ((st = key_enter(&k, pool, region, key, key_len)) != MNEMO_OK)
        return st;
    uint32_t ref = lookup_version(&k);
    item *it = live_item(pool, ref);
    if (a->opts & MNEMO_WRITE_ORDERED) {
        /* The tombstone replaces whatever version is older: NOT_FOUND says there was no item. */
        if (superseded(pool, a, ref) || (a->cas_in != 0 && (!it || it->cas != a->cas_in))) {
            st = it || a->cas_in == 0 ? MNEMO_EXISTS : MNEMO_NOT_FOUND;
        } else {
            int64_t ttl = (a->opts & MNEMO_WRITE_SET_EXPTIME) ? a->exptime : MNEMO_TOMBSTONE_TTL;
            st = write_version(&k, ref, NULL, 0, NULL, 0, 0, exptime_absolute(pool, ttl),
                               version_cas(pool, a->cas_new), STATE_TOMBSTONE, NULL);
            if (st == MNEMO_OK && !it)
                st = MNEMO_NOT_FOUND;
        }
    } else if (!it) {
        st = MNEMO_NOT_FOUND;
    } else if (a->cas_in != 0 && it->cas != a->cas_in) {
        st = MNEMO_EXISTS;
    } else if (a->opts & MNEMO_WRITE_INVALIDATE) {
        /* md I: the value stays, marked stale under a new CAS, and the next reader wins. */
        uint32_t exptime = (a->opts & MNEMO_WRITE_SET_EXPTIME) ? exptime_absolute(pool, a->exptime)
                                                               : it->exptime;
        st = write_version(&k, ref, item_value(it), it->value_len, NULL, 0, it->flags, exptime,
                           write_cas(pool, a, ref), MNEMO_ITEM_STALE, NULL);
    } else {
        store_unlink(pool, k.sh, k.hash, region, ref, current_epoch(&k));
    }
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
                         int decr, uint64_t delta, const mnemo_write_args *args,
                         uint64_t *value_out, uint64_t *cas_out)
{
    const mnemo_write_args *a = args ? args : &plain_write;
    if (a->opts & ~(uint32_t)MNEMO_WRITE_ADVANCE)
        return set_error(MNEMO_INVALID, "incr/decr take no write options but ADVANCE (0x%x)", a->opts);
    key_ctx k = {0};
    mnemo_status st = key_enter(&k, pool, region, key, key_len);
    if (st != MNEMO_OK)
        return st;
    uint32_t ref = lookup_version(&k);
    item *it = live_item(pool, ref);
    if (!it) {
        key_leave(&k);
        return MNEMO_NOT_FOUND;
    }
    if (a->cas_in != 0 && it->cas != a->cas_in) {
        key_leave(&k);
        return MNEMO_EXISTS;
    }
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
    /* memcached changes the item in place when the result fits, so its stale and token bits
     * stay; a longer result is a new item without them. */
    uint32_t state = n <= it->value_len ? item_state(it) : 0;
    uint64_t cas = write_cas(pool, a, ref);
    st = write_version(&k, ref, buf, len, NULL, 0, it->flags, it->exptime, cas, state, NULL);
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
    uint32_t ref = lookup_version(&k);
    if (!live_item(pool, ref))
        st = MNEMO_NOT_FOUND;
    else if ((st = touch_version(&k, &ref, exptime_absolute(pool, exptime))) == MNEMO_OK)
        item_mark_accessed(item_at(pool, ref), ITEM_ACTIVE); /* an access, as in memcached */
    key_leave(&k);
    return st;
}
