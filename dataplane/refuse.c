/* Refusal packets (see refuse.h). */
#include <netinet/in.h>
#include <string.h>

#include <rte_tcp.h>

#include "bytes.h"
#include "refuse.h"
#include "xlate.h"

#define REPLY_TTL 64

static void
swap_macs(uint8_t *frame)
{
	uint8_t tmp[6];

	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
}

static uint16_t
be16(uint16_t host)
{
	return (uint16_t)((host >> 8) | (host << 8));
}

static uint32_t
be32(uint32_t host)
{
	return __builtin_bswap32(host);
}

uint32_t
refuse_tcp_rst(uint8_t *frame, const struct pkt_meta *m)
{
	uint8_t *ip = frame + m->l2_len;
	uint8_t *tcp = ip + 20;
	const uint8_t *otcp = ip + m->l3_len;
	uint32_t seq = be32(sl_ld32(otcp + 4)), ack = be32(sl_ld32(otcp + 8));
	uint32_t seg = m->l4_len - (uint32_t)((otcp[12] >> 4) * 4);
	struct pkt_meta out = *m;
	uint8_t flags;

	if (m->tcp_flags & RTE_TCP_SYN_FLAG)
		seg++;
	if (m->tcp_flags & RTE_TCP_FIN_FLAG)
		seg++;
	/* RFC 793: answer an ACK with RST seq = its ack; anything else with
	 * RST|ACK acknowledging what it carried. */
	if (m->tcp_flags & RTE_TCP_ACK_FLAG) {
		flags = RTE_TCP_RST_FLAG;
		sl_st32(tcp + 4, be32(ack));
		sl_st32(tcp + 8, 0);
	} else {
		flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
		sl_st32(tcp + 4, 0);
		sl_st32(tcp + 8, be32(seq + seg));
	}
	swap_macs(frame);
	/* Options go: the TCP header moves up to follow a 20-byte IP header. */
	ip[0] = 0x45;
	ip[1] = 0;
	sl_st16(ip + 2, be16(40));
	sl_st16(ip + 4, 0);
	sl_st16(ip + 6, be16(0x4000));
	ip[8] = REPLY_TTL;
	ip[9] = IPPROTO_TCP;
	sl_st32(ip + 12, m->dst_ip);
	sl_st32(ip + 16, m->src_ip);
	sl_st16(tcp, m->dst_port);
	sl_st16(tcp + 2, m->src_port);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	sl_st16(tcp + 14, 0);
	sl_st16(tcp + 18, 0);
	out.l3_len = 20;
	out.l4_len = 20;
	out.src_ip = m->dst_ip;
	out.dst_ip = m->src_ip;
	xlate_csum_full(frame, &out);
	return m->l2_len + 40u;
}

static uint32_t
icmp_error(uint8_t *nf, const struct pkt_meta *m, uint32_t src_ip, uint8_t code,
	   uint16_t mtu)
{
	const uint8_t *frame = nf + REFUSE_ICMP_HEADROOM;
	uint32_t quoted = m->l3_len + 8u;
	uint8_t *ip, *icmp;
	struct pkt_meta out;

	/* The packet's IP header + 8 bytes stay where they are; the L2
	 * header and the new IP and ICMP headers go in front of them. */
	memmove(nf, frame, m->l2_len);
	swap_macs(nf);
	ip = nf + m->l2_len;
	icmp = ip + 20;
	ip[0] = 0x45;
	ip[1] = 0;
	sl_st16(ip + 2, be16((uint16_t)(20 + 8 + quoted)));
	sl_st16(ip + 4, 0);
	sl_st16(ip + 6, be16(0x4000));
	ip[8] = REPLY_TTL;
	ip[9] = IPPROTO_ICMP;
	sl_st32(ip + 12, src_ip);
	sl_st32(ip + 16, m->src_ip);
	icmp[0] = 3;
	icmp[1] = code;
	sl_st16(icmp + 4, 0);
	sl_st16(icmp + 6, be16(mtu));
	memset(&out, 0, sizeof(out));
	out.l2_len = m->l2_len;
	out.l3_len = 20;
	out.l4_len = (uint16_t)(8 + quoted);
	out.proto = IPPROTO_ICMP;
	out.kind = PKT_KIND_IPV4;
	xlate_csum_full(nf, &out);
	return m->l2_len + 28u + quoted;
}

uint32_t
refuse_udp_unreachable(uint8_t *nf, const struct pkt_meta *m)
{
	return icmp_error(nf, m, m->dst_ip, 3, 0);
}

uint32_t
refuse_frag_needed(uint8_t *nf, const struct pkt_meta *m, uint32_t src_ip, uint16_t mtu)
{
	return icmp_error(nf, m, src_ip, 4, mtu);
}
