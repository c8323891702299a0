/*
 * crash_writer.c — random operations on the crash-test region until killed. Every operation
 * is announced ("B op") before the engine call and acknowledged ("K op") only after it
 * returned, each line one O_APPEND write: the log survives the writer's SIGKILL, and the
 * verifier replays the acknowledged ones. The writer also checks each result against the model
 * and exits with status 3 on a semantic mismatch.
 *
 * usage: crash_writer POOL LOG STATE SEED
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash_model.h"

#define POOL_CAPACITY (512ull << 20)

static int log_fd;
static uint32_t rnd;

static uint32_t next(void)
{
    rnd ^= rnd << 13;
    rnd ^= rnd >> 17;
    rnd ^= rnd << 5;
    return rnd;
}

static void log_line(char tag, const model_op *op)
{
    char line[128];
    line[0] = tag;
    line[1] = ' ';
    int n = model_format_op(op, line + 2, sizeof line - 3) + 2;
    line[n++] = '\n';
    if (write(log_fd, line, (size_t)n) != n) {
        perror("log write");
        exit(2);
    }
}

static void expect(mnemo_status got, mnemo_status want, const model_op *op)
{
    if (got == want || (got == MNEMO_NO_MEMORY && want == MNEMO_OK))
        return;
    fprintf(stderr, "crash_writer: op %c on key %d returned %s, model expected %s (%s)\n",
            op->kind, op->key, mnemo_status_name(got), mnemo_status_name(want),
            mnemo_last_error());
    exit(3);
}

static uint32_t random_len(uint32_t max)
{
    return (next() & 1) ? next() % 200 : next() % max;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: crash_writer POOL LOG STATE SEED\n");
        return 2;
    }
    rnd = (uint32_t)strtoul(argv[4], NULL, 10) * 2654435761u + 12345;
    mnemo_pool_options o = {.path = argv[1], .capacity = POOL_CAPACITY,
                            .flags = MNEMO_OPEN_CREATE | MNEMO_OPEN_NO_EVICT};
    mnemo_pool *pool;
    if (mnemo_pool_open(&o, &pool) != MNEMO_OK) {
        fprintf(stderr, "crash_writer: open: %s\n", mnemo_last_error());
        return 2;
    }
    uint32_t region;
    if (mnemo_region_find(pool, CRASH_REGION, &region) != MNEMO_OK &&
        mnemo_region_create(pool, CRASH_REGION, &region) != MNEMO_OK) {
        fprintf(stderr, "crash_writer: region: %s\n", mnemo_last_error());
        return 2;
    }
    model m = {0};
    model_load(&m, argv[3]);
    log_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (log_fd < 0) {
        perror("crash_writer: log");
        return 2;
    }
    static uint8_t value[2 * CRASH_VALUE_MAX];
    char key[16];
    for (;;) {
        model_op op = {.kind = 0, .key = (int)(next() % CRASH_KEYS)};
        model_key(op.key, key, sizeof key);
        const uint8_t *k = (const uint8_t *)key;
        model_entry *e = &m.live.e[op.key];
        uint64_t num = 0;
        bool numeric = e->present && model_parse_u64(e->value, e->len, &num);
        uint32_t pick = next() % 100;
        mnemo_status want = MNEMO_OK, got;
        if (pick < 30 || (pick < 45 && !e->present)) {
            op.kind = pick < 30 ? 'S' : 'A';
            op.flags = next();
            op.seed = next();
            op.len = random_len(CRASH_VALUE_MAX);
            model_fill(op.seed, op.len, value);
            log_line('B', &op);
            got = mnemo_store(pool, region, op.kind == 'S' ? MNEMO_SET : MNEMO_ADD, k, 4, value,
                              op.len, op.flags, 0, NULL, NULL);
        } else if (pick < 45) {
            op.kind = 'N';
            op.flags = next();
            op.num = next() % 1000;
            int n = snprintf((char *)value, 32, "%llu", (unsigned long long)op.num);
            log_line('B', &op);
            got = mnemo_store(pool, region, MNEMO_SET, k, 4, value, (uint32_t)n, op.flags, 0, NULL,
                              NULL);
        } else if (pick < 55) {
            op.kind = 'P';
            op.seed = next();
            op.len = next() % 4096;
            if (e->present && e->len + op.len > CRASH_VALUE_MAX)
                continue;
            model_fill(op.seed, op.len, value);
            want = e->present ? MNEMO_OK : MNEMO_NOT_STORED;
            log_line('B', &op);
            got = mnemo_store(pool, region, MNEMO_APPEND, k, 4, value, op.len, 0, 0, NULL, NULL);
        } else if (pick < 65) {
            op.kind = 'I';
            op.num = next() % 100;
            want = !e->present ? MNEMO_NOT_FOUND : numeric ? MNEMO_OK : MNEMO_NON_NUMERIC;
            log_line('B', &op);
            got = mnemo_arith(pool, region, k, 4, 0, op.num, NULL, NULL, NULL);
        } else if (pick < 74) {
            op.kind = 'D';
            want = e->present ? MNEMO_OK : MNEMO_NOT_FOUND;
            log_line('B', &op);
            got = mnemo_delete(pool, region, k, 4, NULL);
        } else if (pick < 80) {
            op.kind = 'V';
            want = e->present ? MNEMO_OK : MNEMO_NOT_FOUND;
            mnemo_write_args invalidate = {.opts = MNEMO_WRITE_INVALIDATE};
            log_line('B', &op);
            got = mnemo_delete(pool, region, k, 4, &invalidate);
        } else if (pick < 88) {
            op.kind = 'T';
            want = e->present ? MNEMO_OK : MNEMO_NOT_FOUND;
            log_line('B', &op);
            got = mnemo_touch(pool, region, k, 4, 3600);
        } else if (pick < 92) {
            if (m.snaps >= CRASH_SNAPS)
                continue;
            op.kind = 'C';
            op.key = -1;
            log_line('B', &op);
            got = mnemo_snapshot_create(pool, region, &op.num);
        } else if (pick < 96) {
            if (m.snaps == 0)
                continue;
            op.kind = 'X';
            op.key = -1;
            op.num = m.snap_id[next() % (uint32_t)m.snaps];
            log_line('B', &op);
            got = mnemo_snapshot_delete(pool, region, op.num);
        } else if (pick < 99) {
            if (m.snaps == 0)
                continue;
            op.kind = 'R';
            op.key = -1;
            op.num = m.snap_id[next() % (uint32_t)m.snaps];
            log_line('B', &op);
            got = mnemo_snapshot_restore(pool, region, op.num);
        } else {
            op.kind = 'F';
            op.key = -1;
            log_line('B', &op);
            got = mnemo_flush(pool, region, 0);
        }
        expect(got, want, &op);
        if (got == MNEMO_OK) {
            log_line('K', &op);
            model_apply(&m, &op);
        }
    }
}
