/* test_flush.c — flush_all in O(1): what a flush hides and keeps, delayed flushes, snapshots on
 * either side of a flush, reopen and kill -9, reclaiming the space, and the cost of a flush. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

static mnemo_pool *pool;
static uint32_t region;
static const char *path;

#define K(s) (const uint8_t *)(s), (uint32_t)strlen(s)

/* A new region for each case. */
static void fresh(void)
{
    static int n;
    char name[32];
    snprintf(name, sizeof name, "case%d", n++);
    CHECK_ST(mnemo_region_create(pool, name, &region), MNEMO_OK);
}

static const char *key_of(const char *prefix, uint32_t i)
{
    static char key[64];
    snprintf(key, sizeof key, "%s%u", prefix, i);
    return key;
}

static void set_keys(const char *prefix, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        CHECK_ST(test_set(pool, region, key_of(prefix, i), key_of(prefix, i)), MNEMO_OK);
}

/* How many of the keys are found, each with its own value. */
static uint32_t present(const char *prefix, uint32_t n)
{
    uint32_t found = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *v = test_get(pool, region, key_of(prefix, i));
        if (v) {
            CHECK(strcmp(v, key_of(prefix, i)) == 0);
            found++;
        }
    }
    return found;
}

static mnemo_region_stats stats(void)
{
    mnemo_region_stats rs;
    CHECK_ST(mnemo_region_stats_get(pool, region, &rs), MNEMO_OK);
    return rs;
}

static int count_item(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                      uint32_t value_len, const mnemo_item_info *info)
{
    (void)key, (void)key_len, (void)value, (void)value_len, (void)info;
    (*(uint64_t *)ctx)++;
    return 0;
}

