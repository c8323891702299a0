/* test_ordered.c — last-writer-wins writes (MNEMO_WRITE_ORDERED), tombstones and ADVANCE. */
#include "testutil.h"

static mnemo_pool *pool;
static uint32_t region;

#define K(s) (const uint8_t *)(s), (uint32_t)strlen(s)

static mnemo_status ordered_set(const char *k, const char *v, uint64_t version)
{
    mnemo_write_args a = {.cas_new = version, .opts = MNEMO_WRITE_ORDERED};
    return mnemo_store(pool, region, MNEMO_SET, K(k), (const uint8_t *)v, (uint32_t)strlen(v), 0, 0,
                       &a, NULL);
}

static mnemo_status ordered_delete(const char *k, uint64_t version, int64_t ttl)
{
    mnemo_write_args a = {.cas_new = version, .exptime = ttl,
                          .opts = MNEMO_WRITE_ORDERED | (ttl ? MNEMO_WRITE_SET_EXPTIME : 0)};
    return mnemo_delete(pool, region, K(k), &a);
}

static uint64_t cas_of(const char *k)
{
    mnemo_item_info info;
    uint8_t buf[64];
    uint32_t len;
    CHECK_ST(mnemo_get(pool, region, K(k), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    return info.cas;
}

static uint64_t items(void)
{
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(pool, region, &rs), MNEMO_OK);
    return rs.items;
}

static void newer_wins_in_any_order(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_set("k", "b", 200), MNEMO_OK);
    CHECK_ST(ordered_set("k", "a", 100), MNEMO_EXISTS); /* older: refused, nothing changes */
    CHECK(strcmp(test_get(pool, region, "k"), "b") == 0 && cas_of("k") == 200);
    CHECK_ST(ordered_set("k", "b", 200), MNEMO_EXISTS); /* the same version again */
    CHECK_ST(ordered_set("k", "c", 300), MNEMO_OK);
    CHECK(strcmp(test_get(pool, region, "k"), "c") == 0 && cas_of("k") == 300);
}

static void tombstone_refuses_older_writes(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_set("k", "a", 100), MNEMO_OK);
    CHECK_ST(ordered_delete("k", 50, 0), MNEMO_EXISTS); /* the set is newer than the delete */
    CHECK(test_get(pool, region, "k") != NULL);
    CHECK_ST(ordered_delete("k", 150, 0), MNEMO_OK);
    CHECK(test_get(pool, region, "k") == NULL);
    CHECK(items() == 0); /* a tombstone is no item */
    CHECK_ST(ordered_set("k", "late", 120), MNEMO_EXISTS); /* arrived after, ordered before */
    CHECK(test_get(pool, region, "k") == NULL);
    /* A delete that finds no item still leaves its version. */
    CHECK_ST(ordered_delete("fresh", 500, 0), MNEMO_NOT_FOUND);
    CHECK_ST(ordered_set("fresh", "x", 400), MNEMO_EXISTS);
    CHECK_ST(ordered_set("fresh", "y", 600), MNEMO_OK);
    CHECK(strcmp(test_get(pool, region, "fresh"), "y") == 0 && items() == 1);
}

static void tombstone_is_invisible_to_other_operations(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_set("k", "7", 100), MNEMO_OK);
    CHECK_ST(ordered_delete("k", 200, 0), MNEMO_OK);
    uint64_t v;
    CHECK_ST(mnemo_arith(pool, region, K("k"), 0, 1, NULL, &v, NULL), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_touch(pool, region, K("k"), 100), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_delete(pool, region, K("k"), NULL), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_store(pool, region, MNEMO_APPEND, K("k"), K("x"), 0, 0, NULL, NULL),
             MNEMO_NOT_STORED);
    CHECK_ST(mnemo_store(pool, region, MNEMO_ADD, K("k"), K("new"), 0, 0, NULL, NULL), MNEMO_OK);
    CHECK(strcmp(test_get(pool, region, "k"), "new") == 0 && items() == 1);
    /* A scan does not see tombstones. */
    CHECK_ST(ordered_delete("k", cas_of("k") + 1, 0), MNEMO_OK);
    CHECK(items() == 0);
}

static void tombstone_expires(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_delete("k", 1000, 5), MNEMO_NOT_FOUND);
    CHECK_ST(ordered_set("k", "a", 900), MNEMO_EXISTS);
    mnemo_clock_advance(pool, 10);
    CHECK_ST(ordered_set("k", "a", 900), MNEMO_OK); /* the delete is forgotten after its TTL */
    mnemo_clock_advance(pool, -10);
}

typedef struct seen_versions {
    int items, tombstones;
    uint64_t tombstone_cas;
    uint32_t tombstone_value_len;
} seen_versions;

