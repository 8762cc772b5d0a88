/*
 * Session sync between appliances: the wire format, all of it (STYLE 12).
 * One UDP datagram is one message: a header, records, and an HMAC-SHA256
 * over everything before it, keyed by the shared sync key. Every field is
 * big-endian. A receiver rejects (and counts, by reason) a message whose
 * magic, version, type, length, record count, MAC, group or sequence is
 * wrong, and installs nothing from it.
 *
 * Message
 *  0               1               2               3
 *  +---------------+---------------+---------------+---------------+
 *  |  magic 'S'    |  magic 'Y'    |  version = 1  |  type         |
 *  +---------------+---------------+---------------+---------------+
 *  |  length (BE16), header to MAC |  n_records    |  flags = 0    |
 *  +---------------+---------------+---------------+---------------+
 *  |  group (BE32): both ends must agree                           |
 *  +---------------------------------------------------------------+
 *  |  sender (BE32): the sending appliance's node id               |
 *  +---------------------------------------------------------------+
 *  |  epoch (BE32): the sender's start, seconds; a restart is new  |
 *  +---------------------------------------------------------------+
 *  |  sequence (BE32): per sender and epoch, from 1, +1 a message  |
 *  +---------------------------------------------------------------+
 *  |  records: n_records x 36 bytes (type CONNS only)              |
 *  |  or, type HELLO only, 8 bytes:                                |
 *  |    workers (BE16)   | FULLNAT port_min (BE16)                 |
 *  |    port_max (BE16)  | reserved = 0 (BE16)                     |
 *  +---------------------------------------------------------------+
 *  |  HMAC-SHA256 (32 bytes) over bytes 0 .. length - 33           |
 *  +---------------------------------------------------------------+
 *
 * Connection record (IPv4), 36 bytes (IPVS v1's size). It names its service and backend by
 * address, protocol and port, never by local ids (two appliances number
 * them differently).
 *  +---------------+---------------+---------------+---------------+
 *  |  protocol     |  mode         |  state        |  flags        |
 *  +---------------+---------------+---------------+---------------+
 *  |  client port                  |  VIP port                     |
 *  +-------------------------------+-------------------------------+
 *  |  backend port                 |  local port (FULLNAT, else 0) |
 *  +-------------------------------+-------------------------------+
 *  |  client address                                               |
 *  |  VIP                                                          |
 *  |  backend address                                              |
 *  |  local address (FULLNAT, else 0)                              |
 *  +---------------------------------------------------------------+
 *  |  remaining timeout, milliseconds (BE32)                       |
 *  +---------------------------------------------------------------+
 *  |  reserved = 0 (BE32)                                          |
 *  +---------------------------------------------------------------+
 *
 * Types: CONNS carries records; BULK_REQ asks the receiver for its whole
 * table (a starting appliance); BULK_END says a bulk transfer is complete;
 * HELLO, sent every second and to a peer first heard from, says what a
 * receiver must share with its sender to install its connections (the
 * FULLNAT port range), and is how peers know each other alive.
 * Modes and states are the wire's own numbers below, mapped to and from
 * the connection table's, never cast.
 */
#ifndef SLUICE_SYNC_PROTO_H
#define SLUICE_SYNC_PROTO_H

#include <assert.h>
#include <stdint.h>

#define SYNC_MAGIC0 'S'
#define SYNC_MAGIC1 'Y'
#define SYNC_VERSION 1
#define SYNC_MAC_LEN 32
/* A message fits one 1500-byte IP packet: 1500 - 20 (IP) - 8 (UDP). */
#define SYNC_MAX_MSG 1472

enum sync_type {
	SYNC_T_CONNS = 1,
	SYNC_T_BULK_REQ = 2,
	SYNC_T_BULK_END = 3,
	SYNC_T_HELLO = 4,
};

enum sync_wire_mode {
	SYNC_M_NAT = 0,
	SYNC_M_FULLNAT = 1,
	SYNC_M_DR = 2,
};

enum sync_wire_state {
	SYNC_S_ESTABLISHED = 1,
	SYNC_S_FIN_WAIT = 2,
	SYNC_S_CLOSE_WAIT = 3,
	SYNC_S_TIME_WAIT = 4,
	SYNC_S_CLOSE = 5,
	SYNC_S_UDP = 6,
	SYNC_S__MAX = SYNC_S_UDP,
};

struct sync_wire_hdr {
	uint8_t magic[2];
	uint8_t version;
	uint8_t type;
	uint16_t length;     /* BE: header + records + MAC */
	uint8_t n_records;
	uint8_t flags;
	uint32_t group;      /* BE */
	uint32_t sender;     /* BE */
	uint32_t epoch;      /* BE */
	uint32_t seq;        /* BE */
};

struct sync_wire_rec {
	uint8_t proto;
	uint8_t mode;        /* enum sync_wire_mode */
	uint8_t state;       /* enum sync_wire_state */
	uint8_t flags;       /* 0: none defined yet, receivers require 0 */
	uint16_t cport, vport, dport, lport;   /* BE */
	uint32_t caddr, vaddr, daddr, laddr;   /* BE */
	uint32_t timeout_ms; /* BE */
	uint32_t reserved;
};

struct sync_wire_hello {
	uint16_t workers;    /* BE */
	uint16_t lport_min;  /* BE */
	uint16_t lport_max;  /* BE */
	uint16_t reserved;
};

static_assert(sizeof(struct sync_wire_hello) == 8, "sync hello body is 8 bytes on the wire");
static_assert(sizeof(struct sync_wire_hdr) == 24, "sync header is 24 bytes on the wire");
static_assert(sizeof(struct sync_wire_rec) == 36, "sync record is 36 bytes on the wire");

/* Records one message carries at most. */
#define SYNC_MAX_RECS \
	((SYNC_MAX_MSG - sizeof(struct sync_wire_hdr) - SYNC_MAC_LEN) / sizeof(struct sync_wire_rec))
static_assert(SYNC_MAX_RECS == 39, "39 records fill a 1472-byte message");
static_assert(SYNC_MAX_RECS <= UINT8_MAX, "n_records fits its byte");

#endif
