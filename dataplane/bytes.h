/*
 * Unaligned loads and stores of packet fields, in wire (network) order.
 * Frames may be only 2-byte aligned (802.1Q tags, odd offsets in tests), so
 * fields are read with memcpy, which compilers turn into plain moves on x86
 * and which sanitizers accept. Threading: pure inlines.
 */
#ifndef SLUICE_BYTES_H
#define SLUICE_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t
sl_ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
sl_ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
sl_st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
sl_st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

#endif
