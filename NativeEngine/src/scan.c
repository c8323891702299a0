/* scan.c — walking the slab pages for the chunks of one region (whole-region operations). */
#include <stdlib.h>

#include "engine.h"

mnemo_status ref_vec_push(ref_vec *v, uint32_t ref)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        uint32_t *refs = realloc(v->refs, cap * sizeof *refs);
        if (!refs)
            return set_error(MNEMO_NO_MEMORY, "out of memory collecting %zu chunk refs", cap);
        v->refs = refs;
        v->cap = cap;
    }
    v->refs[v->len++] = ref;
    return MNEMO_OK;
}

void ref_vec_free(ref_vec *v)
{
    free(v->refs);
    v->refs = NULL;
    v->len = v->cap = 0;
}

/* Each page is examined under its class lock: a chunk seen published cannot be reallocated
 * (and its header rewritten) meanwhile, so reading its region byte is safe. Appends the page's
 * matching chunks to `out`. */
static mnemo_status collect_page(mnemo_pool *pool, uint32_t page, uint32_t region, chunk_pred pred,
                                 void *ctx, ref_vec *out)
{
    uint32_t c = page_class(pool, page);
    if (c == 0)
        return MNEMO_OK;
    slab_class *cls = &pool->classes[c];
    pthread_mutex_lock(&cls->lock);
    uint32_t slots = cls->carve_page == page ? cls->carve_next : cls->per_page;
    uint8_t *base = pool->data + (uint64_t)page * pool->page_size;
    mnemo_status st = MNEMO_OK;
    for (uint32_t s = 0; s < slots && st == MNEMO_OK; s++) {
        item *it = (item *)(base + (uint64_t)s * cls->chunk_size);
        if (item_created(it) != 0 && it->region == region && pred(pool, it, ctx))
            st = ref_vec_push(out, ref_make(pool, page, s));
    }
    pthread_mutex_unlock(&cls->lock);
    return st;
}

mnemo_status scan_collect(mnemo_pool *pool, uint32_t region, chunk_pred pred, void *ctx,
                          ref_vec *out)
{
    mnemo_status st = MNEMO_OK;
    for (uint32_t page = 0; page < pool->page_count && st == MNEMO_OK; page++)
        st = collect_page(pool, page, region, pred, ctx, out);
    return st;
}

mnemo_status scan_pages(mnemo_pool *pool, uint32_t region, chunk_pred pred, void *ctx,
                        page_fn fn, void *fn_ctx)
{
    ref_vec refs = {0};
    mnemo_status st = MNEMO_OK;
    for (uint32_t page = 0; page < pool->page_count && st == MNEMO_OK; page++) {
        refs.len = 0;
        st = collect_page(pool, page, region, pred, ctx, &refs);
        if (st == MNEMO_OK && refs.len)
            fn(pool, &refs, fn_ctx);
    }
    ref_vec_free(&refs);
    return st;
}
