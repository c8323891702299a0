/*
 * test_concurrency.c — threads doing mixed operations while another takes and drops
 * snapshots. Invariants checked: every thread reads back its own last writes, counters agree
 * with the slabs, and each snapshot is a clean cut (its scan shows exactly the item count it
 * recorded at creation).
 */
#include <pthread.h>

#include "testutil.h"

#define WORKERS 4
#define KEYS_PER_WORKER 500
#define OPS_PER_WORKER 40000
#define SHARED_KEYS 64

static mnemo_pool *pool;
static uint32_t region;
static int stop_snapshots; /* atomic */

typedef struct worker {
    int id;
    int present[KEYS_PER_WORKER];
    uint32_t value_seed[KEYS_PER_WORKER];
} worker;

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint32_t make_value(uint32_t seed, uint8_t *buf)
{
    uint32_t len = 10 + seed % 900;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 7);
    return len;
}

static void *work(void *arg)
{
    worker *w = arg;
    uint32_t rnd = 0x9e3779b9u * (uint32_t)(w->id + 1);
    uint8_t value[1024], got[1024];
    char key[32];
    for (int op = 0; op < OPS_PER_WORKER; op++) {
        uint32_t r = next_rand(&rnd);
        int k = (int)(r % KEYS_PER_WORKER);
        snprintf(key, sizeof key, "w%d-%d", w->id, k);
        uint32_t klen = (uint32_t)strlen(key);
        switch ((r >> 12) % 8) {
        case 0: case 1: case 2: {
            uint32_t seed = next_rand(&rnd);
            uint32_t len = make_value(seed, value);
            CHECK_ST(mnemo_store(pool, region, MNEMO_SET, (const uint8_t *)key, klen, value, len,
                                 0, 0, NULL, NULL), MNEMO_OK);
            w->present[k] = 1;
            w->value_seed[k] = seed;
            break;
        }
        case 3:
            CHECK_ST(mnemo_delete(pool, region, (const uint8_t *)key, klen, NULL),
                     w->present[k] ? MNEMO_OK : MNEMO_NOT_FOUND);
            w->present[k] = 0;
            break;
        case 4: { /* shared counters: contention on the same keys */
            snprintf(key, sizeof key, "shared-%u", r % SHARED_KEYS);
            klen = (uint32_t)strlen(key);
            mnemo_status st = mnemo_arith(pool, region, (const uint8_t *)key, klen, 0, 1, NULL, NULL, NULL);
            if (st == MNEMO_NOT_FOUND)
                st = mnemo_store(pool, region, MNEMO_ADD, (const uint8_t *)key, klen,
                                 (const uint8_t *)"0", 1, 0, 0, NULL, NULL);
            CHECK(st == MNEMO_OK || st == MNEMO_NOT_STORED);
            break;
        }
        default: {
            uint32_t len = 0;
            mnemo_status st = mnemo_get(pool, region, (const uint8_t *)key, klen, got, sizeof got,
                                        &len, NULL, NULL);
            if (!w->present[k]) {
                CHECK_ST(st, MNEMO_NOT_FOUND);
                break;
            }
            CHECK_ST(st, MNEMO_OK);
            uint32_t want = make_value(w->value_seed[k], value);
            CHECK(len == want && memcmp(got, value, len) == 0);
        }
        }
    }
    return NULL;
}

static int count_cb(void *ctx, const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl,
                    const mnemo_item_info *info)
{
    (void)k; (void)kl; (void)v; (void)vl; (void)info;
    (*(uint64_t *)ctx)++;
    return 0;
}

static void *snapshots(void *arg)
{
    (void)arg;
    int rounds = 0;
    while (!__atomic_load_n(&stop_snapshots, __ATOMIC_ACQUIRE)) {
        uint64_t id;
        CHECK_ST(mnemo_snapshot_create(pool, region, &id), MNEMO_OK);
        mnemo_snapshot_info info[40];
        uint32_t n;
        CHECK_ST(mnemo_snapshot_list(pool, region, info, 40, &n), MNEMO_OK);
        uint64_t seen = 0;
        CHECK_ST(mnemo_region_scan(pool, region, id, count_cb, &seen), MNEMO_OK);
        CHECK(n >= 1 && info[n - 1].id == id && info[n - 1].items == seen);
        if (n > 3)
            CHECK_ST(mnemo_snapshot_delete(pool, region, info[0].id), MNEMO_OK);
        rounds++;
    }
    return (void *)(intptr_t)rounds;
}

