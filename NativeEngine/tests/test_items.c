/* test_items.c — memcached item semantics. */
#include <time.h>

#include "testutil.h"

static mnemo_pool *pool;
static uint32_t region;

#define K(s) (const uint8_t *)(s), (uint32_t)strlen(s)

static mnemo_status store(mnemo_store_mode mode, const char *k, const char *v, uint32_t flags,
                          int64_t exptime, uint64_t cas_in, uint64_t *cas_out)
{
    mnemo_write_args a = {.cas_in = cas_in};
    return mnemo_store(pool, region, mode, K(k), (const uint8_t *)v, (uint32_t)strlen(v), flags,
                       exptime, &a, cas_out);
}

static mnemo_status del(const char *k, uint64_t cas_in)
{
    mnemo_write_args a = {.cas_in = cas_in};
    return mnemo_delete(pool, region, K(k), &a);
}

static const char *get(const char *k) { return test_get(pool, region, k); }

static void fresh(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
}

static void set_get_and_info(void)
{
    fresh();
    uint64_t cas = 0;
    CHECK_ST(store(MNEMO_SET, "a", "hello", 42, 0, 0, &cas), MNEMO_OK);
    mnemo_item_info info;
    uint8_t buf[16];
    uint32_t len = 0;
    CHECK_ST(mnemo_get(pool, region, K("a"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(len == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(info.flags == 42 && info.cas == cas && info.exptime == 0 && info.fetched == 0);
    CHECK(info.value_len == 5 && info.last_access > 0);
    CHECK_ST(mnemo_get(pool, region, K("a"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.fetched == 1);
    CHECK_ST(mnemo_get(pool, region, K("a"), buf, 2, &len, &info, NULL), MNEMO_BUFFER_TOO_SMALL);
    CHECK(len == 5 && info.value_len == 5);
    CHECK_ST(mnemo_get(pool, region, K("nope"), buf, sizeof buf, &len, NULL, NULL),
             MNEMO_NOT_FOUND);
    uint64_t cas2 = 0;
    CHECK_ST(store(MNEMO_SET, "a", "", 0, 0, 0, &cas2), MNEMO_OK); /* empty value is fine */
    CHECK(cas2 > cas);
    CHECK(strcmp(get("a"), "") == 0);
}

/* MNEMO_READ_NO_VALUE: a read for metadata (mg without v, a touch) copies nothing, needs no
 * buffer, and otherwise is a read: counted, marks the item fetched, touches. */
static void metadata_only_read(void)
{
    fresh();
    uint64_t cas = 0;
    CHECK_ST(store(MNEMO_SET, "big", "0123456789abcdef", 7, 0, 0, &cas), MNEMO_OK);
    mnemo_read_args a = {.opts = MNEMO_READ_NO_VALUE};
    mnemo_item_info info;
    uint8_t buf[4] = {'x', 'x', 'x', 'x'};
    uint32_t len = 0;
    CHECK_ST(mnemo_get(pool, region, K("big"), NULL, 0, &len, &info, &a), MNEMO_OK);
    CHECK(len == 16 && info.value_len == 16 && info.flags == 7 && info.cas == cas);
    CHECK(info.fetched == 0);
    CHECK_ST(mnemo_get(pool, region, K("big"), buf, sizeof buf, &len, &info, &a), MNEMO_OK);
    CHECK(len == 16 && info.fetched == 1 && memcmp(buf, "xxxx", 4) == 0);
    a.opts |= MNEMO_READ_TOUCH;
    a.touch_exptime = 1000;
    CHECK_ST(mnemo_get(pool, region, K("big"), NULL, 0, &len, &info, &a), MNEMO_OK);
    CHECK(info.exptime > 0 && info.cas == cas);
    CHECK_ST(mnemo_get(pool, region, K("nope"), NULL, 0, &len, &info, &a), MNEMO_NOT_FOUND);
    CHECK(strcmp(get("big"), "0123456789abcdef") == 0);
}

static void add_replace_append_prepend(void)
{
    fresh();
    CHECK_ST(store(MNEMO_REPLACE, "k", "x", 0, 0, 0, NULL), MNEMO_NOT_STORED);
    CHECK_ST(store(MNEMO_APPEND, "k", "x", 0, 0, 0, NULL), MNEMO_NOT_STORED);
    CHECK_ST(store(MNEMO_PREPEND, "k", "x", 0, 0, 0, NULL), MNEMO_NOT_STORED);
    CHECK(get("k") == NULL);
    CHECK_ST(store(MNEMO_ADD, "k", "mid", 5, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_ADD, "k", "other", 0, 0, 0, NULL), MNEMO_NOT_STORED);
    CHECK_ST(store(MNEMO_APPEND, "k", "-end", 9, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_PREPEND, "k", "start-", 9, 0, 0, NULL), MNEMO_OK);
    CHECK(strcmp(get("k"), "start-mid-end") == 0);
    mnemo_item_info info;
    uint8_t buf[32];
    uint32_t len;
    CHECK_ST(mnemo_get(pool, region, K("k"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.flags == 5); /* append keeps the item's flags */
    CHECK_ST(store(MNEMO_REPLACE, "k", "new", 1, 0, 0, NULL), MNEMO_OK);
    CHECK(strcmp(get("k"), "new") == 0);
}

static void cas_rules(void)
{
    fresh();
    uint64_t cas = 0, cas2 = 0;
    CHECK_ST(store(MNEMO_CAS, "c", "v", 0, 0, 1, NULL), MNEMO_NOT_FOUND);
    CHECK_ST(store(MNEMO_SET, "c", "v1", 0, 0, 0, &cas), MNEMO_OK);
    CHECK_ST(store(MNEMO_CAS, "c", "v2", 0, 0, cas + 1000, NULL), MNEMO_EXISTS);
    CHECK(strcmp(get("c"), "v1") == 0);
    CHECK_ST(store(MNEMO_CAS, "c", "v2", 0, 0, cas, &cas2), MNEMO_OK);
    CHECK(cas2 > cas && strcmp(get("c"), "v2") == 0);
    CHECK_ST(store(MNEMO_CAS, "c", "v3", 0, 0, cas, NULL), MNEMO_EXISTS); /* stale cas */
    CHECK_ST(store(MNEMO_SET, "c", "v3", 0, 0, cas, NULL), MNEMO_EXISTS);  /* meta-style cas */
    CHECK_ST(del("c", cas), MNEMO_EXISTS);
    CHECK_ST(del("c", cas2), MNEMO_OK);
    CHECK_ST(mnemo_delete(pool, region, K("c"), NULL), MNEMO_NOT_FOUND);
    CHECK(get("c") == NULL);
}

static void key_length_limits(void)
{
    fresh();
    char key[252];
    memset(key, 'k', sizeof key);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, (const uint8_t *)key, 250, (const uint8_t *)"v",
                         1, 0, 0, NULL, NULL), MNEMO_OK);
    uint8_t buf[4];
    uint32_t len;
    CHECK_ST(mnemo_get(pool, region, (const uint8_t *)key, 250, buf, 4, &len, NULL, NULL), MNEMO_OK);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, (const uint8_t *)key, 251, (const uint8_t *)"v",
                         1, 0, 0, NULL, NULL), MNEMO_BAD_KEY);
    CHECK_ST(mnemo_get(pool, region, (const uint8_t *)key, 251, buf, 4, &len, NULL, NULL),
             MNEMO_BAD_KEY);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, (const uint8_t *)key, 0, (const uint8_t *)"v", 1,
                         0, 0, NULL, NULL), MNEMO_BAD_KEY);
    CHECK_ST(mnemo_delete(pool, region, (const uint8_t *)key, 0, NULL), MNEMO_BAD_KEY);
    CHECK_ST(mnemo_store(pool, region, (mnemo_store_mode)17, K("x"), (const uint8_t *)"v", 1, 0, 0,
                         0, NULL), MNEMO_INVALID);
    CHECK_ST(mnemo_get(pool, 99, K("x"), buf, 4, &len, NULL, NULL), MNEMO_NOT_FOUND);
}

static void item_size_limit(void)
{
    fresh();
    uint32_t limit = MNEMO_ITEM_SIZE_MAX_DEFAULT;
    uint32_t fit = limit - 48 - 3;
    uint8_t *v = malloc(limit + 1);
    memset(v, 'v', limit + 1);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, K("big"), v, fit, 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, K("big"), v, fit + 1, 0, 0, 0, NULL),
             MNEMO_TOO_LARGE);
    CHECK(strstr(mnemo_last_error(), "too large") != NULL);
    CHECK_ST(mnemo_store(pool, region, MNEMO_APPEND, K("big"), v, 1, 0, 0, 0, NULL),
             MNEMO_TOO_LARGE);
    uint32_t len = 0;
    CHECK_ST(mnemo_get(pool, region, K("big"), v, limit, &len, NULL, NULL), MNEMO_OK);
    CHECK(len == fit); /* the failed writes lost nothing */
    free(v);
}

