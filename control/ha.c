/*
 * Following keepalived through the TAPs' addresses (see ha.h).
 *
 * One rtnetlink socket subscribed to IPv4 address events, read without
 * blocking each tick, plus one dump at start-up. The set of addresses the
 * TAPs have is kept here; a change republishes the snapshot with
 * ha_apply() marking what is not held, so a worker never reads a half
 * change. The set is small (a pair's VIPs), so it is a plain array.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "../dataplane/log.h"
#include "config.h"
#include "exception.h"
#include "ha.h"
#include "health_ctl.h"
#include "nexthop.h"
#include "snapshot.h"

#define HA_NL_BUF 16384
#define HA_NL_READS 16        /* datagrams read a tick, at most */

struct ha_state {
	int fd;
	int ifindex[SL_MAX_PORTS];    /* TAP of port p, 0 = none */
	uint32_t addr[HA_MAX_ADDRS];  /* network order */
	uint8_t addr_port[HA_MAX_ADDRS];
	uint32_t n_addr;
	int dirty;
	uint32_t gained[HA_MAX_ADDRS];
	uint32_t n_gained;
	uint64_t changes, garp_sent, dropped, last_change_ms;
	pthread_mutex_t lock;         /* the set and counters, for ha_status */
};

static struct ha_state *ha;

static int
ha_find(uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < ha->n_addr; i++)
		if (ha->addr[i] == ip)
			return (int)i;
	return -1;
}

static int
ha_port_of_ifindex(int ifindex)
{
	int p;

	for (p = 0; p < SL_MAX_PORTS; p++)
		if (ha->ifindex[p] != 0 && ha->ifindex[p] == ifindex)
			return p;
	return -1;
}

/* One address event; what it changes is marked dirty. */
static void
ha_event(int add, int ifindex, uint32_t ip)
{
	int p = ha_port_of_ifindex(ifindex), i;

	if (p < 0)
		return;
	i = ha_find(ip);
	pthread_mutex_lock(&ha->lock);
	if (add && i < 0) {
		if (ha->n_addr == HA_MAX_ADDRS) {
			ha->dropped++;
		} else {
			ha->addr_port[ha->n_addr] = (uint8_t)p;
			ha->addr[ha->n_addr++] = ip;
			if (ha->n_gained < HA_MAX_ADDRS)
				ha->gained[ha->n_gained++] = ip;
			ha->dirty = 1;
		}
	} else if (!add && i >= 0) {
		ha->addr[i] = ha->addr[--ha->n_addr];
		ha->addr_port[i] = ha->addr_port[ha->n_addr];
		ha->dirty = 1;
	}
	pthread_mutex_unlock(&ha->lock);
}

static void
ha_parse(const char *buf, ssize_t len)
{
	const struct nlmsghdr *h;

	for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		const struct ifaddrmsg *ifa;
		const struct rtattr *rta;
		int rlen;
		uint32_t ip = 0;

		if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR)
			continue;
		ifa = NLMSG_DATA(h);
		if (ifa->ifa_family != AF_INET)
			continue;
		rlen = (int)IFA_PAYLOAD(h);
		for (rta = IFA_RTA(ifa); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen))
			if ((rta->rta_type == IFA_LOCAL ||
			     (rta->rta_type == IFA_ADDRESS && ip == 0)) &&
			    RTA_PAYLOAD(rta) == 4)
				memcpy(&ip, RTA_DATA(rta), 4);
		if (ip != 0)
			ha_event(h->nlmsg_type == RTM_NEWADDR, (int)ifa->ifa_index, ip);
	}
}

