/*
 * Every capacity of the appliance, in one place: the config's bounds, the
 * snapshot's arrays and the workers' tables are sized from these names and
 * no other. Raising one is a change here and nowhere else (the static
 * asserts next to the structures they size say what else must still hold).
 */
#ifndef SLUICE_LIMITS_H
#define SLUICE_LIMITS_H

#define SL_MAX_WORKERS 64
#define SL_MAX_PORTS 8
#define SL_MAX_PORT_ADDRS 16       /* addresses per port */
#define SL_MAX_SERVICES 1000
/* Backends in all services together; also the stable backend id space
 * (per-worker load and counter arrays are indexed by id). */
#define SL_MAX_BACKENDS 10000
#define SL_MAX_SVC_LADDRS 64       /* FULLNAT local addresses per service */
#define SL_MAX_LADDRS 256          /* FULLNAT local addresses in all services */
#define SL_NAME_LEN 32             /* port and service names, with the NUL */
#define SL_MAX_BURST 256           /* packets per rx burst */
#define SL_MAX_CT_CAPACITY (1u << 28) /* connections per worker table */
#define SL_STEER_RING_SIZE 2048    /* worker -> worker hand-off, per pair */
#define SL_EVENT_RING_SIZE 1024    /* workers -> control events */
#define SL_MAX_SYNC_PEERS 16       /* unicast session sync peers */
#define SL_SYNC_RING_SIZE 16384    /* session sync records, each way, per worker */

#endif
