/*
 * engine_bench.c — single-process figures for the engine, one "key value unit" per line.
 *
 * Shapes: keys "key:%010u" (14 bytes), values 100 bytes, flags 0, no expiry, one thread,
 * emulation pools (regular files in --dir, default /dev/shm). Baselines measured in the same
 * run: a plain file write (one write and an fsync; wall and CPU time) and a memcpy of the
 * exported byte count (for export and import, alternating with them), and the same set loop
 * with libpmem2's msync persist (MNEMO_EMULATION_PERSIST=msync) on a smaller key count.
 *
 * usage: mnemo_engine_bench [--items N] [--big N] [--dir DIR]
 *   --items  keys for get/set, restore and export (default 100000)
 *   --big    items for snapshot and flush latency, recovery and memory per item (default 1000000)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mnemo_engine.h"

#define KEY_LEN 14
#define VALUE_LEN 100

static char dir[512] = "/dev/shm";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of the process, every thread (the export's writer thread included). */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void die(const char *what, mnemo_status st)
{
    fprintf(stderr, "bench: %s failed: %s: %s\n", what, mnemo_status_name(st), mnemo_last_error());
    exit(1);
}

#define OK(expr, what)                                                                         \
    do {                                                                                       \
        mnemo_status st_ = (expr);                                                             \
        if (st_ != MNEMO_OK)                                                                   \
            die(what, st_);                                                                    \
    } while (0)

/* "key:%010llu" without snprintf, whose cost would swamp a get and make the C side of the
 * binding comparison look slower than the engine is. */
static void key_of(uint64_t i, char *k)
{
    memcpy(k, "key:", 4);
    i %= 10000000000ull;
    for (int d = KEY_LEN - 1; d >= 4; d--, i /= 10)
        k[d] = (char)('0' + i % 10);
    k[KEY_LEN] = '\0';
}

static mnemo_pool *open_pool(const char *name, uint64_t capacity, char *path_out)
{
    snprintf(path_out, 600, "%s/mnemo-bench-%s-%d.pool", dir, name, (int)getpid());
    unlink(path_out);
    mnemo_pool_options o = {.path = path_out, .capacity = capacity, .flags = MNEMO_OPEN_CREATE};
    mnemo_pool *p;
    OK(mnemo_pool_open(&o, &p), "pool open");
    return p;
}

/* Sets keys [from, to) with a value derived from `round`. */
static void fill(mnemo_pool *p, uint32_t r, uint64_t from, uint64_t to, uint8_t round)
{
    char k[KEY_LEN + 1];
    uint8_t v[VALUE_LEN];
    memset(v, 'a' + round % 26, sizeof v);
    for (uint64_t i = from; i < to; i++) {
        key_of(i, k);
        OK(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, KEY_LEN, v, VALUE_LEN, 0, 0, NULL, NULL),
           "set");
    }
}

/* Keys visited in a scattered order (a multiplicative stride) so gets do not walk memory. */
static uint64_t scattered(uint64_t i, uint64_t n) { return (i * 2654435761ull) % n; }

static double set_rate(mnemo_pool *p, uint32_t r, uint64_t n)
{
    char k[KEY_LEN + 1];
    uint8_t v[VALUE_LEN];
    memset(v, 'z', sizeof v);
    double t0 = now_s();
    for (uint64_t i = 0; i < n; i++) {
        key_of(scattered(i, n), k);
        OK(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, KEY_LEN, v, VALUE_LEN, 0, 0, NULL, NULL),
           "set");
    }
    return (double)n / (now_s() - t0);
}

