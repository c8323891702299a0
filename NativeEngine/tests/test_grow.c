/* test_grow.c — growing a pool while it serves: data, regions and the base stay; the new pages
 * serve; shrinking, growing past the page table and devdax are refused; a grow interrupted after
 * staging its header is finished by the next open. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

#define KEY_FMT "key-%06u"

static char value_4k[4096];

static mnemo_status put(mnemo_pool *p, uint32_t r, uint32_t i)
{
    char key[32];
    int n = snprintf(key, sizeof key, KEY_FMT, i);
    memset(value_4k, 'a' + (int)(i % 26), sizeof value_4k);
    return mnemo_store(p, r, MNEMO_SET, (const uint8_t *)key, (uint32_t)n, (const uint8_t *)value_4k,
                       sizeof value_4k, i, 0, NULL, NULL);
}

static void check_item(mnemo_pool *p, uint32_t r, uint32_t i)
{
    char key[32];
    int n = snprintf(key, sizeof key, KEY_FMT, i);
    uint8_t buf[sizeof value_4k];
    uint32_t len = 0;
    mnemo_item_info info;
    CHECK_ST(mnemo_get(p, r, (const uint8_t *)key, (uint32_t)n, buf, sizeof buf, &len, &info, NULL),
             MNEMO_OK);
    CHECK(len == sizeof value_4k && info.flags == i && buf[0] == 'a' + (int)(i % 26) &&
          buf[len - 1] == buf[0]);
}

/* Fills the region until the pool refuses (no eviction); the number of items stored. */
static uint32_t fill(mnemo_pool *p, uint32_t r, uint32_t from)
{
    uint32_t i = from;
    mnemo_status st;
    while ((st = put(p, r, i)) == MNEMO_OK)
        i++;
    CHECK(st == MNEMO_NO_MEMORY);
    return i;
}

typedef struct reader_args {
    mnemo_pool *pool;
    uint32_t region, items;
    atomic_bool stop;
    atomic_ulong reads;
} reader_args;

static void *reader(void *arg)
{
    reader_args *a = arg;
    for (uint32_t i = 0; !atomic_load(&a->stop); i = (i + 1) % a->items) {
        check_item(a->pool, a->region, i);
        atomic_fetch_add(&a->reads, 1);
    }
    return NULL;
}

static void grows_while_serving_and_keeps_everything(void)
{
    const char *path = test_pool_path("grow");
    mnemo_pool *p = test_open(path, 16 * MiB, MNEMO_OPEN_NO_EVICT);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "default", &r), MNEMO_OK);
    uint32_t before = fill(p, r, 0);
    CHECK(before > 1000);
    mnemo_pool_stats small;
    CHECK_ST(mnemo_pool_stats_get(p, &small), MNEMO_OK);

    /* A reader keeps reading every stored item from another thread while the pool grows. */
    reader_args args = {.pool = p, .region = r, .items = before};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, reader, &args) == 0);
    while (atomic_load(&args.reads) < 1000)
        usleep(100);
    CHECK_ST(mnemo_pool_grow(p, 48 * MiB), MNEMO_OK);
    unsigned long at_grow = atomic_load(&args.reads);
    while (atomic_load(&args.reads) < at_grow + 1000)
        usleep(100);
    atomic_store(&args.stop, true);
    CHECK(pthread_join(t, NULL) == 0);

    mnemo_pool_stats grown;
    CHECK_ST(mnemo_pool_stats_get(p, &grown), MNEMO_OK);
    CHECK(grown.capacity == 48 * MiB && grown.items == before);
    CHECK(grown.data_capacity == small.data_capacity + 32 * MiB);
    uint32_t after = fill(p, r, before);
    CHECK(after - before > (32 * MiB / 2) / sizeof value_4k); /* the new pages serve */
    for (uint32_t i = 0; i < after; i++)
        check_item(p, r, i);

    /* the same capacity changes nothing; less is refused; so is more than the page table holds */
    CHECK_ST(mnemo_pool_grow(p, 48 * MiB), MNEMO_OK);
    CHECK_ST(mnemo_pool_grow(p, 32 * MiB), MNEMO_INVALID);
    CHECK(strstr(mnemo_last_error(), "cannot shrink") != NULL);
    CHECK_ST(mnemo_pool_grow(p, 64ull * 1024 * MiB), MNEMO_INVALID);
    CHECK(strstr(mnemo_last_error(), "at most") != NULL);
    mnemo_pool_close(p);

    /* reopened: the grown size, every item, the region */
    p = test_reopen(path, MNEMO_OPEN_NO_EVICT);
    uint32_t r2;
    CHECK_ST(mnemo_region_find(p, "default", &r2), MNEMO_OK);
    CHECK(r2 == r);
    CHECK_ST(mnemo_pool_stats_get(p, &grown), MNEMO_OK);
    CHECK(grown.capacity == 48 * MiB && grown.items == after);
    for (uint32_t i = 0; i < after; i++)
        check_item(p, r, i);
    /* and it grows again, to 16 times its created capacity (the least the page table allows) */
    CHECK_ST(mnemo_pool_grow(p, 16 * 16 * MiB), MNEMO_OK);
    CHECK(fill(p, r, after) > after);
    mnemo_pool_close(p);
    unlink(path);
}

/* A crash after the grown header was staged but before it replaced the header: the staged header
 * is written where the grow writes it (POOL_GROW_OFFSET = 2112), the header left as it was. */
static void open_finishes_a_grow_interrupted_after_staging(void)
{
    const char *path = test_pool_path("grow-staged");
    mnemo_pool *p = test_open(path, 16 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "default", &r), MNEMO_OK);
    CHECK_ST(put(p, r, 7), MNEMO_OK);
    mnemo_pool_close(p);

    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    uint8_t old_header[2048];
    CHECK(pread(fd, old_header, sizeof old_header, 0) == (ssize_t)sizeof old_header);
    close(fd);

    p = test_reopen(path, 0);
    CHECK_ST(mnemo_pool_grow(p, 32 * MiB), MNEMO_OK);
    mnemo_pool_close(p);
    fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    uint8_t new_header[2048];
    CHECK(pread(fd, new_header, sizeof new_header, 0) == (ssize_t)sizeof new_header);
    CHECK(memcmp(old_header, new_header, sizeof old_header) != 0);
    CHECK(pwrite(fd, new_header, 256, 2112) == 256);
    CHECK(pwrite(fd, old_header, sizeof old_header, 0) == (ssize_t)sizeof old_header);
    close(fd);

    p = test_reopen(path, 0);
    mnemo_pool_stats s;
    CHECK_ST(mnemo_pool_stats_get(p, &s), MNEMO_OK);
    CHECK(s.capacity == 32 * MiB && s.items == 1);
    check_item(p, r, 7);
    mnemo_pool_close(p);

    /* a staged header of another pool (another UUID) is ignored */
    fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    new_header[16] ^= 0xff; /* a uuid byte; the checksum no longer matches either */
    CHECK(pwrite(fd, new_header, 256, 2112) == 256);
    CHECK(pwrite(fd, old_header, sizeof old_header, 0) == (ssize_t)sizeof old_header);
    close(fd);
    p = test_reopen(path, 0);
    CHECK_ST(mnemo_pool_stats_get(p, &s), MNEMO_OK);
    CHECK(s.capacity == 16 * MiB && s.items == 1);
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    RUN(grows_while_serving_and_keeps_everything);
    RUN(open_finishes_a_grow_interrupted_after_staging);
    return 0;
}
