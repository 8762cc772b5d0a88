/*
 * Kernel exception path: what is not load-balanced reaches the Linux kernel
 * through a TAP interface per data port, and what the kernel sends there
 * leaves through the data port. The TAP carries the port's MAC and its
 * addresses, so unmodified sockets (health checks, and later VRRP or BGP
 * daemons) work over the data ports.
 *
 * One truth for neighbours: the dataplane answers ARP for its addresses; the
 * kernel never sees those requests. The kernel resolves what its own sockets
 * need with its own ARP requests, whose replies the dataplane learns from
 * and passes on (a copy) to the kernel.
 *
 * Workers hand exception packets to the control lcore through their own
 * single-producer rings (worker.h: exc); the control lcore writes them to
 * the TAP and sends the kernel's packets out of the port.
 * Threading: exc_* on the main/control lcore.
 */
#ifndef SLUICE_EXCEPTION_H
#define SLUICE_EXCEPTION_H

#include "../dataplane/app.h"
#include "config.h"

/*
 * Create and start a TAP for every port (named "sl-" + port name, cut to 15
 * characters), give it the port's MAC and addresses. 0 or -1 with a message.
 * Context: main lcore, after ports are set up, before workers run.
 */
int exc_init(struct sl_app *app);

/* Move packets between workers, TAPs and ports; call every control tick. */
void exc_poll(struct sl_app *app);

/*
 * Send n packets on port index p from the control lcore: on its own TX
 * queue, or handed to worker 0 when the port has none. Returns how many
 * were taken; the rest are still the caller's. Context: control lcore.
 */
uint16_t exc_port_tx(struct sl_app *app, uint32_t p, struct rte_mbuf **m, uint16_t n);

/* Stop and close the TAPs. */
void exc_fini(struct sl_app *app);

#endif