static uint64_t scanned(uint64_t snapshot)
{
    uint64_t n = 0;
    CHECK_ST(mnemo_region_scan(pool, region, snapshot, count_item, &n), MNEMO_OK);
    return n;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void flush_hides_everything(void)
{
    fresh();
    set_keys("k", 1000);
    CHECK(stats().items == 1000);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    mnemo_region_stats rs = stats();
    CHECK(rs.items == 0 && rs.item_bytes == 0);
    CHECK(rs.bytes_used > 0); /* the space is still held until each item is met */
    CHECK(scanned(0) == 0);
    CHECK(present("k", 1000) == 0);
    /* Every operation that checks for an item finds none. */
    uint64_t v;
    CHECK_ST(mnemo_store(pool, region, MNEMO_REPLACE, K("k1"), K("x"), 0, 0, NULL, NULL),
             MNEMO_NOT_STORED);
    CHECK_ST(mnemo_store(pool, region, MNEMO_APPEND, K("k2"), K("x"), 0, 0, NULL, NULL),
             MNEMO_NOT_STORED);
    mnemo_write_args cas = {.cas_in = 1};
    CHECK_ST(mnemo_store(pool, region, MNEMO_CAS, K("k3"), K("x"), 0, 0, &cas, NULL),
             MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_arith(pool, region, K("k4"), 0, 1, NULL, &v, NULL), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_touch(pool, region, K("k5"), 100), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_delete(pool, region, K("k6"), NULL), MNEMO_NOT_FOUND);
    set_keys("k", 1); /* k0 is new */
    CHECK_ST(mnemo_store(pool, region, MNEMO_ADD, K("k7"), K("x"), 0, 0, NULL, NULL), MNEMO_OK);
    CHECK(stats().items == 2 && scanned(0) == 2);
}

static mnemo_status ordered_set(const char *k, const char *v, uint64_t version)
{
    mnemo_write_args a = {.cas_new = version, .opts = MNEMO_WRITE_ORDERED};
    return mnemo_store(pool, region, MNEMO_SET, K(k), K(v), 0, 0, &a, NULL);
}

static void items_stored_after_survive(void)
{
    fresh();
    set_keys("old", 100);
    CHECK_ST(ordered_set("o", "before", 500), MNEMO_OK);
    mnemo_write_args tomb = {.cas_new = 600, .opts = MNEMO_WRITE_ORDERED};
    CHECK_ST(mnemo_delete(pool, region, K("t"), &tomb), MNEMO_NOT_FOUND);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set_keys("new", 100);
    CHECK(present("old", 100) == 0 && present("new", 100) == 100);
    CHECK(stats().items == 100 && scanned(0) == 100);
    /* A flushed version or tombstone orders nothing: what is stored after the flush is kept,
     * whatever version it carries, and a newer write is not taken for an older one. */
    CHECK_ST(ordered_set("o", "after", 100), MNEMO_OK);
    CHECK(strcmp(test_get(pool, region, "o"), "after") == 0);
    CHECK_ST(ordered_set("t", "after", 100), MNEMO_OK);
    CHECK(strcmp(test_get(pool, region, "t"), "after") == 0);
    CHECK_ST(ordered_set("o", "older", 50), MNEMO_EXISTS); /* ordering resumes after the flush */
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK(stats().items == 0 && present("new", 100) == 0);
}

static void delayed_flush_takes_effect_at_its_time(void)
{
    fresh();
    set_keys("a", 100);
    CHECK_ST(mnemo_flush(pool, region, 10), MNEMO_OK);
    set_keys("b", 100);
    CHECK(present("a", 100) == 100 && present("b", 100) == 100 && stats().items == 200);
    mnemo_clock_advance(pool, 11);
    CHECK(stats().items == 0);
    CHECK(present("a", 100) == 0 && present("b", 100) == 0);
    set_keys("c", 100);
    CHECK(present("c", 100) == 100 && stats().items == 100);
    mnemo_clock_advance(pool, 100); /* the delayed flush happened once */
    CHECK(present("c", 100) == 100);

    /* An immediate flush replaces a pending one. */
    CHECK_ST(mnemo_flush(pool, region, 10), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set_keys("d", 10);
    mnemo_clock_advance(pool, 11);
    CHECK(present("d", 10) == 10);

    /* A later delayed flush replaces an earlier one. */
    CHECK_ST(mnemo_flush(pool, region, 10), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 20), MNEMO_OK);
    mnemo_clock_advance(pool, 11);
    CHECK(present("d", 10) == 10);
    mnemo_clock_advance(pool, 10);
    CHECK(present("d", 10) == 0);
    mnemo_clock_advance(pool, -143);
}

static void snapshot_before_flush_restores_the_flushed_items(void)
{
    fresh();
    set_keys("k", 100);
    uint64_t s1;
    CHECK_ST(mnemo_snapshot_create(pool, region, &s1), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    /* some flushed items are met (reclaimed, kept for the snapshot), the others are not */
    CHECK(present("k", 50) == 0);
    set_keys("new", 10);
    CHECK(scanned(s1) == 100 && scanned(0) == 10);
    CHECK_ST(mnemo_snapshot_restore(pool, region, s1), MNEMO_OK);
    CHECK(present("k", 100) == 100 && present("new", 10) == 0);
    CHECK(stats().items == 100 && scanned(0) == 100);
    /* the export of the snapshot carries them too */
    char file[600];
    snprintf(file, sizeof file, "%s.export", path);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_export(pool, region, s1, file), MNEMO_OK);
    uint64_t imported;
    CHECK_ST(mnemo_snapshot_import(pool, region, file, &imported), MNEMO_OK);
    unlink(file);
    CHECK(present("k", 100) == 100 && stats().items == 100);
}

static void snapshot_after_flush_does_not_see_them(void)
{
    fresh();
    set_keys("a", 50);
    uint64_t s0, s;
    CHECK_ST(mnemo_snapshot_create(pool, region, &s0), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set_keys("b", 50);
    CHECK_ST(mnemo_snapshot_create(pool, region, &s), MNEMO_OK);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set_keys("c", 50);
    CHECK(present("b", 25) == 0); /* met: reclaimed, kept for s */
    CHECK(scanned(s) == 50 && scanned(s0) == 50 && scanned(0) == 50);
    mnemo_snapshot_info info[4];
    uint32_t n;
    CHECK_ST(mnemo_snapshot_list(pool, region, info, 4, &n), MNEMO_OK);
    CHECK(n == 2 && info[1].id == s && info[1].items == 50);

    CHECK_ST(mnemo_snapshot_restore(pool, region, s), MNEMO_OK);
    CHECK(present("a", 50) == 0 && present("b", 50) == 50 && present("c", 50) == 0);
    CHECK(stats().items == 50 && scanned(0) == 50);
    /* back before the first flush, then forward again: the marks follow the snapshots */
    CHECK_ST(mnemo_snapshot_restore(pool, region, s0), MNEMO_OK);
    CHECK(stats().items == 50 && scanned(0) == 50);
    CHECK(present("a", 50) == 50 && present("b", 50) == 0);
    CHECK_ST(mnemo_snapshot_restore(pool, region, s), MNEMO_OK);
    CHECK(stats().items == 50 && scanned(0) == 50);
    CHECK(present("a", 50) == 0 && present("b", 50) == 50);
    /* once no snapshot needs them, the flushed versions are freed when met */
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_delete(pool, region, s0), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_delete(pool, region, s), MNEMO_OK);
    CHECK(present("a", 50) == 0 && present("b", 50) == 0);
    mnemo_region_stats rs = stats();
    CHECK(rs.items == 0 && rs.snapshot_retained_bytes == 0 && rs.bytes_used == 0);
}

static void reopen_keeps_the_flush(void)
{
    fresh();
    set_keys("k", 100);
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set_keys("d", 10);
    CHECK_ST(mnemo_flush(pool, region, 10), MNEMO_OK);
    mnemo_pool_close(pool);
    pool = test_reopen(path, 0);
    CHECK(present("k", 100) == 0 && present("d", 10) == 10 && stats().items == 10);
    mnemo_pool_close(pool);
    pool = test_reopen(path, 0);
    mnemo_clock_advance(pool, 11);
    CHECK(present("d", 10) == 0 && stats().items == 0);
    mnemo_clock_advance(pool, -11);
}

static void kill_after_flush_keeps_it(void)
{
    fresh();
    mnemo_pool_close(pool);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pool = test_reopen(path, 0);
        set_keys("z", 1000);
        if (mnemo_flush(pool, region, 0) != MNEMO_OK)
            _exit(2);
        set_keys("after", 10);
        raise(SIGKILL);
        _exit(3);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    pool = test_reopen(path, 0);
    CHECK(present("z", 1000) == 0 && present("after", 10) == 10);
    mnemo_region_stats rs = stats();
    CHECK(rs.items == 10 && scanned(0) == 10);
}

/* Writers, readers and flushes at once: afterwards the item count is exactly what a scan finds
 * (a write racing a flush lands wholly before or after it). */
#define RACE_THREADS 3
#define RACE_OPS 20000

static void *race_writer(void *arg)
{
    uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
    char k[16];
    uint8_t buf[32];
    uint32_t len;
    uint64_t v;
    for (int i = 0; i < RACE_OPS; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint32_t key_len = (uint32_t)snprintf(k, sizeof k, "r%u", x % 500);
        const uint8_t *key = (const uint8_t *)k;
        switch (x % 4) {
        case 0:
            CHECK_ST(mnemo_store(pool, region, MNEMO_SET, key, key_len, K("1"), 0, 0, NULL, NULL),
                     MNEMO_OK);
            break;
        case 1: mnemo_get(pool, region, key, key_len, buf, sizeof buf, &len, NULL, NULL); break;
        case 2: mnemo_delete(pool, region, key, key_len, NULL); break;
        default: mnemo_arith(pool, region, key, key_len, 0, 1, NULL, &v, NULL); break;
        }
    }
    return NULL;
}

static void *race_flusher(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
        usleep(100);
    }
    return NULL;
}

