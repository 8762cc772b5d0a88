/*
 * Following a VRRP daemon (ha.vips "follow"; ha.c): a VIP or FULLNAT local
 * address is held, answered for and served, only while the kernel
 * interface of a port (the exception path's TAP) has it. keepalived adds
 * and removes it there as it becomes master or backup; Sluice watches
 * with rtnetlink, republishes the snapshot and, on a gain, sends a
 * gratuitous ARP from the port so neighbours move to this appliance.
 * Without "follow" nothing here runs and every VIP is held.
 * Threading: control lcore, but ha_status (any thread).
 */
#ifndef SLUICE_HA_H
#define SLUICE_HA_H

#include <stddef.h>
#include <stdint.h>

#include "../dataplane/app.h"
#include "../dataplane/snapshot.h"

/* Open the netlink watch and read what the TAPs have now. 0 or -1 (said
 * why). Context: control lcore, after exc_init. */
int ha_init(struct sl_app *app);
void ha_fini(void);

/* Address changes since the last tick: republish, announce gains. */
void ha_poll(struct sl_app *app, uint64_t now);

/* Mark in s what is not held (a no-op without "follow"); every snapshot
 * from the config passes here before it is published. */
void ha_apply(const struct sl_app *app, struct snapshot *s);

/* Addresses on the TAPs that are tracked, at most (the rest are counted). */
#define HA_MAX_ADDRS 1024

struct ha_status {
	int follow;
	uint32_t n_held;
	uint32_t held[HA_MAX_ADDRS];      /* network order: addresses the TAPs have */
	uint64_t changes;                 /* address events that changed what is held */
	uint64_t garp_sent;
	uint64_t last_change_ms;
};

/* A copy of what is held now. Context: any thread. */
void ha_status(struct ha_status *out);

#endif
