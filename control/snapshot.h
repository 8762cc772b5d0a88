/*
 * Building the service snapshot (dataplane/snapshot.h, the workers'
 * contract) from a validated config, and freeing it.
 * Threading: control lcore (or tools and tests); no EAL needed.
 */
#ifndef SLUICE_SNAPSHOT_H
#define SLUICE_SNAPSHOT_H

#include <stdint.h>

#include "../dataplane/snapshot.h"
#include "config.h"

/*
 * Build a snapshot for n_workers workers. Returns NULL with a message in
 * err (size errlen) on failure (scheduler build, allocation).
 */
struct snapshot *snap_build(const struct cfg *c, uint32_t n_workers,
			    uint64_t gen, char *err, size_t errlen);

/*
 * Build the successor of prev (may be NULL) for a changed config: ids of
 * services and backends that still exist are kept; busy[id] != 0 (array of
 * SL_MAX_BACKENDS, may be NULL) marks ids still counted by connections
 * to removed backends, which new backends must not take yet.
 */
struct snapshot *snap_rebuild(const struct cfg *c, uint32_t n_workers,
			      uint64_t gen, const struct snapshot *prev,
			      const uint8_t *busy, char *err, size_t errlen);

/*
 * Health of backend (service id, backend id): 1 up, 0 down. A backend the
 * function does not know is up. Used by snap_rebuild_health().
 */
typedef int (*snap_up_fn)(void *arg, uint16_t svc_id, uint32_t backend_id);

/* snap_rebuild() with health: DOWN backends are kept but never scheduled,
 * and those of down_policy "reset" services are marked for reset. */
struct snapshot *snap_rebuild_health(const struct cfg *c, uint32_t n_workers,
				     uint64_t gen, const struct snapshot *prev,
				     const uint8_t *busy, snap_up_fn up, void *up_arg,
				     char *err, size_t errlen);

/*
 * Answer for ip on port as for a port's own address (SNAP_LOCAL_ADDR |
 * SNAP_LOCAL_FLOAT): an address a VRRP daemon put on the port's kernel
 * interface that the config does not name. No-op if s knows ip already.
 * Only on a snapshot not yet published. 0 or -ENOMEM (s unchanged).
 */
int snap_add_floating(struct snapshot *s, uint32_t ip, uint8_t port);

void snap_free(struct snapshot *s);

#endif