static void flush_races_writers(void)
{
    fresh();
    pthread_t t[RACE_THREADS + 1];
    for (uintptr_t i = 0; i < RACE_THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, race_writer, (void *)(i + 1)) == 0);
    CHECK(pthread_create(&t[RACE_THREADS], NULL, race_flusher, NULL) == 0);
    for (int i = 0; i <= RACE_THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(stats().items == scanned(0));
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    CHECK(stats().items == 0 && present("r", 500) == 0 && stats().item_bytes == 0);
}

/* memory: a pool full of flushed items takes new ones without evicting (or, with eviction
 * disabled, without failing) */
static void space_is_reclaimed(void)
{
    static const char value[1000] = {'v'};
    for (int no_evict = 0; no_evict <= 1; no_evict++) {
        const char *p = test_pool_path("flush-space");
        mnemo_pool *small = test_open(p, 16 * MiB, no_evict ? MNEMO_OPEN_NO_EVICT : 0);
        uint32_t r;
        CHECK_ST(mnemo_region_create(small, "r", &r), MNEMO_OK);
        uint32_t n = 0;
        for (;; n++) {
            mnemo_status st = mnemo_store(small, r, MNEMO_SET, K(key_of("f", n)),
                                          (const uint8_t *)value, sizeof value, 0, 0, NULL, NULL);
            mnemo_region_stats rs;
            CHECK_ST(mnemo_region_stats_get(small, r, &rs), MNEMO_OK);
            if (st == MNEMO_NO_MEMORY || rs.evictions > 0)
                break;
            CHECK_ST(st, MNEMO_OK);
        }
        CHECK(n > 1000);
        CHECK_ST(mnemo_flush(small, r, 0), MNEMO_OK);
        for (uint32_t i = 0; i < n; i++)
            CHECK_ST(mnemo_store(small, r, MNEMO_SET, K(key_of("g", i)), (const uint8_t *)value,
                                 sizeof value, 0, 0, NULL, NULL),
                     MNEMO_OK);
        mnemo_region_stats rs;
        CHECK_ST(mnemo_region_stats_get(small, r, &rs), MNEMO_OK);
        CHECK(rs.items == n);
        CHECK(rs.evictions == (no_evict ? 0 : 1)); /* only the one that ended the first fill */
        mnemo_pool_close(small);
        unlink(p);
    }
}

