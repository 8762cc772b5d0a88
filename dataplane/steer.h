/*
 * Flow ownership: which worker owns a packet's connection.
 *
 * Every connection lives in one worker's table; both directions must be
 * processed there. Where the NIC cannot steer replies itself (virtual ports,
 * NICs without flow rules), a worker that receives a packet it does not own
 * hands it over through a single-producer ring (app.h: steer rings).
 *  - nat:     owner = hash(client address, client port): the client is the
 *             source of requests and the destination of replies, so both
 *             directions agree without any shared state;
 *  - fullnat: the worker that received the client's first packet owns the
 *             flow and takes the local port from its own range, so a reply's
 *             destination port names its owner;
 *  - dr:      replies bypass the appliance, so a SYN stays with the worker
 *             that received it, and the rest of its flow comes there too;
 *             a miss that is not a SYN (a connection session sync
 *             installed, on the worker its client endpoint names, as for
 *             nat) goes to hash(client address, client port).
 * Only evaluated on a table miss: a hit proves ownership.
 * Threading: pure inline functions, any lcore.
 */
#ifndef SLUICE_STEER_H
#define SLUICE_STEER_H

#include <netinet/in.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "hash.h"
#include "pkt.h"
#include "snapshot.h"

/*
 * Owner of a nat client endpoint (ip, port in network order): Fibonacci
 * hashing of the 48-bit endpoint, whose high bits spread a client's
 * sequential ports evenly; then a multiply maps it onto n workers without a
 * division. Pure arithmetic, so it is unit-tested without EAL.
 */
static inline uint32_t
steer_nat_owner(uint32_t n_workers, uint32_t ip, uint16_t port)
{
	uint64_t h = ((uint64_t)ip << 16 | port) * SL_GOLDEN64;

	return (uint32_t)(((h >> 32) * n_workers) >> 32);
}

/*
 * Worker that must process a packet that missed in worker self's table.
 * svc is the service the packet is addressed to, or NULL.
 */
static inline uint32_t
steer_owner(const struct snapshot *s, const struct snap_service *svc,
	    const struct pkt_meta *meta, uint32_t self)
{
	const struct snap_local *local;

	if (s->n_workers == 1)
		return 0;
	if (svc != NULL) {
		if (svc->mode == SVC_MODE_FULLNAT ||
		    (svc->mode == SVC_MODE_DR && meta->proto == IPPROTO_TCP &&
		     (meta->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG))
			return self;
		return steer_nat_owner(s->n_workers, meta->src_ip, meta->src_port);
	}
	local = snap_find_local(s, meta->dst_ip);
	if (local != NULL)
		/* Not a service: only FULLNAT replies are owned elsewhere; the
		 * rest (a VIP's unconfigured port, a port address) is dropped or
		 * punted where it arrived, without a hand-off. */
		return (local->kinds & SNAP_LOCAL_LADDR) ?
			snap_lport_owner(s, meta->dst_port) : self;
	return steer_nat_owner(s->n_workers, meta->dst_ip, meta->dst_port);
}

/*
 * Worker that installs a connection a peer synced, by the rules above: the
 * one its later packets are handed to on a miss. Addresses and ports in
 * network order.
 */
static inline uint32_t
steer_sync_owner(const struct snapshot *s, uint8_t mode, uint32_t caddr, uint16_t cport,
		 uint16_t lport)
{
	if (s->n_workers == 1)
		return 0;
	if (mode == SVC_MODE_FULLNAT)
		return snap_lport_owner(s, lport);
	return steer_nat_owner(s->n_workers, caddr, cport);
}

#endif
