/* test_snapshots.c — snapshot create/list/delete/restore, export/import, persistence. */
#include <fcntl.h>
#include <sys/stat.h>

#include "testutil.h"

typedef struct view { char entries[64][64]; int n; } view;

static int collect(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                   uint32_t value_len, const mnemo_item_info *info)
{
    view *v = ctx;
    (void)info;
    CHECK(v->n < 64);
    snprintf(v->entries[v->n++], 64, "%.*s=%.*s", (int)key_len, key, (int)value_len, value);
    return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

/* The region's view (live when snap == 0) as "k=v,k=v" in key order. */
static const char *show(mnemo_pool *p, uint32_t r, uint64_t snap)
{
    static char out[4096];
    view v = {.n = 0};
    CHECK_ST(mnemo_region_scan(p, r, snap, collect, &v), MNEMO_OK);
    qsort(v.entries, (size_t)v.n, sizeof v.entries[0], cmp);
    out[0] = '\0';
    for (int i = 0; i < v.n; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, v.entries[i]);
    }
    return out;
}

#define EXPECT_VIEW(p, r, snap, want)                                                          \
    do {                                                                                       \
        const char *got_ = show(p, r, snap);                                                   \
        if (strcmp(got_, want) != 0) {                                                         \
            fprintf(stderr, "\n%s:%d: view of snapshot %llu is '%s', expected '%s'\n",         \
                    __FILE__, __LINE__, (unsigned long long)(snap), got_, want);               \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

static mnemo_pool *pool;
static uint32_t region;
static uint64_t s1, s2;
static const char *pool_path;

/* live: a=3,c=1; s1: a=1,b=1; s2: a=2,c=1 */
static void build_history(void)
{
    CHECK_ST(test_set(pool, region, "a", "1"), MNEMO_OK);
    CHECK_ST(test_set(pool, region, "b", "1"), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_create(pool, region, &s1), MNEMO_OK);
    CHECK_ST(test_set(pool, region, "a", "2"), MNEMO_OK);
    CHECK_ST(mnemo_delete(pool, region, (const uint8_t *)"b", 1, NULL), MNEMO_OK);
    CHECK_ST(test_set(pool, region, "c", "1"), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_create(pool, region, &s2), MNEMO_OK);
    CHECK(s2 > s1);
    CHECK_ST(test_set(pool, region, "a", "3"), MNEMO_OK);
}

static void snapshots_see_their_epoch(void)
{
    build_history();
    EXPECT_VIEW(pool, region, 0, "a=3,c=1");
    EXPECT_VIEW(pool, region, s1, "a=1,b=1");
    EXPECT_VIEW(pool, region, s2, "a=2,c=1");
    mnemo_snapshot_info info[4];
    uint32_t n;
    CHECK_ST(mnemo_snapshot_list(pool, region, info, 4, &n), MNEMO_OK);
    CHECK(n == 2 && info[0].id == s1 && info[1].id == s2);
    CHECK(info[0].items == 2 && info[1].items == 2 && info[0].created_unix_ns > 0);
    CHECK(info[0].bytes == 2 * (48 + 1 + 1));
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(pool, region, &rs), MNEMO_OK);
    CHECK(rs.snapshots == 2 && rs.snapshot_retained_bytes == 3 * 64); /* a=1, b=1, a=2 */
    CHECK_ST(mnemo_region_scan(pool, region, 12345, collect, NULL), MNEMO_NOT_FOUND);
}

static void restore_keeps_other_snapshots(void)
{
    CHECK_ST(mnemo_snapshot_restore(pool, region, s1), MNEMO_OK);
    EXPECT_VIEW(pool, region, 0, "a=1,b=1");
    EXPECT_VIEW(pool, region, s2, "a=2,c=1");
    EXPECT_VIEW(pool, region, s1, "a=1,b=1");
    CHECK(strcmp(test_get(pool, region, "a"), "1") == 0);
    CHECK(test_get(pool, region, "c") == NULL);
    CHECK_ST(mnemo_snapshot_restore(pool, region, s2), MNEMO_OK);
    EXPECT_VIEW(pool, region, 0, "a=2,c=1");
    EXPECT_VIEW(pool, region, s1, "a=1,b=1");
    /* writes after a restore go on normally and do not leak into snapshots */
    CHECK_ST(test_set(pool, region, "d", "4"), MNEMO_OK);
    uint64_t s3;
    CHECK_ST(mnemo_snapshot_create(pool, region, &s3), MNEMO_OK);
    EXPECT_VIEW(pool, region, s3, "a=2,c=1,d=4");
    EXPECT_VIEW(pool, region, s2, "a=2,c=1");
    CHECK_ST(mnemo_snapshot_delete(pool, region, s3), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_restore(pool, region, 999), MNEMO_NOT_FOUND);
}

/* A restored item has the CAS it had when the snapshot was taken, also when it changed since. */
static void restore_keeps_the_snapshot_cas(void)
{
    uint64_t before = 0, after = 0, snap;
    const uint8_t *key = (const uint8_t *)"k";
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, key, 1, (const uint8_t *)"old", 3, 7, 0, NULL, &before), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_create(pool, region, &snap), MNEMO_OK);
    CHECK_ST(mnemo_store(pool, region, MNEMO_SET, key, 1, (const uint8_t *)"new", 3, 8, 0, NULL, &after), MNEMO_OK);
    CHECK(after > before);
    CHECK_ST(mnemo_snapshot_restore(pool, region, snap), MNEMO_OK);
    uint8_t value[8];
    uint32_t len = 0;
    mnemo_item_info info;
    CHECK_ST(mnemo_get(pool, region, key, 1, value, sizeof value, &len, &info, NULL), MNEMO_OK);
    CHECK(len == 3 && memcmp(value, "old", 3) == 0 && info.flags == 7 && info.cas == before);
    CHECK_ST(mnemo_delete(pool, region, key, 1, NULL), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_delete(pool, region, snap), MNEMO_OK);
}

