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

/*
 * IPv4 (20 bytes, TTL 64, DF) and TCP (no options, no payload) headers of
 * a segment this appliance sends, at ip, checksums included.
 */
static void
put_tcp_seg(uint8_t *frame, uint16_t l2_len, uint32_t src_ip, uint32_t dst_ip,
	    uint16_t src_port, uint16_t dst_port, uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t *ip = frame + l2_len, *tcp = ip + 20;
	struct pkt_meta out;

	ip[0] = 0x45;
	ip[1] = 0;
	sl_st16(ip + 2, be16(40));
	sl_st16(ip + 4, 0);
	sl_st16(ip + 6, be16(0x4000));
	ip[8] = REPLY_TTL;
	ip[9] = IPPROTO_TCP;
	sl_st32(ip + 12, src_ip);
	sl_st32(ip + 16, dst_ip);
	sl_st16(tcp, src_port);
	sl_st16(tcp + 2, dst_port);
	sl_st32(tcp + 4, be32(seq));
	sl_st32(tcp + 8, be32(ack));
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	sl_st16(tcp + 14, 0);
	sl_st16(tcp + 18, 0);
	memset(&out, 0, sizeof(out));
	out.kind = PKT_KIND_IPV4;
	out.proto = IPPROTO_TCP;
	out.l2_len = l2_len;
	out.l3_len = 20;
	out.l4_len = 20;
	out.src_ip = src_ip;
	out.dst_ip = dst_ip;
	xlate_csum_full(frame, &out);
}

uint32_t
refuse_tcp_rst(uint8_t *frame, const struct pkt_meta *m)
{
	const uint8_t *otcp = frame + m->l2_len + m->l3_len;
	uint32_t seq = be32(sl_ld32(otcp + 4)), ack = be32(sl_ld32(otcp + 8));
	uint32_t seg = m->l4_len - (uint32_t)((otcp[12] >> 4) * 4);

	if (m->tcp_flags & RTE_TCP_SYN_FLAG)
		seg++;
	if (m->tcp_flags & RTE_TCP_FIN_FLAG)
		seg++;
	swap_macs(frame);
	/* RFC 793: answer an ACK with RST seq = its ack; anything else with
	 * RST|ACK acknowledging what it carried. Options go: the TCP header
	 * moves up to follow a 20-byte IP header. */
	if (m->tcp_flags & RTE_TCP_ACK_FLAG)
		put_tcp_seg(frame, m->l2_len, m->dst_ip, m->src_ip, m->dst_port, m->src_port,
			    ack, 0, RTE_TCP_RST_FLAG);
	else
		put_tcp_seg(frame, m->l2_len, m->dst_ip, m->src_ip, m->dst_port, m->src_port,
			    0, seq + seg, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	return m->l2_len + 40u;
}

uint32_t
refuse_tcp_seg(uint8_t *frame, const struct refuse_seg *s)
{
	memcpy(frame, s->dst_mac, 6);
	memcpy(frame + 6, s->src_mac, 6);
	sl_st16(frame + 12, be16(0x0800));
	put_tcp_seg(frame, 14, s->src_ip, s->dst_ip, s->src_port, s->dst_port, s->seq, s->ack,
		    s->flags);
	return REFUSE_SEG_LEN;
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
