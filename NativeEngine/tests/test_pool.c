/* test_pool.c — create, reopen, header validation and capacity errors. */
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>

#include "testutil.h"

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f);
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static mnemo_status try_open(const char *path, uint64_t capacity, uint32_t flags)
{
    mnemo_pool_options o = {.path = path, .capacity = capacity,
                            .device_mode = MNEMO_DEVICE_EMULATION, .flags = flags};
    mnemo_pool *p = NULL;
    mnemo_status st = mnemo_pool_open(&o, &p);
    if (p)
        mnemo_pool_close(p);
    return st;
}

static void patch_byte(const char *path, long offset, unsigned char xor_mask)
{
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    unsigned char b;
    CHECK(pread(fd, &b, 1, offset) == 1);
    b ^= xor_mask;
    CHECK(pwrite(fd, &b, 1, offset) == 1);
    close(fd);
}

static void create_reopen_keeps_data_and_cas(void)
{
    const char *path = test_pool_path("reopen");
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "default", &r), MNEMO_OK);
    uint64_t cas1 = 0;
    CHECK_ST(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)"k", 1, (const uint8_t *)"v1", 2, 7, 0,
                         NULL, &cas1), MNEMO_OK);
    CHECK(cas1 > 0);
    mnemo_pool_close(p);

    p = test_reopen(path, 0);
    uint32_t r2;
    CHECK_ST(mnemo_region_find(p, "default", &r2), MNEMO_OK);
    CHECK(r2 == r);
    mnemo_item_info info;
    uint8_t buf[8];
    uint32_t len;
    CHECK_ST(mnemo_get(p, r, (const uint8_t *)"k", 1, buf, sizeof buf, &len, &info, NULL),
             MNEMO_OK);
    CHECK(len == 2 && memcmp(buf, "v1", 2) == 0 && info.flags == 7 && info.cas == cas1);
    uint64_t cas2 = 0;
    CHECK_ST(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)"k2", 2, (const uint8_t *)"x", 1, 0, 0,
                         NULL, &cas2), MNEMO_OK);
    CHECK(cas2 > cas1);
    mnemo_pool_stats ps;
    CHECK_ST(mnemo_pool_stats_get(p, &ps), MNEMO_OK);
    CHECK(ps.items == 2 && ps.regions == 1 && ps.capacity == 32 * MiB);
    CHECK(ps.recovery_ns > 0 && ps.data_capacity > 0 && ps.data_capacity < ps.capacity);
    CHECK(ps.item_size_max == MNEMO_ITEM_SIZE_MAX_DEFAULT);
    mnemo_pool_close(p);
    unlink(path);
}

static void missing_pool_without_create_fails(void)
{
    const char *path = test_pool_path("missing");
    CHECK_ST(try_open(path, 32 * MiB, 0), MNEMO_IO);
    CHECK(strstr(mnemo_last_error(), path) != NULL);
}

static void foreign_file_rejected(void)
{
    const char *path = test_pool_path("foreign");
    char junk[8192];
    memset(junk, 'x', sizeof junk);
    write_file(path, junk, sizeof junk);
    CHECK_ST(try_open(path, 0, 0), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "not a Mnemo pool") != NULL);
    CHECK_ST(try_open(path, 32 * MiB, MNEMO_OPEN_CREATE), MNEMO_CORRUPT); /* never overwritten */
    write_file(path, "MNEMO", 5);
    CHECK_ST(try_open(path, 0, 0), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "truncated") != NULL);
    unlink(path);
}

static void truncated_pool_rejected(void)
{
    const char *path = test_pool_path("trunc");
    mnemo_pool_close(test_open(path, 32 * MiB, 0));
    CHECK(truncate(path, 16 * MiB) == 0);
    CHECK_ST(try_open(path, 0, 0), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "truncated") != NULL);
    unlink(path);
}

static void corrupted_header_rejected(void)
{
    const char *path = test_pool_path("corrupt");
    mnemo_pool_close(test_open(path, 32 * MiB, 0));
    patch_byte(path, 36, 0x5a); /* inside the checksummed capacity field */
    CHECK_ST(try_open(path, 0, 0), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "checksum") != NULL);
    unlink(path);
}

static void other_layout_version_rejected(void)
{
    const char *path = test_pool_path("version");
    mnemo_pool_close(test_open(path, 32 * MiB, 0));
    patch_byte(path, 8, 0x02); /* layout_version follows the 8-byte magic */
    CHECK_ST(try_open(path, 0, 0), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "layout version") != NULL);
    unlink(path);
}

static void capacity_errors_are_clear(void)
{
    const char *path = test_pool_path("huge");
    CHECK_ST(try_open(path, 1ull << 50, MNEMO_OPEN_CREATE), MNEMO_INVALID);
    CHECK(strstr(mnemo_last_error(), "exceeds") != NULL);
    struct stat sb;
    CHECK(stat(path, &sb) != 0); /* nothing left behind */
    CHECK_ST(try_open(path, 1 * MiB, MNEMO_OPEN_CREATE), MNEMO_INVALID);
    CHECK(strstr(mnemo_last_error(), "too small") != NULL);
    mnemo_pool_options o = {.path = path, .capacity = 32 * MiB, .flags = MNEMO_OPEN_CREATE,
                            .item_size_max = 100};
    mnemo_pool *p = NULL;
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_INVALID);
    o.device_mode = 9;
    o.item_size_max = 0;
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_INVALID);
    CHECK_ST(mnemo_pool_open(NULL, &p), MNEMO_INVALID);
}

static void item_size_limit_is_configurable(void)
{
    const char *path = test_pool_path("bigitems");
    mnemo_pool_options o = {.path = path, .capacity = 64 * MiB, .flags = MNEMO_OPEN_CREATE,
                            .item_size_max = 3 * MiB};
    mnemo_pool *p = NULL;
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_OK);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "r", &r), MNEMO_OK);
    uint32_t n = 2 * MiB;
    uint8_t *v = malloc(n);
    memset(v, 'b', n);
    CHECK_ST(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)"big", 3, v, n, 0, 0, NULL, NULL), MNEMO_OK);
    uint32_t len = 0;
    CHECK_ST(mnemo_get(p, r, (const uint8_t *)"big", 3, v, n, &len, NULL, NULL), MNEMO_OK);
    CHECK(len == n);
    free(v);
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    RUN(create_reopen_keeps_data_and_cas);
    RUN(missing_pool_without_create_fails);
    RUN(foreign_file_rejected);
    RUN(truncated_pool_rejected);
    RUN(corrupted_header_rejected);
    RUN(other_layout_version_rejected);
    RUN(capacity_errors_are_clear);
    RUN(item_size_limit_is_configurable);
    return 0;
}