static void snapshots_survive_reopen(void)
{
    mnemo_pool_stats before;
    CHECK_ST(mnemo_pool_stats_get(pool, &before), MNEMO_OK);
    mnemo_pool_close(pool);
    pool = test_reopen(pool_path, 0);
    mnemo_pool_stats after;
    CHECK_ST(mnemo_pool_stats_get(pool, &after), MNEMO_OK);
    CHECK(after.items == before.items && after.snapshots == before.snapshots);
    CHECK(after.snapshot_retained_bytes == before.snapshot_retained_bytes);
    CHECK(after.bytes_used == before.bytes_used);
    EXPECT_VIEW(pool, region, 0, "a=2,c=1,d=4");
    EXPECT_VIEW(pool, region, s1, "a=1,b=1");
    EXPECT_VIEW(pool, region, s2, "a=2,c=1");
    uint64_t s4;
    CHECK_ST(mnemo_snapshot_create(pool, region, &s4), MNEMO_OK);
    CHECK(s4 > s2);
    CHECK_ST(mnemo_snapshot_delete(pool, region, s4), MNEMO_OK);
}

static void delete_releases_versions(void)
{
    mnemo_region_stats before, after;
    CHECK_ST(mnemo_region_stats_get(pool, region, &before), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_delete(pool, region, s1), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_delete(pool, region, s1), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_region_stats_get(pool, region, &after), MNEMO_OK);
    CHECK(after.snapshot_retained_bytes < before.snapshot_retained_bytes);
    CHECK(after.bytes_used < before.bytes_used && after.snapshots == before.snapshots - 1);
    EXPECT_VIEW(pool, region, s2, "a=2,c=1");
}