static void
ha_read(void)
{
	static char buf[HA_NL_BUF];
	int i;

	for (i = 0; i < HA_NL_READS; i++) {
		ssize_t n = recv(ha->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			return;
		ha_parse(buf, n);
	}
}

/* Ask for every IPv4 address now; the answer is read like events. */
static int
ha_dump(void)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[HA_NL_BUF];
	int done = 0, rounds;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_INET;
	if (sendto(ha->fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* A machine's addresses fit a few reads; bounded all the same. */
	for (rounds = 0; !done && rounds < 1000; rounds++) {
		ssize_t n = recv(ha->fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h;
		ssize_t left = n;

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)left);
		     h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				done = 1;
		ha_parse(buf, n);
	}
	return done ? 0 : -EIO;
}

/* Held: some TAP has it. Port addresses are not the VRRP daemon's: always. */
static int
ha_holds(uint32_t ip)
{
	return ha_find(ip) >= 0;
}

void
ha_apply(const struct sl_app *app, struct snapshot *s)
{
	uint32_t i;

	if (ha == NULL || !app->cfg->vips_follow)
		return;
	pthread_mutex_lock(&ha->lock);
	for (i = 0; i < s->n_services; i++)
		s->services[i].held = (uint8_t)ha_holds(s->services[i].vip);
	for (i = 0; i <= s->local_mask; i++) {
		struct snap_local *l = &s->locals[i];

		if (l->ip == 0 || (l->kinds & SNAP_LOCAL_ADDR))
			continue;
		if (ha_holds(l->ip))
			l->kinds = (uint8_t)(l->kinds & ~SNAP_LOCAL_RELEASED);
		else
			l->kinds |= SNAP_LOCAL_RELEASED;
	}
	/* The rest the daemon put there (a floating gateway for nat's
	 * backends): answered as the port's own while it is there. */
	for (i = 0; i < ha->n_addr; i++)
		if (snap_add_floating(s, ha->addr[i], ha->addr_port[i]) != 0)
			SL_LOG(ERR, ctl, "ha: out of memory for a floating address");
	pthread_mutex_unlock(&ha->lock);
}

/* "Who has ip? Tell ip", from the port's MAC: neighbours update their
 * caches to this appliance (RFC 5227's announcement). */
static void
ha_garp(struct sl_app *app, uint32_t ip)
{
	const struct snap_local *l = snap_find_local(app->snap, ip);
	struct rte_mbuf *m;

	if (l == NULL || (l->kinds & (SNAP_LOCAL_ADDR | SNAP_LOCAL_FLOAT)) == SNAP_LOCAL_ADDR ||
	    l->arp_port >= app->n_ports)
		return;
	m = nh_arp_request(app, l->arp_port, ip, ip);
	if (m == NULL)
		return;
	if (exc_port_tx(app, l->arp_port, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return;
	}
	ha->garp_sent++;
}

void
ha_poll(struct sl_app *app, uint64_t now)
{
	uint32_t i, n;

	if (ha == NULL)
		return;
	ha_read();
	if (!ha->dirty)
		return;
	ha->dirty = 0;
	pthread_mutex_lock(&ha->lock);
	ha->changes++;
	ha->last_change_ms = now;
	pthread_mutex_unlock(&ha->lock);
	if (hcc_republish(app) != 0)
		return;
	n = ha->n_gained;
	ha->n_gained = 0;
	for (i = 0; i < n; i++) {
		char b[INET_ADDRSTRLEN];
		const struct snap_local *l = snap_find_local(app->snap, ha->gained[i]);

		if (l == NULL || (l->kinds & (SNAP_LOCAL_ADDR | SNAP_LOCAL_FLOAT)) == SNAP_LOCAL_ADDR)
			continue;
		SL_LOG(NOTICE, ctl, "ha: %s held (its port's kernel interface has it)",
		       cfg_ip_str(ha->gained[i], b));
		ha_garp(app, ha->gained[i]);
	}
}

int
ha_init(struct sl_app *app)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR };
	uint32_t p;
	int rc, sz = 1 << 20;

	if (!app->cfg->vips_follow)
		return 0;
	ha = calloc(1, sizeof(*ha));
	if (ha == NULL)
		return -1;
	pthread_mutex_init(&ha->lock, NULL);
	for (p = 0; p < app->n_ports; p++)
		if (app->ports[p].has_tap)
			ha->ifindex[p] = (int)if_nametoindex(app->ports[p].tap_name);
	ha->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (ha->fd < 0 || setsockopt(ha->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) != 0 ||
	    bind(ha->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		SL_LOG(ERR, ctl, "ha: cannot watch interface addresses (rtnetlink): %s",
		       strerror(errno));
		ha_fini();
		return -1;
	}
	rc = ha_dump();
	if (rc != 0) {
		SL_LOG(ERR, ctl, "ha: cannot read interface addresses: %s", strerror(-rc));
		ha_fini();
		return -1;
	}
	/* What a TAP has at start is held; what it lacks, released. No
	 * announcement: the daemon has not chosen this appliance. */
	ha->n_gained = 0;
	ha->dirty = 0;
	if (hcc_republish(app) != 0) {
		ha_fini();
		return -1;
	}
	SL_LOG(NOTICE, ctl, "ha: following the ports' kernel interfaces: %u addresses there",
	       ha->n_addr);
	return 0;
}

void
ha_fini(void)
{
	if (ha == NULL)
		return;
	if (ha->fd >= 0)
		close(ha->fd);
	pthread_mutex_destroy(&ha->lock);
	free(ha);
	ha = NULL;
}

void
ha_status(struct ha_status *out)
{
	memset(out, 0, sizeof(*out));
	if (ha == NULL)
		return;
	pthread_mutex_lock(&ha->lock);
	out->follow = 1;
	out->n_held = ha->n_addr;
	memcpy(out->held, ha->addr, ha->n_addr * sizeof(ha->addr[0]));
	out->changes = ha->changes;
	out->garp_sent = ha->garp_sent;
	out->last_change_ms = ha->last_change_ms;
	pthread_mutex_unlock(&ha->lock);
}
