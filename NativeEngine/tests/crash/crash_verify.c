/*
 * crash_verify.c — after the writer was killed: replays the acknowledged operations of the log
 * on the baseline model, reopens the pool (running recovery) and compares. The one operation
 * in flight at the kill may or may not have applied, so the pool must equal the model either
 * without it or with it (for a restore: entirely one or the other). Prints
 * "acknowledged=A lost=L torn=T" and stores the pool's actual state as the next baseline.
 *
 *   lost: an acknowledged item (or deletion, or snapshot) missing from the pool
 *   torn: an item present with contents no acknowledged write produced
 *
 * usage: crash_verify POOL LOG STATE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash_model.h"

typedef struct tally { int lost, torn; } tally;

static bool verbose;

static void compare_view(const model_view *want, const model_view *got, tally *t)
{
    for (int k = 0; k < CRASH_KEYS; k++) {
        const model_entry *w = &want->e[k], *g = &got->e[k];
        if (model_entry_equal(w, g))
            continue;
        if (verbose)
            fprintf(stderr,
                    "  key k%03d: expected %s len %u flags %u stale %d, pool has %s len %u flags %u "
                    "stale %d\n",
                    k, w->present ? "present" : "absent", w->len, w->flags, w->stale,
                    g->present ? "present" : "absent", g->len, g->flags, g->stale);
        if (w->present != g->present)
            t->lost++;
        else
            t->torn++;
    }
}

/* A snapshot id of 0 in `want` stands for one created by the in-flight operation, whose id
 * the log never saw: it matches any snapshot of `got` that `want` does not name. */
static tally compare(const model *want, const model *got)
{
    tally t = {0, 0};
    compare_view(&want->live, &got->live, &t);
    bool used[CRASH_SNAPS + 1] = {false};
    for (int i = 0; i < want->snaps; i++) {
        int match = -1;
        for (int j = 0; j < got->snaps && match < 0; j++)
            if (want->snap_id[i] != 0 && got->snap_id[j] == want->snap_id[i])
                match = j;
        for (int j = 0; j < got->snaps && match < 0 && want->snap_id[i] == 0; j++) {
            bool named = false;
            for (int x = 0; x < want->snaps; x++)
                named |= want->snap_id[x] == got->snap_id[j];
            if (!named)
                match = j;
        }
        if (match < 0) {
            t.lost++;
            continue;
        }
        used[match] = true;
        compare_view(&want->snap[i], &got->snap[match], &t);
    }
    for (int j = 0; j < got->snaps; j++)
        if (!used[j])
            t.lost++; /* a deleted snapshot is back */
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: crash_verify POOL LOG STATE\n");
        return 2;
    }
    static model base, with_pending, actual;
    model_load(&base, argv[3]);
    FILE *log = fopen(argv[2], "r");
    char line[256];
    model_op op, pending;
    bool has_pending = false;
    int acknowledged = 0;
    while (log && fgets(line, sizeof line, log)) {
        if (strlen(line) < 3 || line[strlen(line) - 1] != '\n' || !model_parse_op(line + 2, &op))
            break; /* a line cut by the kill */
        if (line[0] == 'B') {
            pending = op;
            has_pending = true;
        } else if (line[0] == 'K') {
            model_apply(&base, &op);
            acknowledged++;
            has_pending = false;
        }
    }
    if (log)
        fclose(log);
    if (has_pending) {
        model_copy(&with_pending, &base);
        model_apply(&with_pending, &pending);
    }

    mnemo_pool_options o = {.path = argv[1], .flags = MNEMO_OPEN_CREATE | MNEMO_OPEN_NO_EVICT,
                            .capacity = 512ull << 20};
    mnemo_pool *pool = NULL;
    tally t = {0, 0};
    if (mnemo_pool_open(&o, &pool) != MNEMO_OK) {
        fprintf(stderr, "crash_verify: reopen failed: %s\n", mnemo_last_error());
        printf("acknowledged=%d lost=%d torn=%d\n", acknowledged, acknowledged ? acknowledged : 1, 0);
        return 1;
    }
    uint32_t region;
    if (mnemo_region_find(pool, CRASH_REGION, &region) != MNEMO_OK) {
        /* only legitimate before the first acknowledged operation ever */
        t.lost = acknowledged > 0 || base.snaps > 0;
        printf("acknowledged=%d lost=%d torn=0\n", acknowledged, t.lost);
        mnemo_pool_close(pool);
        return 0;
    }
    if (model_read_pool(pool, region, &actual) != MNEMO_OK) {
        fprintf(stderr, "crash_verify: reading the pool failed: %s\n", mnemo_last_error());
        return 1;
    }
    t = compare(&base, &actual);
    if (has_pending && (t.lost || t.torn)) {
        tally t2 = compare(&with_pending, &actual);
        if (t2.lost + t2.torn < t.lost + t.torn)
            t = t2;
    }
    /* the slabs and the item accounting must agree after recovery */
    mnemo_slab_stats ss[256]; /* at most 255 slab classes */
    uint32_t n = 0;
    mnemo_pool_stats ps;
    mnemo_slab_stats_get(pool, ss, 256, &n);
    mnemo_pool_stats_get(pool, &ps);
    uint64_t used = 0;
    for (uint32_t i = 0; i < n; i++)
        used += ss[i].chunks_used * ss[i].chunk_size;
    if (used != ps.bytes_used) {
        fprintf(stderr, "crash_verify: slabs hold %llu bytes, items account for %llu\n",
                (unsigned long long)used, (unsigned long long)ps.bytes_used);
        t.torn++;
    }
    if (t.lost || t.torn) {
        fprintf(stderr, "crash_verify: mismatch (pending op: %c); against the acknowledged state:\n",
                has_pending ? pending.kind : '-');
        verbose = true;
        compare(&base, &actual);
    }
    model_save(&actual, argv[3]);
    mnemo_pool_close(pool);
    printf("acknowledged=%d lost=%d torn=%d\n", acknowledged, t.lost, t.torn);
    return 0;
}