static void export_import_round_trip(void)
{
    char file[600];
    snprintf(file, sizeof file, "%s.export", pool_path);
    CHECK_ST(mnemo_snapshot_export(pool, region, s2, file), MNEMO_OK);
    uint32_t other;
    CHECK_ST(mnemo_region_create(pool, "imported", &other), MNEMO_OK);
    CHECK_ST(test_set(pool, other, "stale", "x"), MNEMO_OK);
    uint64_t id;
    CHECK_ST(mnemo_snapshot_import(pool, other, file, &id), MNEMO_OK);
    EXPECT_VIEW(pool, other, 0, "a=2,c=1");
    EXPECT_VIEW(pool, other, id, "a=2,c=1");
    CHECK_ST(test_set(pool, other, "a", "9"), MNEMO_OK);
    EXPECT_VIEW(pool, other, id, "a=2,c=1");

    /* a damaged or truncated file is refused and changes nothing */
    struct stat sb;
    CHECK(stat(file, &sb) == 0);
    int fd = open(file, O_RDWR);
    unsigned char b;
    CHECK(pread(fd, &b, 1, sb.st_size - 1) == 1);
    b ^= 1;
    CHECK(pwrite(fd, &b, 1, sb.st_size - 1) == 1);
    close(fd);
    CHECK_ST(mnemo_snapshot_import(pool, other, file, &id), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "checksum") != NULL);
    CHECK(truncate(file, sb.st_size - 3) == 0);
    CHECK_ST(mnemo_snapshot_import(pool, other, file, &id), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "truncated") != NULL);
    EXPECT_VIEW(pool, other, 0, "a=9,c=1");
    CHECK_ST(mnemo_snapshot_export(pool, region, 777, file), MNEMO_NOT_FOUND);
    unlink(file);
}

static void import_into_another_pool(void)
{
    char file[600], path2[600];
    snprintf(file, sizeof file, "%s.export2", pool_path);
    snprintf(path2, sizeof path2, "%s.second", pool_path);
    unlink(path2);
    /* a bigger snapshot with binary values */
    uint32_t big;
    CHECK_ST(mnemo_region_create(pool, "big", &big), MNEMO_OK);
    uint8_t value[3000];
    for (int i = 0; i < 2000; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        for (size_t j = 0; j < sizeof value; j++)
            value[j] = (uint8_t)(i * 31 + j);
        CHECK_ST(mnemo_store(pool, big, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k), value,
                             (uint32_t)(i % 3000), (uint32_t)i, 0, NULL, NULL), MNEMO_OK);
    }
    uint64_t snap, max_cas = 0;
    CHECK_ST(mnemo_snapshot_create(pool, big, &snap), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_export(pool, big, snap, file), MNEMO_OK);
    uint64_t cas_of[2000];
    for (int i = 0; i < 2000; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        mnemo_item_info info;
        uint32_t len;
        uint8_t buf[3000];
        CHECK_ST(mnemo_get(pool, big, (const uint8_t *)k, (uint32_t)strlen(k), buf, sizeof buf,
                           &len, &info, NULL), MNEMO_OK);
        cas_of[i] = info.cas;
        max_cas = info.cas > max_cas ? info.cas : max_cas;
    }
    mnemo_pool *p2 = test_open(path2, 64 * MiB, 0);
    uint32_t r2;
    uint64_t id;
    CHECK_ST(mnemo_region_create(p2, "copy", &r2), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_import(p2, r2, file, &id), MNEMO_OK);
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(p2, r2, &rs), MNEMO_OK);
    CHECK(rs.items == 2000 && rs.snapshots == 1);
    uint8_t got[3000];
    for (int i = 0; i < 2000; i += 7) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        uint32_t len;
        mnemo_item_info info;
        CHECK_ST(mnemo_get(p2, r2, (const uint8_t *)k, (uint32_t)strlen(k), got, sizeof got, &len,
                           &info, NULL), MNEMO_OK);
        CHECK(len == (uint32_t)(i % 3000) && info.flags == (uint32_t)i);
        CHECK(info.cas == cas_of[i]); /* the file keeps every item's CAS */
        for (uint32_t j = 0; j < len; j++)
            CHECK(got[j] == (uint8_t)(i * 31 + j));
    }
    /* the importing pool's counter moved past the imported CAS values */
    uint64_t fresh_cas = 0;
    CHECK_ST(mnemo_store(p2, r2, MNEMO_SET, (const uint8_t *)"new", 3, (const uint8_t *)"v", 1, 0,
                         0, NULL, &fresh_cas), MNEMO_OK);
    CHECK(fresh_cas > max_cas);
    mnemo_pool_close(p2);
    unlink(path2);
    unlink(file);
}

