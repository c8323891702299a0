/* test_regions.c — independent keyspaces in one pool. */
#include "testutil.h"

typedef struct scan_acc { int items; size_t value_bytes; } scan_acc;

static int count_items(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                       uint32_t value_len, const mnemo_item_info *info)
{
    scan_acc *acc = ctx;
    (void)key;
    (void)value;
    (void)info;
    CHECK(key_len > 0);
    acc->items++;
    acc->value_bytes += value_len;
    return 0;
}

typedef struct reentry { mnemo_pool *pool; uint32_t region; int seen; } reentry;

/* A scan callback may use items of the region it scans, but not change its snapshots. */
static int reenter(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                   uint32_t value_len, const mnemo_item_info *info)
{
    reentry *r = ctx;
    (void)info;
    uint8_t buf[64];
    uint32_t len;
    CHECK_ST(mnemo_get(r->pool, r->region, key, key_len, buf, sizeof buf, &len, NULL, NULL),
             MNEMO_OK);
    CHECK(len == value_len && memcmp(buf, value, len) == 0);
    CHECK_ST(mnemo_store(r->pool, r->region, MNEMO_SET, (const uint8_t *)"written-in-scan", 15,
                         (const uint8_t *)"x", 1, 0, 0, NULL, NULL), MNEMO_OK);
    uint64_t id;
    CHECK_ST(mnemo_snapshot_create(r->pool, r->region, &id), MNEMO_INVALID);
    CHECK_ST(mnemo_flush(r->pool, r->region, 0), MNEMO_INVALID);
    r->seen++;
    return 0;
}

static void scan_callback_may_use_items(void)
{
    const char *path = test_pool_path("reenter");
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    CHECK_ST(test_set(p, r, "a", "1"), MNEMO_OK);
    CHECK_ST(test_set(p, r, "b", "2"), MNEMO_OK);
    uint64_t snap;
    CHECK_ST(mnemo_snapshot_create(p, r, &snap), MNEMO_OK);
    reentry ctx = {p, r, 0};
    CHECK_ST(mnemo_region_scan(p, r, snap, reenter, &ctx), MNEMO_OK);
    CHECK(ctx.seen == 2);
    CHECK(test_get(p, r, "written-in-scan") != NULL);
    CHECK_ST(mnemo_snapshot_create(p, r, &snap), MNEMO_OK); /* the region is free again */
    mnemo_pool_close(p);
    unlink(path);
}

static void regions_are_isolated(void)
{
    const char *path = test_pool_path("regions");
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t a, b, again;
    CHECK_ST(mnemo_region_create(p, "alpha", &a), MNEMO_OK);
    CHECK_ST(mnemo_region_create(p, "beta", &b), MNEMO_OK);
    CHECK(a != b);
    CHECK_ST(mnemo_region_create(p, "alpha", &again), MNEMO_EXISTS);
    CHECK_ST(mnemo_region_find(p, "beta", &again), MNEMO_OK);
    CHECK(again == b);
    CHECK_ST(mnemo_region_find(p, "gamma", &again), MNEMO_NOT_FOUND);
    CHECK_ST(test_set(p, a, "k", "from-a"), MNEMO_OK);
    CHECK_ST(test_set(p, b, "k", "from-b"), MNEMO_OK);
    CHECK_ST(test_set(p, b, "only-b", "x"), MNEMO_OK);
    CHECK(strcmp(test_get(p, a, "k"), "from-a") == 0);
    CHECK(strcmp(test_get(p, b, "k"), "from-b") == 0);
    CHECK(test_get(p, a, "only-b") == NULL);
    mnemo_region_stats sa, sb;
    CHECK_ST(mnemo_region_stats_get(p, a, &sa), MNEMO_OK);
    CHECK_ST(mnemo_region_stats_get(p, b, &sb), MNEMO_OK);
    CHECK(sa.items == 1 && sb.items == 2 && strcmp(sa.name, "alpha") == 0);
    CHECK_ST(mnemo_flush(p, a, 0), MNEMO_OK);
    CHECK(test_get(p, a, "k") == NULL);
    CHECK(strcmp(test_get(p, b, "k"), "from-b") == 0);
    uint64_t snap;
    CHECK_ST(mnemo_snapshot_create(p, b, &snap), MNEMO_OK);
    CHECK_ST(mnemo_region_stats_get(p, a, &sa), MNEMO_OK);
    CHECK(sa.snapshots == 0);
    mnemo_region_stats list[8];
    uint32_t n;
    CHECK_ST(mnemo_region_list(p, list, 8, &n), MNEMO_OK);
    CHECK(n == 2 && list[0].id == a && list[1].id == b && list[1].snapshots == 1);
    scan_acc acc = {0};
    CHECK_ST(mnemo_region_scan(p, b, 0, count_items, &acc), MNEMO_OK);
    CHECK(acc.items == 2 && acc.value_bytes == 7);
    mnemo_pool_close(p);
    unlink(path);
}

