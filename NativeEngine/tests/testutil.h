/* testutil.h — a tiny assertion and case runner for the engine's C tests. */
#ifndef MNEMO_TESTUTIL_H
#define MNEMO_TESTUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnemo_engine.h"

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "\n%s:%d: CHECK failed: %s\n  last error: %s\n", __FILE__,         \
                    __LINE__, #cond, mnemo_last_error());                                      \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

#define CHECK_ST(expr, want)                                                                   \
    do {                                                                                       \
        mnemo_status st_ = (expr);                                                             \
        if (st_ != (want)) {                                                                   \
            fprintf(stderr, "\n%s:%d: %s returned %s, expected %s\n  last error: %s\n",        \
                    __FILE__, __LINE__, #expr, mnemo_status_name(st_),                         \
                    mnemo_status_name(want), mnemo_last_error());                              \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

#define RUN(fn)                                                                                \
    do {                                                                                       \
        printf("case %-40s ", #fn);                                                            \
        fflush(stdout);                                                                        \
        fn();                                                                                  \
        printf("ok\n");                                                                        \
    } while (0)

/* CRC32C (Castagnoli, reflected), bit by bit: independent of the engine's, to check an export
 * file's checksums or to write one by hand. */
static inline uint32_t test_crc32c(const void *data, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (const uint8_t *p = data; len--; p++) {
        crc ^= *p;
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* The export file's header (see src/export.c). */
typedef struct test_export_header {
    char magic[8];
    uint32_t version, header_size;
    uint64_t count, payload_bytes, snapshot;
    int64_t created_unix_ns;
    uint32_t payload_crc, reserved[2], header_crc;
} test_export_header;

/* A fresh pool path in MNEMO_TEST_DIR (default /dev/shm), removed before use. */
static inline const char *test_pool_path(const char *name)
{
    static char path[512];
    const char *dir = getenv("MNEMO_TEST_DIR");
    snprintf(path, sizeof path, "%s/mnemo-%s-%d.pool", dir ? dir : "/dev/shm", name, (int)getpid());
    unlink(path);
    return path;
}

static inline mnemo_pool *test_open(const char *path, uint64_t capacity, uint32_t flags)
{
    mnemo_pool_options o = {.path = path, .capacity = capacity,
                            .device_mode = MNEMO_DEVICE_EMULATION,
                            .flags = MNEMO_OPEN_CREATE | flags};
    mnemo_pool *p = NULL;
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_OK);
    return p;
}

static inline mnemo_pool *test_reopen(const char *path, uint32_t flags)
{
    mnemo_pool_options o = {.path = path, .device_mode = MNEMO_DEVICE_EMULATION, .flags = flags};
    mnemo_pool *p = NULL;
    CHECK_ST(mnemo_pool_open(&o, &p), MNEMO_OK);
    return p;
}

static inline mnemo_status test_set(mnemo_pool *p, uint32_t r, const char *k, const char *v)
{
    return mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k),
                       (const uint8_t *)v, (uint32_t)strlen(v), 0, 0, NULL, NULL);
}

/* Reads a value as a NUL-terminated string into a static buffer; NULL when missing. */
static inline const char *test_get(mnemo_pool *p, uint32_t r, const char *k)
{
    static char buf[1 << 16];
    uint32_t len = 0;
    mnemo_status st = mnemo_get(p, r, (const uint8_t *)k, (uint32_t)strlen(k), (uint8_t *)buf,
                                sizeof buf - 1, &len, NULL, NULL);
    if (st == MNEMO_NOT_FOUND)
        return NULL;
    CHECK_ST(st, MNEMO_OK);
    buf[len] = '\0';
    return buf;
}

#define MiB (1024ull * 1024ull)

#endif
