/*
 * Sluice's log types, on DPDK's log (rte_log), so an operator sets their
 * levels with EAL's --log-level like any library's:
 *   --log-level=sluice.health:debug    one type
 *   --log-level=lib.*:warning          quieter DPDK, Sluice unchanged
 *   --log-level=*:warning              everything, Sluice included
 * and messages go where EAL sends its own: standard output, and syslog
 * too with --syslog. Each registers at INFO.
 *   sluice.app     set-up: ports, queues, rings, workers' state
 *   sluice.ctl     the control lcore: links, reloads, the ready line
 *   sluice.health  health-check transitions
 * Command-line output (--check, usage, config errors found before EAL
 * starts) is not logging and stays on stdio.
 * Threading: rte_log is thread-safe; any lcore.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <rte_log.h>

extern int sl_logtype_app;
extern int sl_logtype_ctl;
extern int sl_logtype_health;

/* SL_LOG(ERR, app, "port %s: ...", name): "sluice: " in front, a newline after. */
#define SL_LOG(level, type, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_logtype_##type, "sluice: " fmt "\n", ##__VA_ARGS__)

#endif
