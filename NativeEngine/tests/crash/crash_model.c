/* crash_model.c — the crash test's oracle (see crash_model.h). */
#include "crash_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void model_key(int key, char *buf, size_t cap) { snprintf(buf, cap, "k%03d", key); }

void model_fill(uint32_t seed, uint32_t len, uint8_t *out)
{
    uint32_t x = seed * 2654435761u + 1;
    for (uint32_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)('a' + x % 26);
    }
}

bool model_parse_u64(const uint8_t *p, uint32_t len, uint64_t *out)
{
    uint32_t i = 0, digits = 0;
    uint64_t v = 0;
    while (i < len && p[i] == ' ')
        i++;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    for (; i < len; i++)
        if (p[i] != ' ')
            return false;
    *out = v;
    return digits > 0;
}

static void entry_set(model_entry *e, uint32_t flags, const uint8_t *v, uint32_t len, bool stale)
{
    uint8_t *nv = malloc(len ? len : 1);
    memcpy(nv, v, len);
    free(e->value);
    e->present = true;
    e->flags = flags;
    e->len = len;
    e->value = nv;
    e->stale = stale;
}

static void entry_clear(model_entry *e)
{
    free(e->value);
    memset(e, 0, sizeof *e);
}

static void view_copy(model_view *dst, const model_view *src)
{
    for (int k = 0; k < CRASH_KEYS; k++) {
        entry_clear(&dst->e[k]);
        if (src->e[k].present)
            entry_set(&dst->e[k], src->e[k].flags, src->e[k].value, src->e[k].len,
                      src->e[k].stale);
    }
}

void model_apply(model *m, const model_op *op)
{
    model_entry *e = op->key >= 0 ? &m->live.e[op->key] : NULL;
    static uint8_t buf[2 * CRASH_VALUE_MAX + 64];
    switch (op->kind) {
    case 'S':
    case 'A':
        model_fill(op->seed, op->len, buf);
        entry_set(e, op->flags, buf, op->len, false);
        break;
    case 'N': {
        int n = snprintf((char *)buf, 32, "%llu", (unsigned long long)op->num);
        entry_set(e, op->flags, buf, (uint32_t)n, false);
        break;
    }
    case 'P':
        if (!e->present)
            break; /* NOT_STORED: no effect */
        memcpy(buf, e->value, e->len);
        model_fill(op->seed, op->len, buf + e->len);
        entry_set(e, e->flags, buf, e->len + op->len, false);
        break;
    case 'I': {
        uint64_t v = 0;
        if (!e->present || !model_parse_u64(e->value, e->len, &v))
            break; /* NOT_FOUND / NON_NUMERIC: no effect */
        v += op->num;
        char digits[32];
        uint32_t n = (uint32_t)snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
        uint32_t len = n;
        memcpy(buf, digits, n);
        if (n < e->len && e->len <= 64) {
            memset(buf + n, ' ', e->len - n);
            len = e->len;
        }
        /* a result that fits is changed in place (memcached), keeping the stale bit */
        entry_set(e, e->flags, buf, len, e->stale && n <= e->len);
        break;
    }
    case 'D':
        entry_clear(e);
        break;
    case 'V':
        if (e->present)
            e->stale = true;
        break;
    case 'T':
        break;
    case 'C':
        if (m->snaps > CRASH_SNAPS)
            break;
        m->snap_id[m->snaps] = op->num;
        view_copy(&m->snap[m->snaps], &m->live);
        m->snaps++;
        break;
    case 'X':
        for (int i = 0; i < m->snaps; i++)
            if (m->snap_id[i] == op->num) {
                view_copy(&m->snap[i], &m->snap[m->snaps - 1]);
                m->snap_id[i] = m->snap_id[m->snaps - 1];
                view_copy(&m->snap[m->snaps - 1], &(model_view){0});
                m->snaps--;
                break;
            }
        break;
    case 'R':
        for (int i = 0; i < m->snaps; i++)
            if (m->snap_id[i] == op->num)
                view_copy(&m->live, &m->snap[i]);
        break;
    case 'F':
        view_copy(&m->live, &(model_view){0});
        break;
    }
}

void model_copy(model *dst, const model *src)
{
    view_copy(&dst->live, &src->live);
    for (int i = 0; i <= CRASH_SNAPS; i++)
        view_copy(&dst->snap[i], &src->snap[i]);
    memcpy(dst->snap_id, src->snap_id, sizeof dst->snap_id);
    dst->snaps = src->snaps;
}