static void mixed_operations_with_snapshots(void)
{
    const char *path = test_pool_path("concurrency");
    pool = test_open(path, 256 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "c", &region), MNEMO_OK);
    pthread_t th[WORKERS], snap;
    static worker workers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i].id = i;
        CHECK(pthread_create(&th[i], NULL, work, &workers[i]) == 0);
    }
    CHECK(pthread_create(&snap, NULL, snapshots, NULL) == 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    __atomic_store_n(&stop_snapshots, 1, __ATOMIC_RELEASE);
    void *rounds;
    pthread_join(snap, &rounds);
    printf("(%d snapshot rounds) ", (int)(intptr_t)rounds);
    CHECK((intptr_t)rounds > 0);

    /* every worker's keys read back as it last wrote them */
    uint64_t expected_items = 0;
    uint8_t value[1024], got[1024];
    char key[32];
    for (int i = 0; i < WORKERS; i++)
        for (int k = 0; k < KEYS_PER_WORKER; k++) {
            snprintf(key, sizeof key, "w%d-%d", i, k);
            uint32_t len = 0;
            mnemo_status st = mnemo_get(pool, region, (const uint8_t *)key, (uint32_t)strlen(key),
                                        got, sizeof got, &len, NULL, NULL);
            if (!workers[i].present[k]) {
                CHECK_ST(st, MNEMO_NOT_FOUND);
                continue;
            }
            CHECK_ST(st, MNEMO_OK);
            CHECK(len == make_value(workers[i].value_seed[k], value) && memcmp(got, value, len) == 0);
            expected_items++;
        }
    uint64_t live = 0;
    CHECK_ST(mnemo_region_scan(pool, region, 0, count_cb, &live), MNEMO_OK);
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(pool, region, &rs), MNEMO_OK);
    CHECK(rs.items == live && live >= expected_items && live <= expected_items + SHARED_KEYS);
    mnemo_slab_stats ss[256]; /* at most 255 slab classes */
    uint32_t n;
    CHECK_ST(mnemo_slab_stats_get(pool, ss, 256, &n), MNEMO_OK);
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; i++)
        used += ss[i].chunks_used * ss[i].chunk_size;
    CHECK(used == rs.bytes_used);
    mnemo_pool_close(pool);
    unlink(path);
}

/* ---- a small pool: eviction while other threads read, write and snapshot ---- */

/* Values average 1.6 KB, so the live set alone (about 13 MB) exceeds the 12 MiB pool: eviction
 * must happen even on a slow (sanitized) run where snapshots pin memory much of the time. */
#define SMALL_KEYS 8000

/* A value's bytes are a function of its key and length, so any value read can be checked. */
static uint32_t keyed_value(int key, uint32_t len_seed, uint8_t *buf)
{
    uint32_t len = 100 + len_seed % 3000;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(key * 131 + i);
    return len;
}

static void *churn(void *arg)
{
    uint32_t rnd = 0x1234567u * (uint32_t)((intptr_t)arg + 1);
    uint8_t value[4096], got[4096];
    char key[32];
    for (int op = 0; op < 20000; op++) {
        uint32_t r = next_rand(&rnd);
        int k = (int)(r % SMALL_KEYS);
        snprintf(key, sizeof key, "small-%d", k);
        uint32_t klen = (uint32_t)strlen(key);
        if (r & 1) {
            uint32_t len = keyed_value(k, next_rand(&rnd), value);
            mnemo_status st = mnemo_store(pool, region, MNEMO_SET, (const uint8_t *)key, klen,
                                          value, len, 0, 0, NULL, NULL);
            CHECK(st == MNEMO_OK || st == MNEMO_NO_MEMORY); /* NO_MEMORY while snapshots pin */
        } else {
            uint32_t len = 0;
            mnemo_status st = mnemo_get(pool, region, (const uint8_t *)key, klen, got, sizeof got,
                                        &len, NULL, NULL);
            CHECK(st == MNEMO_OK || st == MNEMO_NOT_FOUND);
            if (st == MNEMO_OK)
                for (uint32_t i = 0; i < len; i++)
                    CHECK(got[i] == (uint8_t)(k * 131 + i));
        }
    }
    return NULL;
}

static void *snapshot_churn(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop_snapshots, __ATOMIC_ACQUIRE)) {
        uint64_t id;
        CHECK_ST(mnemo_snapshot_create(pool, region, &id), MNEMO_OK);
        usleep(2000);
        CHECK_ST(mnemo_snapshot_delete(pool, region, id), MNEMO_OK);
        usleep(2000); /* and as long without one, when everything unpinned is evictable */
    }
    return NULL;
}

static void eviction_under_contention(void)
{
    const char *path = test_pool_path("evict-race");
    pool = test_open(path, 12 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "small", &region), MNEMO_OK);
    __atomic_store_n(&stop_snapshots, 0, __ATOMIC_RELEASE);
    pthread_t th[WORKERS], snap;
    for (intptr_t i = 0; i < WORKERS; i++)
        CHECK(pthread_create(&th[i], NULL, churn, (void *)i) == 0);
    CHECK(pthread_create(&snap, NULL, snapshot_churn, NULL) == 0);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    __atomic_store_n(&stop_snapshots, 1, __ATOMIC_RELEASE);
    pthread_join(snap, NULL);
    mnemo_pool_stats ps;
    CHECK_ST(mnemo_pool_stats_get(pool, &ps), MNEMO_OK);
    printf("(%llu evictions) ", (unsigned long long)ps.evictions);
    CHECK(ps.evictions > 0 && ps.snapshots == 0 && ps.snapshot_retained_bytes == 0);
    mnemo_slab_stats ss[256]; /* at most 255 slab classes */
    uint32_t n;
    CHECK_ST(mnemo_slab_stats_get(pool, ss, 256, &n), MNEMO_OK);
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; i++)
        used += ss[i].chunks_used * ss[i].chunk_size;
    CHECK(used == ps.bytes_used);
    uint64_t live = 0;
    CHECK_ST(mnemo_region_scan(pool, region, 0, count_cb, &live), MNEMO_OK);
    CHECK(live == ps.items);
    mnemo_pool_close(pool);
    unlink(path);
}

int main(void)
{
    RUN(mixed_operations_with_snapshots);
    RUN(eviction_under_contention);
    return 0;
}
