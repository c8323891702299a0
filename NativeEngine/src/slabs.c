/*
 * slabs.c — slab classes and chunk allocation. Classes follow memcached's scheme with a finer
 * step: chunk sizes from 64 bytes, each 8 % larger than the last (at least 8 bytes, aligned to
 * 8), up to half a page, plus one page-sized class; so an item wastes about 4 % of its chunk on
 * average (memcached's default factor of 1.25 wastes about 11 %). The page -> class table is
 * persistent; free lists, carving positions, page lists and counters are rebuilt by recovery.
 * A page keeps its class for the pool's life.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static uint32_t align8(uint64_t v) { return (uint32_t)((v + 7) & ~7ull); }

static uint64_t next_chunk_size(uint64_t size)
{
    uint64_t grown = align8(size * SLAB_GROWTH_PERCENT / 100);
    return grown > size + 8 ? grown : size + 8;
}

/* Appends page to the class's page list (the circle eviction's hand sweeps). */
static mnemo_status class_add_page(slab_class *cls, uint32_t page)
{
    if (cls->pages == cls->page_list_cap) {
        uint32_t cap = cls->page_list_cap ? cls->page_list_cap * 2 : 4;
        uint32_t *list = realloc(cls->page_list, sizeof *list * cap);
        if (!list)
            return set_error(MNEMO_NO_MEMORY, "out of memory for the page list of slab class %u",
                             cls->id);
        cls->page_list = list;
        cls->page_list_cap = cap;
    }
    cls->page_list[cls->pages++] = page;
    return MNEMO_OK;
}

mnemo_status slabs_init(mnemo_pool *pool)
{
    uint32_t n = 0;
    uint64_t size = SLAB_CHUNK_MIN;
    while (size <= pool->page_size / 2 && n < SLAB_CLASS_MAX - 1) {
        pool->classes[++n].chunk_size = (uint32_t)size;
        size = next_chunk_size(size);
    }
    pool->classes[++n].chunk_size = (uint32_t)pool->page_size;
    pool->class_count = n;
    for (uint32_t c = 1; c <= n; c++) {
        slab_class *cls = &pool->classes[c];
        pthread_mutex_init(&cls->lock, NULL);
        cls->id = c;
        cls->per_page = (uint32_t)(pool->page_size / cls->chunk_size);
        cls->free_head = REF_NONE;
        cls->carve_page = REF_NONE;
    }
    pthread_mutex_init(&pool->page_lock, NULL);
    pool->free_pages = malloc(sizeof(uint32_t) * (pool->page_count ? pool->page_count : 1));
    if (!pool->free_pages)
        return set_error(MNEMO_NO_MEMORY, "out of memory for the slab tables of %llu pages",
                         (unsigned long long)pool->page_count);
    /* free pages are stacked so that the lowest is taken first; each class lists its pages
     * in ascending order */
    for (uint64_t p = pool->page_count; p-- > 0;) {
        uint8_t c = pool->page_table[p];
        if (c == 0) {
            pool->free_pages[pool->free_page_count++] = (uint32_t)p;
            continue;
        }
        if (c > n)
            return set_error(MNEMO_CORRUPT, "page %llu has unknown slab class %u",
                             (unsigned long long)p, c);
    }
    for (uint64_t p = 0; p < pool->page_count; p++) {
        uint8_t c = pool->page_table[p];
        mnemo_status st;
        if (c != 0 && (st = class_add_page(&pool->classes[c], (uint32_t)p)) != MNEMO_OK)
            return st;
    }
    return MNEMO_OK;
}

mnemo_status slabs_add_pages(mnemo_pool *pool, uint64_t pages)
{
    pthread_mutex_lock(&pool->page_lock);
    uint64_t old = pool->page_count, added = pages - old;
    uint32_t *grown = realloc(pool->free_pages, sizeof(uint32_t) * pages);
    if (!grown) {
        pthread_mutex_unlock(&pool->page_lock);
        return set_error(MNEMO_NO_MEMORY, "out of memory for the slab tables of %llu pages",
                         (unsigned long long)pages);
    }
    /* The stack is taken from its top: the new pages go beneath the old free ones, the lowest
     * nearest the top, so pages are still taken lowest first. */
    memmove(grown + added, grown, sizeof(uint32_t) * pool->free_page_count);
    for (uint64_t i = 0; i < added; i++)
        grown[i] = (uint32_t)(pages - 1 - i);
    pool->free_pages = grown;
    pool->free_page_count += (uint32_t)added;
    __atomic_store_n(&pool->page_count, pages, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&pool->page_lock);
    return MNEMO_OK;
}

