/* hash.c — 64-bit key hash (MurmurHash64A), seeded with the region so regions never collide. */
#include <string.h>

#include "engine.h"

uint64_t hash_key(uint32_t region, const uint8_t *key, uint32_t key_len)
{
    const uint64_t m = 0xc6a4a7935bd1e995ull;
    const int r = 47;
    uint64_t h = (0x9e3779b97f4a7c15ull * (region + 1)) ^ (key_len * m);
    const uint8_t *p = key;
    const uint8_t *end = key + (key_len & ~7u);
    for (; p != end; p += 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    uint64_t tail = 0;
    switch (key_len & 7u) {
    case 7: tail ^= (uint64_t)p[6] << 48; /* fall through */
    case 6: tail ^= (uint64_t)p[5] << 40; /* fall through */
    case 5: tail ^= (uint64_t)p[4] << 32; /* fall through */
    case 4: tail ^= (uint64_t)p[3] << 24; /* fall through */
    case 3: tail ^= (uint64_t)p[2] << 16; /* fall through */
    case 2: tail ^= (uint64_t)p[1] << 8;  /* fall through */
    case 1: tail ^= (uint64_t)p[0];
        h ^= tail;
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}