static void expiry_rules(void)
{
    fresh();
    CHECK_ST(store(MNEMO_SET, "rel", "v", 0, 10, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_SET, "abs", "v", 0, (int64_t)time(NULL) + 100, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_SET, "neg", "v", 0, -1, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_SET, "never", "v", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(store(MNEMO_SET, "past", "v", 0, 2592001, 0, NULL), MNEMO_OK); /* absolute, 1970 */
    CHECK(get("neg") == NULL);
    CHECK(get("past") == NULL);
    CHECK(get("rel") != NULL && get("abs") != NULL);
    mnemo_clock_advance(pool, 11);
    CHECK(get("rel") == NULL);
    CHECK(get("abs") != NULL);
    mnemo_clock_advance(pool, 100);
    CHECK(get("abs") == NULL);
    CHECK_ST(store(MNEMO_ADD, "rel", "again", 0, 0, 0, NULL), MNEMO_OK); /* expired = absent */
    mnemo_clock_advance(pool, 100000000);
    CHECK(get("never") != NULL);
    mnemo_clock_advance(pool, -100000111);
}

static void touch_and_get_and_touch(void)
{
    fresh();
    CHECK_ST(store(MNEMO_SET, "t", "v", 0, 10, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_touch(pool, region, K("t"), 100), MNEMO_OK);
    CHECK_ST(mnemo_touch(pool, region, K("missing"), 100), MNEMO_NOT_FOUND);
    mnemo_clock_advance(pool, 50);
    CHECK(get("t") != NULL);
    uint8_t buf[4];
    uint32_t len;
    mnemo_item_info info;
    mnemo_read_args touch = {.opts = MNEMO_READ_TOUCH, .touch_exptime = 5};
    CHECK_ST(mnemo_get(pool, region, K("t"), buf, sizeof buf, &len, &info, &touch), MNEMO_OK);
    CHECK(info.exptime > 0);
    mnemo_clock_advance(pool, 6);
    CHECK(get("t") == NULL);
    /* touch keeps the CAS */
    uint64_t cas = 0;
    CHECK_ST(store(MNEMO_SET, "t2", "v", 0, 0, 0, &cas), MNEMO_OK);
    CHECK_ST(mnemo_touch(pool, region, K("t2"), 1000), MNEMO_OK);
    CHECK_ST(mnemo_get(pool, region, K("t2"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.cas == cas && info.exptime > 0);
    mnemo_clock_advance(pool, -56);
}

static void incr_decr(void)
{
    fresh();
    uint64_t v = 0, cas = 0;
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, NULL, &v, NULL), MNEMO_NOT_FOUND);
    CHECK_ST(store(MNEMO_SET, "n", "10", 3, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 5, NULL, &v, &cas), MNEMO_OK);
    CHECK(v == 15 && cas > 0 && strcmp(get("n"), "15") == 0);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 1, 100, NULL, &v, NULL), MNEMO_OK);
    CHECK(v == 0 && strcmp(get("n"), "0 ") == 0); /* floors at 0, keeps length like memcached */
    CHECK_ST(store(MNEMO_SET, "n", "100", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 1, 1, NULL, &v, NULL), MNEMO_OK);
    CHECK(v == 99 && strcmp(get("n"), "99 ") == 0);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, NULL, &v, NULL), MNEMO_OK); /* "99 " parses */
    CHECK(v == 100 && strcmp(get("n"), "100") == 0);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 900, NULL, &v, NULL), MNEMO_OK);
    CHECK(v == 1000 && strcmp(get("n"), "1000") == 0); /* grows */
    CHECK_ST(store(MNEMO_SET, "n", "18446744073709551615", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 2, NULL, &v, NULL), MNEMO_OK);
    CHECK(v == 1); /* wraps at 2^64 */
    CHECK_ST(store(MNEMO_SET, "n", "18446744073709551616", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, NULL, &v, NULL), MNEMO_NON_NUMERIC);
    CHECK_ST(store(MNEMO_SET, "s", "abc", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("s"), 0, 1, NULL, &v, NULL), MNEMO_NON_NUMERIC);
    CHECK(strstr(mnemo_last_error(), "non-numeric") != NULL);
    CHECK_ST(store(MNEMO_SET, "s", "", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("s"), 1, 1, NULL, &v, NULL), MNEMO_NON_NUMERIC);
    mnemo_item_info info;
    uint8_t buf[8];
    uint32_t len;
    CHECK_ST(store(MNEMO_SET, "f", "7", 77, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("f"), 0, 1, NULL, &v, NULL), MNEMO_OK);
    CHECK_ST(mnemo_get(pool, region, K("f"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.flags == 77);
}

static void flush_now_and_delayed(void)
{
    fresh();
    CHECK_ST(store(MNEMO_SET, "a", "1", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK(get("a") == NULL);
    CHECK_ST(store(MNEMO_SET, "a", "1", 0, 0, 0, NULL), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 10), MNEMO_OK);
    CHECK(get("a") != NULL);
    CHECK_ST(store(MNEMO_SET, "b", "2", 0, 0, 0, NULL), MNEMO_OK);
    mnemo_clock_advance(pool, 11);
    CHECK(get("a") == NULL && get("b") == NULL);
    CHECK_ST(store(MNEMO_SET, "c", "3", 0, 0, 0, NULL), MNEMO_OK);
    CHECK(get("c") != NULL); /* stored after the flush time */
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(pool, region, &rs), MNEMO_OK);
    CHECK(rs.items == 1);
    mnemo_clock_advance(pool, -11);
}

/* Enough keys to grow every index shard several times, deletes that shift probe runs, and a
 * reopen that rebuilds the index from the pool: every key must stay findable, and no deleted
 * key may come back. */
static void index_keeps_every_key_through_growth_and_deletes(void)
{
    enum { KEYS = 100000 };
    const char *path = test_pool_path("index");
    mnemo_pool *p = test_open(path, 64 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    char k[32], v[32];
    for (int i = 0; i < KEYS; i++) {
        snprintf(k, sizeof k, "k%d", i);
        snprintf(v, sizeof v, "v%d", i);
        CHECK_ST(test_set(p, r, k, v), MNEMO_OK);
    }
    for (int i = 0; i < KEYS; i += 3) {
        snprintf(k, sizeof k, "k%d", i);
        CHECK_ST(mnemo_delete(p, r, (const uint8_t *)k, (uint32_t)strlen(k), NULL), MNEMO_OK);
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < KEYS; i++) {
            snprintf(k, sizeof k, "k%d", i);
            snprintf(v, sizeof v, "v%d", i);
            const char *got = test_get(p, r, k);
            if (i % 3 == 0)
                CHECK(got == NULL);
            else
                CHECK(got && strcmp(got, v) == 0);
        }
        mnemo_pool_close(p);
        p = test_reopen(path, 0);
        CHECK_ST(mnemo_region_find(p, "r", &r), MNEMO_OK);
    }
    mnemo_pool_stats s;
    CHECK_ST(mnemo_pool_stats_get(p, &s), MNEMO_OK);
    CHECK(s.items == KEYS - (KEYS + 2) / 3);
    mnemo_pool_close(p);
    unlink(path);
}

static void stats_count_operations(void)
{
    fresh();
    mnemo_region_stats before, after;
    CHECK_ST(mnemo_region_stats_get(pool, region, &before), MNEMO_OK);
    CHECK_ST(store(MNEMO_SET, "s1", "12345", 0, 0, 0, NULL), MNEMO_OK);
    CHECK(get("s1") != NULL);
    CHECK(get("s2") == NULL);
    CHECK_ST(mnemo_region_stats_get(pool, region, &after), MNEMO_OK);
    CHECK(after.items == 1 && after.item_bytes == 48 + 2 + 5);
    CHECK(after.hits == before.hits + 1 && after.misses == before.misses + 1);
    CHECK(after.cmd_set == before.cmd_set + 1 && after.cmd_get == before.cmd_get + 2);
    mnemo_slab_stats ss[256]; /* at most 255 slab classes */
    uint32_t n = 0;
    CHECK_ST(mnemo_slab_stats_get(pool, ss, 256, &n), MNEMO_OK);
    CHECK(n >= 1 && ss[0].chunk_size == 64 && ss[0].chunks_used >= 1 && ss[0].pages >= 1);
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; i++)
        used += ss[i].chunks_used * ss[i].chunk_size;
    mnemo_pool_stats ps;
    CHECK_ST(mnemo_pool_stats_get(pool, &ps), MNEMO_OK);
    CHECK(ps.bytes_used == used); /* slab accounting agrees with item accounting */
}

int main(void)
{
    char path[512]; /* test_pool_path's buffer is reused by the tests that make their own pool */
    snprintf(path, sizeof path, "%s", test_pool_path("items"));
    pool = test_open(path, 64 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "items", &region), MNEMO_OK);
    RUN(set_get_and_info);
    RUN(metadata_only_read);
    RUN(add_replace_append_prepend);
    RUN(cas_rules);
    RUN(key_length_limits);
    RUN(item_size_limit);
    RUN(expiry_rules);
    RUN(touch_and_get_and_touch);
    RUN(incr_decr);
    RUN(flush_now_and_delayed);
    RUN(stats_count_operations);
    RUN(index_keeps_every_key_through_growth_and_deletes);
    mnemo_pool_close(pool);
    unlink(path);
    return 0;
}
