/* test_eviction.c — LRU eviction per slab class, NO_EVICT, and snapshots pinning items. */
#include "testutil.h"

#define VALUE_LEN 1000
static uint8_t value[VALUE_LEN];

static mnemo_status put_expiring(mnemo_pool *p, uint32_t r, int i, int64_t exptime)
{
    char k[32];
    snprintf(k, sizeof k, "key-%06d", i);
    return mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k), value, VALUE_LEN,
                       0, exptime, 0, NULL);
}

static mnemo_status put(mnemo_pool *p, uint32_t r, int i) { return put_expiring(p, r, i, 0); }

static bool present(mnemo_pool *p, uint32_t r, int i)
{
    char k[32];
    snprintf(k, sizeof k, "key-%06d", i);
    return test_get(p, r, k) != NULL;
}

static uint64_t evictions(mnemo_pool *p)
{
    mnemo_pool_stats s;
    CHECK_ST(mnemo_pool_stats_get(p, &s), MNEMO_OK);
    return s.evictions;
}

/* Stores keys until the first eviction (key `expiring` with a 5 s exptime); returns how many
 * were stored. */
static int fill_until_eviction_with(mnemo_pool *p, uint32_t r, int expiring)
{
    int i = 0;
    while (evictions(p) == 0) {
        CHECK_ST(put_expiring(p, r, i, i == expiring ? 5 : 0), MNEMO_OK);
        i++;
        CHECK(i < 100000);
    }
    return i;
}

static int fill_until_eviction(mnemo_pool *p, uint32_t r) { return fill_until_eviction_with(p, r, -1); }

static void evicts_least_recently_used(void)
{
    const char *path = test_pool_path("lru");
    mnemo_pool *p = test_open(path, 8 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    int n = fill_until_eviction(p, r);
    CHECK(!present(p, r, 0)); /* the oldest went first */
    CHECK(present(p, r, 1) && present(p, r, 2) && present(p, r, n - 1));
    /* key 1 was just read: the next victims are 2 and 3 (present() touched 1, 2 in order, so
     * touch 1 again to make 2 the least recent) */
    CHECK(present(p, r, 1));
    CHECK_ST(put(p, r, n), MNEMO_OK);
    CHECK(present(p, r, 1));
    CHECK_ST(put(p, r, n + 1), MNEMO_OK);
    CHECK(present(p, r, 1) && present(p, r, n) && present(p, r, n + 1));
    CHECK(!present(p, r, 3) && !present(p, r, 4));
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(p, r, &rs), MNEMO_OK);
    CHECK(rs.evictions == 3);
    mnemo_slab_stats ss[64];
    uint32_t cnt;
    CHECK_ST(mnemo_slab_stats_get(p, ss, 64, &cnt), MNEMO_OK);
    uint64_t class_ev = 0;
    for (uint32_t i = 0; i < cnt; i++)
        class_ev += ss[i].evictions;
    CHECK(class_ev == 3);
    mnemo_pool_close(p);
    unlink(path);
}

static void expired_items_go_before_live_ones(void)
{
    const char *path = test_pool_path("expired-first");
    mnemo_pool *p = test_open(path, 8 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    int n = fill_until_eviction_with(p, r, 3);
    /* LRU from the tail: 1, 2, 3, ...; key 3 expires */
    mnemo_clock_advance(p, 6);
    uint64_t before = evictions(p);
    CHECK_ST(put(p, r, n), MNEMO_OK);
    CHECK(evictions(p) == before); /* reclaimed, not evicted */
    CHECK(!present(p, r, 3));
    CHECK(present(p, r, 1) && present(p, r, 2) && present(p, r, n));
    mnemo_pool_close(p);
    unlink(path);
}

static void no_evict_fails_with_no_memory(void)
{
    const char *path = test_pool_path("noevict");
    mnemo_pool *p = test_open(path, 8 * MiB, MNEMO_OPEN_NO_EVICT);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    int i = 0;
    mnemo_status st;
    while ((st = put(p, r, i)) == MNEMO_OK)
        i++;
    CHECK_ST(st, MNEMO_NO_MEMORY);
    CHECK(strstr(mnemo_last_error(), "eviction is disabled") != NULL);
    CHECK(i > 100);
    for (int k = 0; k < i; k++)
        CHECK(present(p, r, k));
    CHECK(evictions(p) == 0);
    /* deleting frees a chunk that the next store reuses */
    CHECK_ST(mnemo_delete(p, r, (const uint8_t *)"key-000000", 10, 0), MNEMO_OK);
    CHECK_ST(put(p, r, i), MNEMO_OK);
    mnemo_pool_close(p);
    unlink(path);
}

static void snapshot_pins_items_against_eviction(void)
{
    const char *path = test_pool_path("pin");
    mnemo_pool *p = test_open(path, 8 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    int n = fill_until_eviction(p, r);
    uint64_t snap;
    CHECK_ST(mnemo_snapshot_create(p, r, &snap), MNEMO_OK);
    uint64_t before = evictions(p);
    CHECK_ST(put(p, r, n + 1), MNEMO_NO_MEMORY);
    CHECK(strstr(mnemo_last_error(), "snapshots retain") != NULL);
    CHECK(evictions(p) == before);
    /* every item the snapshot holds is still there */
    for (int i = 1; i < n; i++)
        CHECK(present(p, r, i));
    CHECK_ST(mnemo_snapshot_delete(p, r, snap), MNEMO_OK);
    CHECK_ST(put(p, r, n + 1), MNEMO_OK);
    CHECK(evictions(p) == before + 1);
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    memset(value, 'v', sizeof value);
    RUN(evicts_least_recently_used);
    RUN(expired_items_go_before_live_ones);
    RUN(no_evict_fails_with_no_memory);
    RUN(snapshot_pins_items_against_eviction);
    return 0;
}
