/*
 * Kernel exception path through TAP interfaces (see exception.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../dataplane/log.h"
#include "../dataplane/worker.h"
#include "exception.h"

#define EXC_BURST 32

/* Add ip/prefix to interface ifindex (rtnetlink RTM_NEWADDR). 0 or -errno. */
static int
if_addr_add(int ifindex, uint32_t ip, uint8_t prefix)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *rta;
	char ack[256];
	int fd, rc = 0;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = prefix;
	req.ifa.ifa_index = (unsigned int)ifindex;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFA_LOCAL;
	rta->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(rta), &ip, 4);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_LENGTH(4);
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFA_ADDRESS;
	rta->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(rta), &ip, 4);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_LENGTH(4);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(fd, ack, sizeof(ack), 0);
	if (n < 0) {
		rc = -errno;
	} else if ((size_t)n >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)ack;

		if (h->nlmsg_type == NLMSG_ERROR)
			rc = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
out:
	close(fd);
	return rc;
}

static int
if_index(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFINDEX, &ifr) == 0 ? ifr.ifr_ifindex : -errno;
	close(fd);
	return rc;
}

static int
if_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		rc = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0)
			rc = -errno;
	}
	close(fd);
	return rc;
}

/* The kernel side speaks IPv4 only: no IPv6 chatter out of the data port. */
static void
if_no_ipv6(const char *ifname)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs("1\n", f);
	fclose(f);
}

static int
tap_create(struct sl_app *app, uint32_t p)
{
	struct sl_port *sp = &app->ports[p];
	const struct cfg_port *cp = &app->cfg->ports[p];
	struct rte_eth_conf conf;
	char devargs[160], name[32], ifname[IFNAMSIZ], mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint32_t a;
	int rc, ifindex;

	snprintf(ifname, sizeof(ifname), "sl-%s", cp->name);
	snprintf(name, sizeof(name), "net_tap_sl%u", p);
	rte_ether_format_addr(mac, sizeof(mac), &sp->mac);
	snprintf(devargs, sizeof(devargs), "%s,iface=%s,mac=%s", name, ifname, mac);
	rc = rte_dev_probe(devargs);
	if (rc != 0 || rte_eth_dev_get_port_by_name(name, &sp->tap_port_id) != 0) {
		SL_LOG(ERR, app, "port %s: cannot create kernel interface %s (%s): %s",
			cp->name, ifname, devargs, rte_strerror(-rc));
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_configure(sp->tap_port_id, 1, 1, &conf)) != 0 ||
	    (rc = rte_eth_rx_queue_setup(sp->tap_port_id, 0, 512, (unsigned int)sp->socket,
					 NULL, sp->pool)) != 0 ||
	    (rc = rte_eth_tx_queue_setup(sp->tap_port_id, 0, 512, (unsigned int)sp->socket,
					 NULL)) != 0 ||
	    (rc = rte_eth_dev_start(sp->tap_port_id)) != 0) {
		SL_LOG(ERR, app, "port %s: kernel interface %s: %s", cp->name, ifname,
			rte_strerror(-rc));
		return -1;
	}
	sp->has_tap = 1;
	snprintf(sp->tap_name, sizeof(sp->tap_name), "%s", ifname);
	if_no_ipv6(ifname);
	ifindex = if_index(ifname);
	rc = ifindex > 0 ? if_up(ifname) : ifindex;
	for (a = 0; rc == 0 && a < cp->n_addrs; a++)
		rc = if_addr_add(ifindex, cp->addrs[a].ip, cp->addrs[a].prefix);
	if (rc != 0) {
		SL_LOG(ERR, app, "port %s: configuring kernel interface %s: %s",
			cp->name, ifname, strerror(-rc));
		return -1;
	}
	return 0;
}

int
exc_init(struct sl_app *app)
{
	uint32_t p;

	for (p = 0; p < app->n_ports; p++)
		if (tap_create(app, p) != 0)
			return -1;
	return 0;
}

