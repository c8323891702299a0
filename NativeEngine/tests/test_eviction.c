/* test_eviction.c — eviction per slab class (CLOCK: recently accessed items get a second
 * chance), NO_EVICT, snapshots pinning items, and staged restore copies never being victims. */
#include "testutil.h"

#define VALUE_LEN 1000
static uint8_t value[VALUE_LEN];

static mnemo_status put_expiring(mnemo_pool *p, uint32_t r, int i, int64_t exptime)
{
    char k[32];
    snprintf(k, sizeof k, "key-%06d", i);
    return mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k), value, VALUE_LEN,
                       0, exptime, NULL, NULL);
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
    /* key n-1 took key 0's chunk, so the clock hand now points at key 1. Keys 1 and 2 were
     * read since: the hand clears their bits and takes 3, then 4. */
    CHECK(present(p, r, 1));
    CHECK_ST(put(p, r, n), MNEMO_OK);
    CHECK(present(p, r, 1));
    CHECK_ST(put(p, r, n + 1), MNEMO_OK);
    CHECK(present(p, r, 1) && present(p, r, n) && present(p, r, n + 1));
    CHECK(!present(p, r, 3) && !present(p, r, 4));
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(p, r, &rs), MNEMO_OK);
    CHECK(rs.evictions == 3);
    mnemo_slab_stats ss[256]; /* at most 255 slab classes */
    uint32_t cnt;
    CHECK_ST(mnemo_slab_stats_get(p, ss, 256, &cnt), MNEMO_OK);
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
    /* the hand points at key 1; key 3, a few chunks ahead, has expired */
    mnemo_clock_advance(p, 6);
    uint64_t before = evictions(p);
    CHECK_ST(put(p, r, n), MNEMO_OK);
    CHECK(evictions(p) == before); /* reclaimed, not evicted */
    CHECK(!present(p, r, 3));
    CHECK(present(p, r, 1) && present(p, r, 2) && present(p, r, n));
    mnemo_pool_close(p);
    unlink(path);
}

static void recently_read_items_survive_a_round_of_evictions(void)
{
    const char *path = test_pool_path("second-chance");
    mnemo_pool *p = test_open(path, 8 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    int n = fill_until_eviction(p, r);
    int half = n / 2;
    for (int i = 1; i < half; i += 2)
        CHECK(present(p, r, i));
    /* as many new items as half the class: every unread old item of the first half goes */
    for (int i = 0; i < half; i++)
        CHECK_ST(put(p, r, n + i), MNEMO_OK);
    for (int i = 1; i < half; i++)
        CHECK(present(p, r, i) == (i % 2 == 1));
    for (int i = 0; i < half; i++)
        CHECK(present(p, r, n + i));
    CHECK(evictions(p) == 1 + (uint64_t)half);
    mnemo_pool_close(p);
    unlink(path);
}

#define BIG_LEN 200000
static uint8_t big[BIG_LEN];

static mnemo_status put_big(mnemo_pool *p, uint32_t r, const char *k, uint8_t fill)
{
    memset(big, fill, sizeof big);
    return mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k), big, BIG_LEN, 0,
                       0, NULL, NULL);
}

/* True when k holds BIG_LEN bytes of `fill`. */
static bool holds_big(mnemo_pool *p, uint32_t r, const char *k, uint8_t fill)
{
    uint32_t len = 0;
    memset(big, 0, sizeof big);
    mnemo_status st = mnemo_get(p, r, (const uint8_t *)k, (uint32_t)strlen(k), big, BIG_LEN, &len,
                                NULL, NULL);
    if (st != MNEMO_OK || len != BIG_LEN)
        return false;
    for (uint32_t i = 0; i < BIG_LEN; i++)
        if (big[i] != fill)
            return false;
    return true;
}

/* A restore publishes its copies before they become live; when the class is full, staging the
 * second copy must not evict the first (it would commit a restore that lost an item). Here the
 * only evictable item is z, so the restore fails cleanly, and succeeds once room is made. */
static void restore_copies_are_never_victims(void)
{
    const char *path = test_pool_path("staged");
    mnemo_pool *p = test_open(path, 8 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    CHECK_ST(put_big(p, r, "a", 'a'), MNEMO_OK);
    CHECK_ST(put_big(p, r, "b", 'b'), MNEMO_OK);
    uint64_t s1, s2;
    CHECK_ST(mnemo_snapshot_create(p, r, &s1), MNEMO_OK);
    CHECK_ST(mnemo_delete(p, r, (const uint8_t *)"a", 1, NULL), MNEMO_OK); /* retained for s1 */
    CHECK_ST(mnemo_delete(p, r, (const uint8_t *)"b", 1, NULL), MNEMO_OK);
    char k[32];
    int n = 0;
    while (evictions(p) == 0) {
        snprintf(k, sizeof k, "c-%d", n++);
        CHECK_ST(put_big(p, r, k, 'c'), MNEMO_OK);
        CHECK(n < 1000);
    }
    /* the class is full: free one chunk, pin every c in s2 and give the free chunk to z */
    snprintf(k, sizeof k, "c-%d", n - 1);
    CHECK_ST(mnemo_delete(p, r, (const uint8_t *)k, (uint32_t)strlen(k), NULL), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_create(p, r, &s2), MNEMO_OK);
    CHECK_ST(put_big(p, r, "z", 'z'), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_restore(p, r, s1), MNEMO_NO_MEMORY);
    CHECK(strstr(mnemo_last_error(), "snapshots retain") != NULL);
    CHECK(!holds_big(p, r, "a", 'a') && !holds_big(p, r, "b", 'b'));
    CHECK(holds_big(p, r, "c-1", 'c'));
    /* without s2 the c items are evictable: the restore goes through, both copies intact */
    CHECK_ST(mnemo_snapshot_delete(p, r, s2), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_restore(p, r, s1), MNEMO_OK);
    CHECK(holds_big(p, r, "a", 'a') && holds_big(p, r, "b", 'b'));
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
    CHECK_ST(mnemo_delete(p, r, (const uint8_t *)"key-000000", 10, NULL), MNEMO_OK);
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
    RUN(recently_read_items_survive_a_round_of_evictions);
    RUN(restore_copies_are_never_victims);
    RUN(no_evict_fails_with_no_memory);
    RUN(snapshot_pins_items_against_eviction);
    return 0;
}