static void drop_frees_items_and_snapshots(void)
{
    const char *path = test_pool_path("drop");
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t keep, gone;
    CHECK_ST(mnemo_region_create(p, "keep", &keep), MNEMO_OK);
    CHECK_ST(mnemo_region_create(p, "gone", &gone), MNEMO_OK);
    CHECK_ST(test_set(p, keep, "k", "v"), MNEMO_OK);
    mnemo_pool_stats before, after;
    CHECK_ST(mnemo_pool_stats_get(p, &before), MNEMO_OK);
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        CHECK_ST(test_set(p, gone, k, "value"), MNEMO_OK);
    }
    uint64_t snap;
    CHECK_ST(mnemo_snapshot_create(p, gone, &snap), MNEMO_OK);
    CHECK_ST(test_set(p, gone, "k1", "changed"), MNEMO_OK); /* a retained version too */
    CHECK_ST(mnemo_region_drop(p, gone), MNEMO_OK);
    CHECK_ST(mnemo_pool_stats_get(p, &after), MNEMO_OK);
    CHECK(after.items == 1 && after.bytes_used == before.bytes_used && after.snapshots == 0);
    CHECK(after.snapshot_retained_bytes == 0 && after.regions == 1);
    uint32_t reborn_probe;
    CHECK_ST(test_set(p, gone, "k", "v"), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_region_find(p, "gone", &reborn_probe), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_region_drop(p, gone), MNEMO_NOT_FOUND);
    uint32_t reborn;
    CHECK_ST(mnemo_region_create(p, "gone", &reborn), MNEMO_OK);
    CHECK(test_get(p, reborn, "k1") == NULL);
    mnemo_pool_close(p);
    /* the drop is durable */
    p = test_reopen(path, 0);
    CHECK_ST(mnemo_pool_stats_get(p, &after), MNEMO_OK);
    CHECK(after.items == 1 && after.regions == 2);
    CHECK(strcmp(test_get(p, keep, "k"), "v") == 0);
    mnemo_pool_close(p);
    unlink(path);
}

static void region_limits(void)
{
    const char *path = test_pool_path("rlimits");
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t id;
    char name[80];
    memset(name, 'n', 64);
    name[64] = '\0';
    CHECK_ST(mnemo_region_create(p, name, &id), MNEMO_INVALID);
    name[63] = '\0';
    CHECK_ST(mnemo_region_create(p, name, &id), MNEMO_OK); /* 63 bytes is fine */
    CHECK_ST(mnemo_region_create(p, "", &id), MNEMO_INVALID);
    for (int i = 1; i < 64; i++) {
        snprintf(name, sizeof name, "r%d", i);
        CHECK_ST(mnemo_region_create(p, name, &id), MNEMO_OK);
    }
    CHECK_ST(mnemo_region_create(p, "one-too-many", &id), MNEMO_LIMIT);
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    RUN(regions_are_isolated);
    RUN(drop_frees_items_and_snapshots);
    RUN(region_limits);
    RUN(scan_callback_may_use_items);
    return 0;
}