static double get_rate(mnemo_pool *p, uint32_t r, uint64_t n)
{
    char k[KEY_LEN + 1];
    uint8_t v[VALUE_LEN];
    uint32_t len;
    double t0 = now_s();
    for (uint64_t i = 0; i < n; i++) {
        key_of(scattered(i, n), k);
        OK(mnemo_get(p, r, (const uint8_t *)k, KEY_LEN, v, sizeof v, &len, NULL, NULL), "get");
    }
    return (double)n / (now_s() - t0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median of several snapshot creations (each deleted again), in microseconds. */
static double snapshot_create_us(mnemo_pool *p, uint32_t r)
{
    enum { RUNS = 9 };
    double t[RUNS];
    for (int i = 0; i < RUNS; i++) {
        uint64_t id;
        double t0 = now_s();
        OK(mnemo_snapshot_create(p, r, &id), "snapshot create");
        t[i] = (now_s() - t0) * 1e6;
        OK(mnemo_snapshot_delete(p, r, id), "snapshot delete");
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    return t[RUNS / 2];
}

/* Writes `bytes` from `src` to a new file with one large write and an fsync, as export does;
 * the CPU seconds it took go to *cpu. */
static double plain_write_s(const char *file, const uint8_t *src, size_t bytes, double *cpu)
{
    double c0 = cpu_s();
    double t0 = now_s();
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t off = 0; fd >= 0 && off < bytes;) {
        ssize_t n = write(fd, src + off, bytes - off);
        if (n <= 0)
            exit(1);
        off += (size_t)n;
    }
    if (fd < 0 || fsync(fd) != 0)
        exit(1);
    close(fd);
    double s = now_s() - t0;
    *cpu = cpu_s() - c0;
    unlink(file);
    return s;
}

/* Export and import of one snapshot against the floor for any export: a plain write of the
 * same bytes to a new file in the same place. The three alternate, RUNS times each (the
 * machine's load moves between runs); medians are reported, with a memcpy of the bytes too.
 * On a loaded machine wall time follows the CPU time a process gets, so the CPU seconds of the
 * export and of the plain write are reported too. */
static void bench_export_import(mnemo_pool *p, uint32_t r, uint64_t snap, const char *path)
{
    enum { RUNS = 5 };
    char file[700], plain[720];
    snprintf(file, sizeof file, "%s.export", path);
    snprintf(plain, sizeof plain, "%s.plain", path);
    uint32_t copy;
    OK(mnemo_region_create(p, "bench-import", &copy), "region");
    OK(mnemo_snapshot_export(p, r, snap, file), "export");
    struct stat sb;
    if (stat(file, &sb) != 0)
        exit(1);
    size_t bytes = (size_t)sb.st_size;
    uint8_t *src = malloc(bytes), *dst = malloc(bytes);
    memset(src, 1, bytes);
    memset(dst, 2, bytes);
    double t0 = now_s();
    memcpy(dst, src, bytes);
    double memcpy_s = now_s() - t0;
    if (dst[bytes / 2] != 1)
        exit(1);
    double export_t[RUNS], import_t[RUNS], write_t[RUNS], export_cpu[RUNS], write_cpu[RUNS];
    for (int i = 0; i < RUNS; i++) {
        write_t[i] = plain_write_s(plain, src, bytes, &write_cpu[i]);
        /* A new file, as for the plain write: replacing the last export would also time the
         * file system freeing it. */
        unlink(file);
        double c0 = cpu_s();
        t0 = now_s();
        OK(mnemo_snapshot_export(p, r, snap, file), "export");
        export_t[i] = now_s() - t0;
        export_cpu[i] = cpu_s() - c0;
        uint64_t id;
        t0 = now_s();
        OK(mnemo_snapshot_import(p, copy, file, &id), "import");
        import_t[i] = now_s() - t0;
        OK(mnemo_snapshot_delete(p, copy, id), "snapshot delete");
    }
    qsort(export_t, RUNS, sizeof(double), cmp_double);
    qsort(import_t, RUNS, sizeof(double), cmp_double);
    qsort(write_t, RUNS, sizeof(double), cmp_double);
    qsort(export_cpu, RUNS, sizeof(double), cmp_double);
    qsort(write_cpu, RUNS, sizeof(double), cmp_double);
    free(src);
    free(dst);
    unlink(file);
    OK(mnemo_region_drop(p, copy), "drop");
    double export_mbs = (double)bytes / export_t[RUNS / 2] / 1e6;
    double import_mbs = (double)bytes / import_t[RUNS / 2] / 1e6;
    double write_mbs = (double)bytes / write_t[RUNS / 2] / 1e6;
    double memcpy_mbs = (double)bytes / memcpy_s / 1e6;
    printf("export_bytes %zu bytes\n", bytes);
    printf("export_mb_per_sec %.0f MB/s (median of %d)\n", export_mbs, RUNS);
    printf("import_mb_per_sec %.0f MB/s (median of %d)\n", import_mbs, RUNS);
    printf("memcpy_mb_per_sec %.0f MB/s\n", memcpy_mbs);
    printf("file_write_mb_per_sec %.0f MB/s (median of %d, alternating with export)\n", write_mbs,
           RUNS);
    printf("export_vs_memcpy %.3f ratio\n", export_mbs / memcpy_mbs);
    printf("export_vs_file_write %.3f ratio\n", export_mbs / write_mbs);
    printf("import_vs_file_write %.3f ratio\n", import_mbs / write_mbs);
    printf("export_cpu_ms %.1f ms (median of %d, every thread)\n", export_cpu[RUNS / 2] * 1e3,
           RUNS);
    printf("file_write_cpu_ms %.1f ms (median of %d)\n", write_cpu[RUNS / 2] * 1e3, RUNS);
    printf("file_write_cpu_vs_export_cpu %.3f ratio\n", write_cpu[RUNS / 2] / export_cpu[RUNS / 2]);
}

static void bench_ops(uint64_t items)
{
    char path[600];
    mnemo_pool *p = open_pool("ops", items * 400 + (256ull << 20), path);
    uint32_t r;
    OK(mnemo_region_create(p, "bench", &r), "region");
    fill(p, r, 0, items, 0); /* warmup: every key exists and every page is touched */
    get_rate(p, r, items);
    printf("set_ops_per_sec %.0f ops/s\n", set_rate(p, r, items));
    printf("get_ops_per_sec %.0f ops/s\n", get_rate(p, r, items));

    /* restore after overwriting 10% */
    uint64_t snap;
    OK(mnemo_snapshot_create(p, r, &snap), "snapshot create");
    fill(p, r, 0, items / 10, 1);
    double t0 = now_s();
    OK(mnemo_snapshot_restore(p, r, snap), "restore");
    printf("restore_ms_%llu %.2f ms\n", (unsigned long long)items, (now_s() - t0) * 1e3);

    bench_export_import(p, r, snap, path);
    mnemo_pool_close(p);
    unlink(path);
}

/* Sets of new keys into a full 64 MiB pool (about 350k items), so every set evicts; after
 * every tenth set, a read of a key written up to 100k sets before keeps some items in use. */
static void bench_evicting(uint64_t items)
{
    char path[600];
    mnemo_pool *p = open_pool("evict", 64ull << 20, path);
    uint32_t r;
    OK(mnemo_region_create(p, "bench", &r), "region");
    uint64_t warm = 400000;
    fill(p, r, 0, warm, 0);
    char k[KEY_LEN + 1];
    uint8_t v[VALUE_LEN];
    uint32_t len;
    memset(v, 'e', sizeof v);
    mnemo_pool_stats before, after;
    OK(mnemo_pool_stats_get(p, &before), "stats");
    double t0 = now_s();
    for (uint64_t i = 0; i < items; i++) {
        key_of(warm + i, k);
        OK(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, KEY_LEN, v, VALUE_LEN, 0, 0, NULL, NULL),
           "set");
        if (i % 10 == 0) {
            key_of(warm + i - scattered(i, 100000), k);
            mnemo_status st = mnemo_get(p, r, (const uint8_t *)k, KEY_LEN, v, sizeof v, &len,
                                        NULL, NULL);
            if (st != MNEMO_OK && st != MNEMO_NOT_FOUND)
                die("get", st);
        }
    }
    double rate = (double)items / (now_s() - t0);
    OK(mnemo_pool_stats_get(p, &after), "stats");
    printf("set_ops_per_sec_evicting %.0f ops/s\n", rate);
    printf("evictions_per_set %.3f ratio\n",
           (double)(after.evictions - before.evictions) / (double)items);
    mnemo_pool_close(p);
    unlink(path);
}

static void bench_msync_baseline(uint64_t items)
{
    char path[600];
    setenv("MNEMO_EMULATION_PERSIST", "msync", 1);
    mnemo_pool *p = open_pool("msync", 256ull << 20, path);
    unsetenv("MNEMO_EMULATION_PERSIST");
    uint32_t r;
    OK(mnemo_region_create(p, "bench", &r), "region");
    fill(p, r, 0, items, 0);
    printf("set_ops_per_sec_msync_persist %.0f ops/s\n", set_rate(p, r, items));
    mnemo_pool_close(p);
    unlink(path);
}

static void bench_big(uint64_t big)
{
    char path[600];
    mnemo_pool *p = open_pool("big", big * 300 + (256ull << 20), path);
    uint32_t r;
    OK(mnemo_region_create(p, "bench", &r), "region");
    uint64_t done = 0;
    static const uint64_t sizes[] = {10000, 100000, 1000000, 10000000};
    for (int i = 0; i < 4 && sizes[i] <= big; i++) {
        fill(p, r, done, sizes[i], 0);
        done = sizes[i];
        printf("snapshot_create_us_%llu %.1f us\n", (unsigned long long)sizes[i],
               snapshot_create_us(p, r));
    }
    if (done < big) {
        fill(p, r, done, big, 0);
        printf("snapshot_create_us_%llu %.1f us\n", (unsigned long long)big,
               snapshot_create_us(p, r));
    }
    mnemo_pool_stats s;
    OK(mnemo_pool_stats_get(p, &s), "stats");
    printf("bytes_per_item_%llu %.1f bytes\n", (unsigned long long)s.items,
           (double)(s.bytes_used + s.index_bytes) / (double)s.items);
    printf("pool_bytes_per_item_%llu %.1f bytes\n", (unsigned long long)s.items,
           (double)s.bytes_used / (double)s.items);
    printf("dram_bytes_per_item_%llu %.1f bytes\n", (unsigned long long)s.items,
           (double)s.index_bytes / (double)s.items);
    /* memcached 1.6 for the same item, computed from its layout: 48-byte header + 8 CAS + key
     * + 1 + value + 2 ("\r\n") in the smallest slab class that fits (96 bytes growing by 1.25,
     * 8-aligned). */
    unsigned need = 48 + 8 + KEY_LEN + 1 + VALUE_LEN + 2, chunk = 96;
    while (chunk < need)
        chunk = (unsigned)((chunk * 1.25 + 7) / 8) * 8;
    /* plus its hash table: 8-byte buckets, doubled while items exceed 1.5 x buckets */
    uint64_t buckets = 1ull << 16;
    while ((double)s.items > 1.5 * (double)buckets)
        buckets *= 2;
    double memcached_per_item = chunk + 8.0 * (double)buckets / (double)s.items;
    printf("memcached_bytes_per_item_estimate %.1f bytes\n", memcached_per_item);
    printf("bytes_per_item_vs_memcached %.3f ratio\n",
           (double)(s.bytes_used + s.index_bytes) / (double)s.items / memcached_per_item);
    mnemo_pool_close(p);
    mnemo_pool_options o = {.path = path};
    double t0 = now_s();
    OK(mnemo_pool_open(&o, &p), "reopen");
    double open_ms = (now_s() - t0) * 1e3;
    OK(mnemo_pool_stats_get(p, &s), "stats");
    printf("recovery_ms_%llu %.1f ms\n", (unsigned long long)s.items, (double)s.recovery_ns / 1e6);
    printf("reopen_ms_%llu %.1f ms\n", (unsigned long long)s.items, open_ms);
    mnemo_pool_close(p);
    unlink(path);
}

/* A thread reading keys of the region being flushed: the longest get it saw. */
typedef struct flush_reader {
    mnemo_pool *pool;
    uint32_t region;
    uint64_t items;
    int stop;       /* atomic */
    double max_us;
} flush_reader;

static void *flush_reader_run(void *arg)
{
    flush_reader *fr = arg;
    char k[KEY_LEN + 1];
    uint8_t v[VALUE_LEN];
    uint32_t len;
    for (uint64_t i = 0; !__atomic_load_n(&fr->stop, __ATOMIC_RELAXED); i++) {
        key_of(scattered(i % fr->items, fr->items), k);
        double t0 = now_s();
        mnemo_get(fr->pool, fr->region, (const uint8_t *)k, KEY_LEN, v, sizeof v, &len, NULL, NULL);
        double us = (now_s() - t0) * 1e6;
        if (us > fr->max_us)
            fr->max_us = us;
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* flush_all at 10k / 100k / 1M items, each in a region of its own (dropped afterwards); at the
 * largest size a reader thread gets keys of the region across the flush. */
static void bench_flush(uint64_t big)
{
    char path[600];
    mnemo_pool *p = open_pool("flush", big * 300 + (256ull << 20), path);
    static const uint64_t sizes[] = {10000, 100000, 1000000};
    for (int i = 0; i < 3 && sizes[i] <= big; i++) {
        uint32_t r;
        OK(mnemo_region_create(p, "flush", &r), "region");
        OK(mnemo_flush(p, r, 0), "flush"); /* untimed: the region's entry comes into the cache */
        fill(p, r, 0, sizes[i], 0);
        bool last = i == 2 || sizes[i + 1] > big;
        flush_reader fr = {p, r, sizes[i], 0, 0};
        pthread_t reader;
        if (last) {
            pthread_create(&reader, NULL, flush_reader_run, &fr);
            sleep_ms(100);
        }
        double t0 = now_s();
        OK(mnemo_flush(p, r, 0), "flush");
        printf("flush_us_%llu %.1f us\n", (unsigned long long)sizes[i], (now_s() - t0) * 1e6);
        if (last) {
            sleep_ms(100);
            __atomic_store_n(&fr.stop, 1, __ATOMIC_RELAXED);
            pthread_join(reader, NULL);
            printf("get_max_us_across_flush_%llu %.1f us\n", (unsigned long long)sizes[i],
                   fr.max_us);
        }
        OK(mnemo_region_drop(p, r), "drop");
    }
    mnemo_pool_close(p);
    unlink(path);
}

int main(int argc, char **argv)
{
    uint64_t items = 100000, big = 1000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--items") == 0)
            items = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--big") == 0)
            big = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0)
            snprintf(dir, sizeof dir, "%s", argv[i + 1]);
    }
    if (items < 10 || big < 10) {
        fprintf(stderr, "usage: mnemo_engine_bench [--items N>=10] [--big N>=10] [--dir DIR]\n");
        return 2;
    }
    printf("# mnemo engine bench: keys \"key:%%010u\" (%d bytes), values %d bytes, 1 thread,\n",
           KEY_LEN, VALUE_LEN);
    printf("# emulation pools in %s; --items %llu, --big %llu\n", dir, (unsigned long long)items,
           (unsigned long long)big);
    bench_ops(items);
    bench_evicting(items);
    bench_msync_baseline(items < 20000 ? items : 20000);
    bench_big(big);
    bench_flush(big);
    return 0;
}
