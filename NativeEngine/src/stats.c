/* stats.c — pool-wide and per-slab-class statistics. */
#include <string.h>

#include "engine.h"

static uint64_t load(const uint64_t *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

mnemo_status mnemo_pool_stats_get(mnemo_pool *pool, mnemo_pool_stats *out)
{
    clear_error();
    if (!pool || !out)
        return set_error(MNEMO_INVALID, "pool and out are required");
    memset(out, 0, sizeof *out);
    out->capacity = pool->hdr->capacity;
    out->data_capacity = pool->page_count * pool->page_size;
    for (uint32_t r = 0; r < REGION_MAX; r++) {
        const region_rt *rt = &pool->rt[r];
        if (__atomic_load_n(&pool->regions[r].state, __ATOMIC_ACQUIRE) != REGION_ACTIVE)
            continue;
        out->regions++;
        out->bytes_used += load(&rt->bytes_used);
        out->item_bytes += load(&rt->item_bytes);
        out->items += load(&rt->items);
        out->evictions += load(&rt->evictions);
        out->hits += load(&rt->hits);
        out->misses += load(&rt->misses);
        out->snapshot_retained_bytes += load(&rt->retained_bytes);
        if (region_enter(pool, r, false) != MNEMO_OK)
            continue; /* dropped meanwhile */
        for (uint32_t i = 0; i < SNAPSHOT_MAX; i++)
            out->snapshots += pool->regions[r].snapshots[i].id != 0;
        region_leave(pool, r);
    }
    out->index_bytes = index_bytes(pool);
    out->recovery_ns = pool->recovery_ns;
    out->item_size_max = pool->item_size_max;
    out->device_mode = pool->device_mode;
    for (uint32_t c = 1; c <= pool->class_count; c++) {
        slab_class *cls = &pool->classes[c];
        pthread_mutex_lock(&cls->lock);
        out->slab_classes += cls->pages != 0;
        pthread_mutex_unlock(&cls->lock);
    }
    return MNEMO_OK;
}

mnemo_status mnemo_slab_stats_get(mnemo_pool *pool, mnemo_slab_stats *out, uint32_t cap,
                                  uint32_t *count)
{
    clear_error();
    if (!pool || !count || (cap && !out))
        return set_error(MNEMO_INVALID, "pool, count and (when cap > 0) out are required");
    uint32_t n = 0;
    for (uint32_t c = 1; c <= pool->class_count; c++) {
        slab_class *cls = &pool->classes[c];
        pthread_mutex_lock(&cls->lock);
        if (cls->pages != 0) {
            if (n < cap) {
                out[n].class_id = c;
                out[n].chunk_size = cls->chunk_size;
                out[n].pages = cls->pages;
                out[n].chunks_total = cls->pages * cls->per_page;
                out[n].chunks_used = cls->chunks_used;
                out[n].evictions = cls->evictions;
            }
            n++;
        }
        pthread_mutex_unlock(&cls->lock);
    }
    *count = n;
    return MNEMO_OK;
}