uint16_t
exc_port_tx(struct sl_app *app, uint32_t p, struct rte_mbuf **m, uint16_t n)
{
	struct sl_port *sp = &app->ports[p];
	uint16_t i, k, sent;

	/* Worker 0 tags what it sends for the control lcore (wk_tx). */
	if (sp->tx_queue_ctl != SL_TXQ_VIA_WORKER) {
		for (k = 0; k < n && sl_port_tag(sp, m[k]) == 0; k++)
			;
		sent = rte_eth_tx_burst(sp->port_id, sp->tx_queue_ctl, m, k);
		/* What stays the caller's goes back untagged: it may come again. */
		for (i = sent; i < k && sp->vlan != 0; i++) {
			(void)rte_vlan_strip(m[i]);
			m[i]->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
		}
		return sent;
	}
	for (i = 0; i < n; i++)
		m[i]->port = sp->port_id;
	return (uint16_t)rte_ring_sp_enqueue_burst(app->ctl_tx, (void **)m, n, NULL);
}

/* Kernel -> port: through the control TX queue, or worker 0 when none. */
static void
kernel_to_port(struct sl_app *app, uint32_t p)
{
	struct sl_port *sp = &app->ports[p];
	struct rte_mbuf *m[EXC_BURST];
	uint16_t n, sent, i;

	n = rte_eth_rx_burst(sp->tap_port_id, 0, m, EXC_BURST);
	if (n == 0)
		return;
	sent = exc_port_tx(app, p, m, n);
	for (i = sent; i < n; i++)
		rte_pktmbuf_free(m[i]);
	sl_ctl_add(&app->exc_to_port, sent);
	sl_ctl_add(&app->exc_dropped, (uint64_t)(n - sent));
}

/* Workers -> kernel: up to max packets of ring r. */
static void
worker_to_kernel(struct sl_app *app, uint32_t w, struct rte_ring *r, unsigned int max)
{
	struct rte_mbuf *m[EXC_BURST];
	unsigned int n, i, done = 0;

	do {
		n = rte_ring_sc_dequeue_burst(r, (void **)m, RTE_MIN(max - done, (unsigned int)EXC_BURST), NULL);
		for (i = 0; i < n; i++) {
			uint8_t p = app->workers[w]->port_index[m[i]->port];
			struct sl_port *sp = &app->ports[p];

			if (!sp->has_tap || rte_eth_tx_burst(sp->tap_port_id, 0, &m[i], 1) != 1) {
				rte_pktmbuf_free(m[i]);
				sl_ctl_add(&app->exc_dropped, 1);
			} else {
				sl_ctl_add(&app->exc_to_kernel, 1);
			}
		}
		done += n;
	} while (n == (unsigned int)EXC_BURST && done < max);
}

/*
 * Every worker's priority ring is emptied before any bulk one is touched,
 * and bulk takes one burst per worker a pass: however much a flood queued,
 * the control lcore's own packets wait behind EXC_BURST writes per worker
 * at most, and its other duties (health checks, sync) keep their turn.
 */
void
exc_poll(struct sl_app *app)
{
	uint32_t i;

	for (i = 0; i < app->n_workers; i++)
		worker_to_kernel(app, i, app->workers[i]->exc_prio, SL_EVENT_RING_SIZE);
	for (i = 0; i < app->n_workers; i++)
		worker_to_kernel(app, i, app->workers[i]->exc, EXC_BURST);
	for (i = 0; i < app->n_ports; i++)
		if (app->ports[i].has_tap)
			kernel_to_port(app, i);
}

void
exc_fini(struct sl_app *app)
{
	uint32_t p;

	for (p = 0; p < app->n_ports; p++) {
		struct sl_port *sp = &app->ports[p];

		if (!sp->has_tap)
			continue;
		rte_eth_dev_stop(sp->tap_port_id);
		rte_eth_dev_close(sp->tap_port_id);
		sp->has_tap = 0;
	}
}
