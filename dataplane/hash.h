/*
 * The project's integer mixers, each written once. Both are full-avalanche
 * finalisers: every input bit flips each output bit with probability about
 * one half, so keys that differ in a few low bits (addresses of one subnet,
 * a client's sequential ports) spread over a whole table.
 * Pure arithmetic: usable on any lcore, in tests and tools.
 */
#ifndef SLUICE_HASH_H
#define SLUICE_HASH_H

#include <stdint.h>

/* 2^64 / phi and 2^32 / phi: Fibonacci hashing's multipliers and the
 * usual seeds and increments of the generators built on these mixers. */
#define SL_GOLDEN64 0x9e3779b97f4a7c15ull
#define SL_GOLDEN32 0x9e3779b9u

/* splitmix64's finaliser. */
static inline uint64_t
sl_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* murmur3's 32-bit finaliser (fmix32). */
static inline uint32_t
sl_mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#endif
