/*
 * A packet flood for the exception-path test: UDP datagrams or TCP SYNs
 * from SRC (any address: a raw socket writes the IP header) to DST:PORT,
 * as fast as sendmmsg goes, for SECONDS. Source ports vary so every packet
 * is new. Prints how many it sent and the rate.
 *
 *   flood udp|syn SRC DST PORT SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define PAYLOAD 18

static uint16_t
csum(const void *p, size_t len, uint32_t sum)
{
	const uint16_t *w = p;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static uint8_t pkt[BATCH][64];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t src, dst;
	unsigned long sent = 0;
	double t0, secs;
	int syn, fd, one = 1, i;
	uint16_t sport = 1024;

	if (argc != 6 || inet_pton(AF_INET, argv[2], &src) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "usage: flood udp|syn SRC DST PORT SECONDS\n");
		return 2;
	}
	syn = strcmp(argv[1], "syn") == 0;
	secs = atof(argv[5]);
	to.sin_addr.s_addr = dst;
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) != 0) {
		perror("raw socket");
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < BATCH; i++) {
		struct iphdr *ip = (struct iphdr *)pkt[i];

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = syn ? IPPROTO_TCP : IPPROTO_UDP;
		ip->saddr = src;
		ip->daddr = dst;
		ip->tot_len = htons(syn ? 40 : 28 + PAYLOAD);
		iov[i].iov_base = pkt[i];
		iov[i].iov_len = syn ? 40 : 28 + PAYLOAD;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_name = &to;
		msg[i].msg_hdr.msg_namelen = sizeof(to);
	}
	t0 = now_s();
	while (now_s() - t0 < secs) {
		for (i = 0; i < BATCH; i++) {
			struct iphdr *ip = (struct iphdr *)pkt[i];
			struct {
				uint32_t s, d;
				uint8_t z, p;
				uint16_t len;
			} ph = { src, dst, 0, ip->protocol, 0 };

			if (++sport < 1024)
				sport = 1024;
			ip->id = htons(sport);
			ip->check = 0;
			ip->check = csum(ip, 20, 0);
			if (syn) {
				struct tcphdr *t = (struct tcphdr *)(ip + 1);

				memset(t, 0, sizeof(*t));
				t->source = htons(sport);
				t->dest = htons((uint16_t)atoi(argv[4]));
				t->seq = htonl(sport * 2654435761u);
				t->doff = 5;
				t->syn = 1;
				t->window = htons(64240);
				uint8_t buf[sizeof(ph) + 20];

				ph.len = htons(20);
				memcpy(buf, &ph, sizeof(ph));
				memcpy(buf + sizeof(ph), t, 20);
				t->check = csum(buf, sizeof(buf), 0);
			} else {
				struct udphdr *u = (struct udphdr *)(ip + 1);

				u->source = htons(sport);
				u->dest = htons((uint16_t)atoi(argv[4]));
				u->len = htons(8 + PAYLOAD);
				u->check = 0;
			}
		}
		i = sendmmsg(fd, msg, BATCH, 0);
		if (i > 0)
			sent += (unsigned long)i;
	}
	secs = now_s() - t0;
	printf("{\"sent\": %lu, \"seconds\": %.2f, \"pps\": %.0f}\n", sent, secs, (double)sent / secs);
	return 0;
}