void slabs_destroy(mnemo_pool *pool)
{
    free(pool->free_pages);
    for (uint32_t c = 1; c <= pool->class_count; c++) {
        free(pool->classes[c].page_list);
        pthread_mutex_destroy(&pool->classes[c].lock);
    }
    if (pool->class_count)
        pthread_mutex_destroy(&pool->page_lock);
}

uint32_t slabs_class_for(const mnemo_pool *pool, uint32_t total)
{
    uint32_t lo = 1, hi = pool->class_count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (pool->classes[mid].chunk_size >= total)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

uint32_t slabs_chunk_size_of(const mnemo_pool *pool, uint32_t ref)
{
    return pool->classes[page_class(pool, ref_page(pool, ref))].chunk_size;
}

static mnemo_status slabs_assign_page(mnemo_pool *pool, slab_class *cls, uint32_t page)
{
    mnemo_status st = class_add_page(cls, page);
    if (st != MNEMO_OK)
        return st;
    __atomic_store_n(&pool->page_table[page], (uint8_t)cls->id, __ATOMIC_RELEASE);
    pool_persist(pool, &pool->page_table[page], 1);
    return MNEMO_OK;
}

static uint32_t take_free_page(mnemo_pool *pool)
{
    uint32_t page = REF_NONE;
    pthread_mutex_lock(&pool->page_lock);
    if (pool->free_page_count)
        page = pool->free_pages[--pool->free_page_count];
    pthread_mutex_unlock(&pool->page_lock);
    return page;
}

static void return_free_page(mnemo_pool *pool, uint32_t page)
{
    pthread_mutex_lock(&pool->page_lock);
    pool->free_pages[pool->free_page_count++] = page;
    pthread_mutex_unlock(&pool->page_lock);
}

static uint64_t retained_total(mnemo_pool *pool)
{
    uint64_t sum = 0;
    for (uint32_t r = 0; r < REGION_MAX; r++)
        sum += __atomic_load_n(&pool->rt[r].retained_bytes, __ATOMIC_RELAXED);
    return sum;
}

mnemo_status slabs_alloc(mnemo_pool *pool, uint32_t total, uint32_t shard_held, uint32_t pinned,
                         uint32_t *ref_out)
{
    slab_class *cls = &pool->classes[slabs_class_for(pool, total)];
    uint32_t ref = REF_NONE;
    mnemo_status st = MNEMO_OK;
    pthread_mutex_lock(&cls->lock);
    if (cls->free_head != REF_NONE) {
        ref = cls->free_head;
        cls->free_head = (uint32_t)item_at(pool, ref)->cas;
    } else {
        if (cls->carve_page == REF_NONE) {
            uint32_t page = take_free_page(pool);
            if (page != REF_NONE) {
                if ((st = slabs_assign_page(pool, cls, page)) != MNEMO_OK) {
                    return_free_page(pool, page);
                    goto out;
                }
                cls->carve_page = page;
                cls->carve_next = 0;
            }
        }
        if (cls->carve_page != REF_NONE) {
            ref = ref_make(pool, cls->carve_page, cls->carve_next++);
            if (cls->carve_next == cls->per_page)
                cls->carve_page = REF_NONE;
        } else if (pool->flags & MNEMO_OPEN_NO_EVICT) {
            /* no eviction, but expired and flushed items are fair game */
            if ((ref = lru_reclaim_locked(pool, cls, shard_held, pinned)) == REF_NONE) {
                st = set_error(MNEMO_NO_MEMORY,
                               "out of memory storing a %u-byte item: slab class %u (%u-byte "
                               "chunks) is full and eviction is disabled",
                               total, cls->id, cls->chunk_size);
                goto out;
            }
        } else if ((ref = lru_evict_locked(pool, cls, shard_held, pinned)) == REF_NONE) {
            st = set_error(MNEMO_NO_MEMORY,
                           "out of memory storing a %u-byte item: slab class %u (%u-byte chunks) "
                           "has nothing evictable; snapshots retain %llu bytes (delete snapshots "
                           "to free them)",
                           total, cls->id, cls->chunk_size,
                           (unsigned long long)retained_total(pool));
            goto out;
        }
    }
    cls->chunks_used++;
    *ref_out = ref;
out:
    pthread_mutex_unlock(&cls->lock);
    return st;
}

void slabs_free_locked(mnemo_pool *pool, slab_class *cls, uint32_t ref)
{
    item *it = item_at(pool, ref);
    it->cas = cls->free_head;
    cls->free_head = ref;
    cls->chunks_used--;
}

void slabs_free(mnemo_pool *pool, uint32_t ref)
{
    slab_class *cls = &pool->classes[page_class(pool, ref_page(pool, ref))];
    pthread_mutex_lock(&cls->lock);
    slabs_free_locked(pool, cls, ref);
    pthread_mutex_unlock(&cls->lock);
}