void model_free(model *m)
{
    model_view empty = {0};
    view_copy(&m->live, &empty);
    for (int i = 0; i <= CRASH_SNAPS; i++)
        view_copy(&m->snap[i], &empty);
    m->snaps = 0;
}

bool model_entry_equal(const model_entry *a, const model_entry *b)
{
    if (a->present != b->present)
        return false;
    return !a->present ||
           (a->flags == b->flags && a->stale == b->stale && a->len == b->len &&
            memcmp(a->value, b->value, a->len) == 0);
}

int model_format_op(const model_op *op, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%c %d %u %u %u %llu", op->kind, op->key, op->flags, op->seed,
                    op->len, (unsigned long long)op->num);
}

bool model_parse_op(const char *line, model_op *op)
{
    unsigned long long num;
    if (sscanf(line, "%c %d %u %u %u %llu", &op->kind, &op->key, &op->flags, &op->seed, &op->len,
               &num) != 6)
        return false;
    op->num = num;
    return true;
}

static bool write_view(FILE *f, const model_view *v)
{
    for (int k = 0; k < CRASH_KEYS; k++) {
        const model_entry *e = &v->e[k];
        uint32_t hdr[4] = {e->present, e->flags, e->len, e->stale};
        if (fwrite(hdr, sizeof hdr, 1, f) != 1 || (e->len && fwrite(e->value, e->len, 1, f) != 1))
            return false;
    }
    return true;
}

static bool read_view(FILE *f, model_view *v)
{
    static uint8_t buf[2 * CRASH_VALUE_MAX + 64];
    for (int k = 0; k < CRASH_KEYS; k++) {
        uint32_t hdr[4];
        if (fread(hdr, sizeof hdr, 1, f) != 1 || hdr[2] > sizeof buf ||
            (hdr[2] && fread(buf, hdr[2], 1, f) != 1))
            return false;
        entry_clear(&v->e[k]);
        if (hdr[0])
            entry_set(&v->e[k], hdr[1], buf, hdr[2], hdr[3] != 0);
    }
    return true;
}

bool model_save(const model *m, const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return false;
    bool ok = fwrite(&m->snaps, sizeof m->snaps, 1, f) == 1 &&
              fwrite(m->snap_id, sizeof m->snap_id, 1, f) == 1 && write_view(f, &m->live);
    for (int i = 0; ok && i < m->snaps; i++)
        ok = write_view(f, &m->snap[i]);
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

bool model_load(model *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fread(&m->snaps, sizeof m->snaps, 1, f) == 1 && m->snaps <= CRASH_SNAPS &&
              fread(m->snap_id, sizeof m->snap_id, 1, f) == 1 && read_view(f, &m->live);
    for (int i = 0; ok && i < m->snaps; i++)
        ok = read_view(f, &m->snap[i]);
    fclose(f);
    return ok;
}

static int read_cb(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                   uint32_t value_len, const mnemo_item_info *info)
{
    model_view *v = ctx;
    int k = -1;
    if (key_len == 4 && key[0] == 'k')
        k = (key[1] - '0') * 100 + (key[2] - '0') * 10 + (key[3] - '0');
    if (k < 0 || k >= CRASH_KEYS) {
        fprintf(stderr, "unexpected key %.*s in the pool\n", (int)key_len, key);
        return 0;
    }
    entry_set(&v->e[k], info->flags, value, value_len, (info->state & MNEMO_ITEM_STALE) != 0);
    return 0;
}

mnemo_status model_read_pool(mnemo_pool *pool, uint32_t region, model *out)
{
    model_free(out);
    mnemo_status st = mnemo_region_scan(pool, region, 0, read_cb, &out->live);
    mnemo_snapshot_info info[CRASH_SNAPS + 2];
    uint32_t n = 0;
    if (st == MNEMO_OK)
        st = mnemo_snapshot_list(pool, region, info, CRASH_SNAPS + 2, &n);
    if (st == MNEMO_OK && n > CRASH_SNAPS + 1) {
        fprintf(stderr, "pool has %u snapshots, more than the test ever keeps\n", n);
        n = CRASH_SNAPS + 1;
    }
    for (uint32_t i = 0; st == MNEMO_OK && i < n; i++) {
        out->snap_id[i] = info[i].id;
        st = mnemo_region_scan(pool, region, info[i].id, read_cb, &out->snap[i]);
    }
    out->snaps = (int)n;
    return st;
}