/* An export of many buffers (the writer's ring goes round twice): the file's payload checksum is
 * the CRC32C of its bytes, its records are the snapshot's items in order of the file, whole, and
 * they import back. */
static void export_spans_many_buffers(void)
{
    enum { N = 12000, VALUE_MAX = 700 };
    char file[600], path2[600];
    snprintf(file, sizeof file, "%s.export3", pool_path);
    snprintf(path2, sizeof path2, "%s.third", pool_path);
    mnemo_pool *p = test_open(path2, 128 * MiB, 0);
    uint32_t r, copy;
    CHECK_ST(mnemo_region_create(p, "many", &r), MNEMO_OK);
    CHECK_ST(mnemo_region_create(p, "copy", &copy), MNEMO_OK);
    uint8_t value[VALUE_MAX];
    size_t value_bytes = 0;
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "m%05d", i);
        for (size_t j = 0; j < sizeof value; j++)
            value[j] = (uint8_t)(i * 131 + j * 7);
        uint32_t len = VALUE_MAX - (uint32_t)(i % 64);
        value_bytes += len;
        CHECK_ST(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, 6, value, len, (uint32_t)i, 0,
                             NULL, NULL), MNEMO_OK);
    }
    uint64_t snap, id;
    CHECK_ST(mnemo_snapshot_create(p, r, &snap), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_export(p, r, snap, file), MNEMO_OK);

    struct stat sb;
    CHECK(stat(file, &sb) == 0 && (uint64_t)sb.st_size > 8 * MiB);
    uint8_t *data = malloc((size_t)sb.st_size);
    int fd = open(file, O_RDONLY);
    CHECK(data && fd >= 0 && read(fd, data, (size_t)sb.st_size) == sb.st_size);
    close(fd);
    test_export_header h;
    memcpy(&h, data, sizeof h);
    CHECK(h.count == N && h.payload_bytes == (uint64_t)sb.st_size - sizeof h);
    CHECK(h.payload_bytes == N * (32 + 6) + value_bytes);
    CHECK(h.payload_crc == test_crc32c(data + sizeof h, h.payload_bytes));
    CHECK(h.header_crc == test_crc32c(&h, offsetof(test_export_header, header_crc)));
    free(data);

    CHECK_ST(mnemo_snapshot_import(p, copy, file, &id), MNEMO_OK);
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "m%05d", i);
        uint8_t got[VALUE_MAX];
        uint32_t len;
        mnemo_item_info info;
        CHECK_ST(mnemo_get(p, copy, (const uint8_t *)k, 6, got, sizeof got, &len, &info, NULL),
                 MNEMO_OK);
        CHECK(len == VALUE_MAX - (uint32_t)(i % 64) && info.flags == (uint32_t)i);
        for (uint32_t j = 0; j < len; j++)
            CHECK(got[j] == (uint8_t)(i * 131 + j * 7));
    }
    mnemo_pool_close(p);
    unlink(path2);
    unlink(file);
}

static void snapshot_table_limit(void)
{
    uint32_t r;
    CHECK_ST(mnemo_region_create(pool, "many", &r), MNEMO_OK);
    uint64_t id;
    int made = 0;
    mnemo_status st;
    while ((st = mnemo_snapshot_create(pool, r, &id)) == MNEMO_OK)
        made++;
    CHECK_ST(st, MNEMO_LIMIT);
    CHECK(made == 32);
}

int main(void)
{
    pool_path = strdup(test_pool_path("snapshots"));
    pool = test_open(pool_path, 64 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "snaps", &region), MNEMO_OK);
    RUN(snapshots_see_their_epoch);
    RUN(restore_keeps_other_snapshots);
    RUN(restore_keeps_the_snapshot_cas);
    RUN(snapshots_survive_reopen);
    RUN(delete_releases_versions);
    RUN(export_import_round_trip);
    RUN(import_into_another_pool);
    RUN(export_spans_many_buffers);
    RUN(snapshot_table_limit);
    mnemo_pool_close(pool);
    unlink(pool_path);
    free((void *)pool_path);
    return 0;
}