/* The cost of a flush does not grow with the items: a generous bound (the former scan took tens
 * of milliseconds at this size), the best of three tries on a shared machine. */
#define FLUSH_ITEMS 200000u
#define FLUSH_BOUND_US 5000.0

static void flush_is_constant_time(void)
{
    fresh();
    double best_now = 1e12, best_due = 1e12;
    for (int round = 0; round < 3; round++) {
        set_keys(round % 2 ? "x" : "y", FLUSH_ITEMS);
        double t0 = now_us();
        CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
        double t1 = now_us();
        if (t1 - t0 < best_now)
            best_now = t1 - t0;
        /* a delayed flush: the first operation after its time does no more work than that */
        set_keys(round % 2 ? "y" : "x", FLUSH_ITEMS);
        CHECK_ST(mnemo_flush(pool, region, 1), MNEMO_OK);
        mnemo_clock_advance(pool, 2);
        t0 = now_us();
        CHECK(test_get(pool, region, "none") == NULL);
        t1 = now_us();
        if (t1 - t0 < best_due)
            best_due = t1 - t0;
        CHECK(stats().items == 0);
    }
    printf("(flush %.1f us, first operation after a delayed flush %.1f us, %u items) ", best_now,
           best_due, FLUSH_ITEMS);
    CHECK(best_now < FLUSH_BOUND_US && best_due < FLUSH_BOUND_US);
}

int main(void)
{
    path = strdup(test_pool_path("flush"));
    pool = test_open(path, 256 * MiB, 0);
    RUN(flush_hides_everything);
    RUN(items_stored_after_survive);
    RUN(delayed_flush_takes_effect_at_its_time);
    RUN(snapshot_before_flush_restores_the_flushed_items);
    RUN(snapshot_after_flush_does_not_see_them);
    RUN(reopen_keeps_the_flush);
    RUN(kill_after_flush_keeps_it);
    RUN(flush_races_writers);
    RUN(space_is_reclaimed);
    RUN(flush_is_constant_time);
    mnemo_pool_close(pool);
    unlink(path);
    free((void *)path);
    return 0;
}
