/*
 * crash_model.h — the oracle of the crash test: the expected contents of the test region
 * (live view and snapshots) and the operations that change it. The writer and the verifier
 * apply the same logged operations to it.
 */
#ifndef MNEMO_CRASH_MODEL_H
#define MNEMO_CRASH_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "mnemo_engine.h"

#define CRASH_KEYS 200
#define CRASH_SNAPS 4
#define CRASH_VALUE_MAX (64 * 1024)
#define CRASH_REGION "crash"

typedef struct model_entry {
    bool present;
    uint32_t flags;
    uint32_t len;
    uint8_t *value;
    bool stale;     /* invalidated (md I) */
} model_entry;

typedef struct model_view { model_entry e[CRASH_KEYS]; } model_view;

typedef struct model {
    model_view live;
    int snaps;
    uint64_t snap_id[CRASH_SNAPS + 1];
    model_view snap[CRASH_SNAPS + 1];
} model;

/* One logged operation. kind: S set, N set-number, A add, P append, I incr, D delete,
 * V invalidate (delete marking stale), T touch, C snapshot create, X snapshot delete,
 * R snapshot restore, F flush_all. */
typedef struct model_op {
    char kind;
    int key;
    uint32_t flags;
    uint32_t seed;
    uint32_t len;
    uint64_t num;   /* N: value, I: delta, C/X/R: snapshot id */
} model_op;

void model_key(int key, char *buf, size_t cap);
void model_fill(uint32_t seed, uint32_t len, uint8_t *out);   /* never numeric */
bool model_parse_u64(const uint8_t *p, uint32_t len, uint64_t *out);
void model_apply(model *m, const model_op *op);
void model_copy(model *dst, const model *src);
void model_free(model *m);
bool model_entry_equal(const model_entry *a, const model_entry *b);

int model_format_op(const model_op *op, char *buf, size_t cap);
bool model_parse_op(const char *line, model_op *op);

/* Baseline state between rounds (binary). */
bool model_save(const model *m, const char *path);
bool model_load(model *m, const char *path); /* false when absent: empty model */

/* Reads the actual state of the region from the pool. */
mnemo_status model_read_pool(mnemo_pool *pool, uint32_t region, model *out);

#endif
