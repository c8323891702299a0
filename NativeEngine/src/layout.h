/*
 * layout.h — the persistent layout of a pool. Everything here lives in the mapped device.
 *
 *   [ pool_header 4 KiB ][ page table: 1 byte per page ][ region table ][ slab pages ... ]
 *
 * Items are written out of place into free chunks and published by one 8-byte store of
 * their created epoch; see items.c for the protocol.
 */
#ifndef MNEMO_LAYOUT_H
#define MNEMO_LAYOUT_H

#include <stdint.h>

#define POOL_MAGIC "MNEMOPOL"
#define POOL_LAYOUT_VERSION 4u   /* 4: flush marks (region and snapshot entries); 3: item.state
                                  * joined the checksum */
#define POOL_HEADER_SIZE 4096u
#define POOL_MUTABLE_OFFSET 2048u   /* mutable header fields live apart from the checksummed ones */
#define POOL_GROW_OFFSET 2112u      /* a grown header staged here first (see mnemo_pool_grow) */
#define POOL_ALIGN 4096u

#define REGION_MAX 64u
#define SNAPSHOT_MAX 32u
#define SLAB_PAGE_SIZE_DEFAULT (1024u * 1024u)
#define SLAB_CHUNK_MIN 64u
#define SLAB_GROWTH_PERCENT 108u    /* next class: 8% larger, and at least 8 bytes */
#define SLAB_CLASS_MAX 255u         /* class ids are one byte in the page table */

#define EPOCH_LIVE UINT64_MAX       /* deleted epoch of a version nobody has superseded */

/* Immutable after create; header_crc covers every byte before it. */
typedef struct pool_header {
    char magic[8];
    uint32_t layout_version;
    uint32_t header_size;
    uint8_t uuid[16];
    uint64_t capacity;
    uint64_t page_size;
    uint64_t page_count;
    uint64_t page_table_off;
    uint64_t region_table_off;
    uint64_t data_off;
    uint32_t item_size_max;
    uint32_t device_mode;
    int64_t created_unix_ns;
    uint32_t chunk_min;
    uint32_t growth_percent;
    uint32_t header_crc;
} pool_header;

/* Mutable header fields (at POOL_MUTABLE_OFFSET). */
typedef struct pool_mutable {
    uint64_t cas_limit;   /* every CAS ever handed out is below this */
} pool_mutable;

typedef struct snapshot_entry {
    uint64_t id;                /* the epoch it froze; 0 = empty slot */
    int64_t created_unix_ns;
    uint64_t items;
    uint64_t bytes;
    uint64_t flushed_below;     /* the region's flush mark when it was taken */
} snapshot_entry;

enum region_state { REGION_FREE = 0, REGION_ACTIVE = 1, REGION_DROPPING = 2 };
enum intent_op { INTENT_NONE = 0, INTENT_RESTORE = 1, INTENT_IMPORT = 2 };
enum intent_state { INTENT_STAGING = 1, INTENT_COMMIT = 2 };

/* A restore or import in progress: versions created at `epoch` are staged until state says
 * COMMIT, after which recovery finishes the switch (see snapshot.c). */
typedef struct region_intent {
    uint32_t op;
    uint32_t state;
    uint64_t snapshot;          /* restore: the snapshot restored */
    uint64_t epoch;             /* epoch of the staged versions */
    uint64_t reserved;
} region_intent;

typedef struct region_entry {
    uint32_t state;
    uint32_t reserved;
    char name[64];
    uint64_t epoch;             /* current epoch; new versions are created at it */
    int64_t flush_at;           /* pending delayed flush_all (unix seconds), 0 = none */
    uint64_t flushed_below;     /* flush mark: live versions created before it are flushed */
    region_intent intent;
    snapshot_entry snapshots[SNAPSHOT_MAX];
    uint8_t pad[2048 - 8 - 64 - 8 - 8 - 8 - sizeof(region_intent) -
                SNAPSHOT_MAX * sizeof(snapshot_entry)];
} region_entry;

/* 48 bytes, followed by key and value. created/deleted/cas are 8-byte aligned so their stores
 * are single-copy atomic. exptime, last_access and access_bits are outside the checksum:
 * touch updates exptime in place with one 4-byte store, reads update the others in place.
 * state belongs to the version (written with it, under the checksum). */
typedef struct item {
    uint64_t created;           /* publish word: 0 = free or not yet published */
    uint64_t deleted;           /* epoch the version stopped being live, EPOCH_LIVE while live */
    uint64_t cas;               /* while free: next chunk of the free list */
    uint32_t exptime;           /* absolute unix seconds, 0 = never */
    uint32_t last_access;
    uint32_t flags;
    uint32_t value_len;
    uint8_t key_len;
    uint8_t region;
    uint8_t access_bits;        /* ITEM_FETCHED | ITEM_ACTIVE | ITEM_TOKEN_SENT */
    uint8_t state;              /* ITEM_STATE_STALE */
    uint32_t checksum;          /* crc32c of cas, flags, value_len, key_len, region, key, value */
} item;

#define ITEM_FETCHED 1u             /* read at least once (reported as mnemo_item_info.fetched) */
#define ITEM_ACTIVE 2u              /* accessed since eviction's clock hand last passed it */
#define ITEM_TOKEN_SENT 4u          /* a read won the right to recache (set in place, persisted) */

#define ITEM_STATE_STALE 1u         /* invalidated version, served marked stale */
#define ITEM_STATE_TOMBSTONE 2u     /* an ordered delete: no value, holds the version that deleted the key */

_Static_assert(sizeof(item) == 48, "item header must stay 48 bytes");
_Static_assert(sizeof(region_entry) == 2048, "region entry is 2 KiB");
_Static_assert(sizeof(pool_header) <= POOL_MUTABLE_OFFSET, "header fits before mutable part");
_Static_assert(POOL_GROW_OFFSET + sizeof(pool_header) <= POOL_HEADER_SIZE, "staged header fits in the header block");

#endif
