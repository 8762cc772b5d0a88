/*
 * Command line of the end-to-end traffic generator (gen.c): what to send,
 * for how long, and which addresses to answer ARP for on each port.
 * Threading: parsed once on the main lcore before the ports start.
 */
#ifndef SLUICE_BENCH_GEN_OPTS_H
#define SLUICE_BENCH_GEN_OPTS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "gen_pkt.h"

#define GEN_MAX_RXQ 8

enum { GEN_PA, GEN_PB };

struct gen_opts {
	const char *name[2];         /* ethdev names of ports A and B */
	uint16_t rxq;                /* RX queues polled per port (= DUT TX queues) */
	uint32_t vip;                /* network order */
	uint16_t dport;              /* host order */
	uint8_t proto;
	uint32_t src_base;           /* host order */
	uint32_t src_count;          /* addresses in --src */
	uint32_t flows;
	uint32_t ports_per_addr;
	uint16_t frame_len;          /* with FCS */
	double duration, warmup, timeout;
	struct gen_addrset arp[2];   /* answered by ARP on A and on B */
	int resolve;                 /* learn the DUT's MAC by ARP for the VIP */
	struct rte_ether_addr dst_mac;
	int progress;
	int hold;                    /* after the report, keep the ports until a signal */
	uint32_t ignore_arp_b;       /* ARP requests on B left unanswered, the first N */
	uint32_t rx_delay_ms;        /* no RX poll until this long after the links are up */
};

/* Defaults, then the arguments after EAL's. 0, or -1 after a message. */
int gen_opts_parse(int argc, char **argv, struct gen_opts *o);
void gen_opts_usage(FILE *f);

#endif