static int count_version(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                         uint32_t value_len, const mnemo_item_info *info)
{
    seen_versions *seen = ctx;
    (void)key, (void)key_len, (void)value;
    if (info->state & MNEMO_ITEM_TOMBSTONE) {
        seen->tombstones++;
        seen->tombstone_cas = info->cas;
        seen->tombstone_value_len = value_len;
    } else {
        seen->items++;
    }
    return 0;
}

static void scan_versions_lists_tombstones(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_set("kept", "a", 100), MNEMO_OK);
    CHECK_ST(ordered_set("gone", "b", 100), MNEMO_OK);
    CHECK_ST(ordered_delete("gone", 300, 5), MNEMO_OK);
    seen_versions live = {0}, versions = {0};
    CHECK_ST(mnemo_region_scan(pool, region, 0, count_version, &live), MNEMO_OK);
    CHECK(live.items == 1 && live.tombstones == 0);
    CHECK_ST(mnemo_region_scan_versions(pool, region, count_version, &versions), MNEMO_OK);
    CHECK(versions.items == 1 && versions.tombstones == 1);
    CHECK(versions.tombstone_cas == 300 && versions.tombstone_value_len == 0);
    /* An expired tombstone is no version any more. */
    mnemo_clock_advance(pool, 10);
    seen_versions later = {0};
    CHECK_ST(mnemo_region_scan_versions(pool, region, count_version, &later), MNEMO_OK);
    CHECK(later.items == 1 && later.tombstones == 0);
    mnemo_clock_advance(pool, -10);
}

static void advance_raises_the_version(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(ordered_set("n", "1", 1000), MNEMO_OK);
    /* The write's proposed CAS is older than the item's: it is raised above it. */
    mnemo_write_args a = {.cas_new = 10, .opts = MNEMO_WRITE_ADVANCE};
    uint64_t v, cas;
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, &a, &v, &cas), MNEMO_OK);
    CHECK(v == 2 && cas == 1001 && cas_of("n") == 1001);
    a.cas_new = 5000;
    CHECK_ST(mnemo_store(pool, region, MNEMO_APPEND, K("n"), K("0"), 0, 0, &a, &cas), MNEMO_OK);
    CHECK(cas == 5000);
    /* Over a tombstone too, so the copy of an add is not refused by the delete it follows. */
    CHECK_ST(ordered_delete("t", 3000, 0), MNEMO_NOT_FOUND);
    a.cas_new = 20;
    CHECK_ST(mnemo_store(pool, region, MNEMO_ADD, K("t"), K("x"), 0, 0, &a, &cas), MNEMO_OK);
    CHECK(cas == 3001);
}

static void ordered_writes_reject_what_they_cannot_order(void)
{
    mnemo_write_args no_version = {.opts = MNEMO_WRITE_ORDERED};
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, K("k"), K("v"), 0, 0, &no_version, NULL),
             MNEMO_INVALID);
    mnemo_write_args a = {.cas_new = 5, .opts = MNEMO_WRITE_ORDERED};
    CHECK_ST(mnemo_store(pool, region, MNEMO_APPEND, K("k"), K("v"), 0, 0, &a, NULL), MNEMO_INVALID);
    a.opts |= MNEMO_WRITE_INVALIDATE;
    CHECK_ST(mnemo_delete(pool, region, K("k"), &a), MNEMO_INVALID);
}

static void tombstones_survive_reopen(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", test_pool_path("ordered-reopen"));
    mnemo_pool *p = test_open(path, 16 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    mnemo_write_args del = {.cas_new = 700, .opts = MNEMO_WRITE_ORDERED};
    CHECK_ST(mnemo_delete(p, r, K("k"), &del), MNEMO_NOT_FOUND);
    mnemo_pool_close(p);
    mnemo_pool_options o = {.path = path, .device_mode = MNEMO_DEVICE_EMULATION};
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_OK);
    CHECK_ST(mnemo_region_find(p, "r", &r), MNEMO_OK);
    mnemo_write_args set = {.cas_new = 600, .opts = MNEMO_WRITE_ORDERED};
    CHECK_ST(mnemo_store(p, r, MNEMO_SET, K("k"), K("v"), 0, 0, &set, NULL), MNEMO_EXISTS);
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(p, r, &rs), MNEMO_OK);
    CHECK(rs.items == 0);
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", test_pool_path("ordered"));
    pool = test_open(path, 16 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "ordered", &region), MNEMO_OK);
    RUN(newer_wins_in_any_order);
    RUN(tombstone_refuses_older_writes);
    RUN(tombstone_is_invisible_to_other_operations);
    RUN(tombstone_expires);
    RUN(scan_versions_lists_tombstones);
    RUN(advance_raises_the_version);
    RUN(ordered_writes_reject_what_they_cannot_order);
    RUN(tombstones_survive_reopen);
    mnemo_pool_close(pool);
    unlink(path);
    return 0;
}
