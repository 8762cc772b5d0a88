/*
 * Header rewrites with incremental checksums (RFC 1624).
 *
 * Checksum words are handled exactly as they sit in memory (memcpy into a
 * native integer, no swap): one's complement sums do not depend on byte
 * order (RFC 1071 2(B)), so the hot path never swaps. The only values built
 * from host numbers (pseudo-header protocol and length, TTL) are stored in
 * network order first. Frames may be 2-byte aligned: fields are accessed
 * with memcpy, never through casted struct pointers.
 * Threading: pure functions, any thread.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "bytes.h"
#include "xlate.h"

#define ETH_ALEN 6
#define ETH_DST 0
#define ETH_SRC 6

#define IP_OFF_TTL 8
#define IP_OFF_CSUM 10
#define IP_OFF_SRC 12
#define IP_OFF_DST 16

#define TCP_OFF_CSUM 16
#define UDP_OFF_LEN 4
#define UDP_OFF_CSUM 6
#define ICMP_OFF_CSUM 2

#define ARP_OFF_OP 6
#define ARP_OFF_SHA 8
#define ARP_OFF_SPA 14
#define ARP_OFF_THA 18
#define ARP_OFF_TPA 24
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ECHO_REPLY_TTL 64

/* Fold a sum of 16-bit words (below 2^48) to 16 bits with end-around carry. */
static inline uint16_t
csum_fold(uint64_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* ~m + m' for one changed word: the term RFC 1624 eqn. 3 adds. */
static inline uint32_t
csum_delta16(uint16_t old_word, uint16_t new_word)
{
	return (uint32_t)(uint16_t)~old_word + new_word;
}

static inline uint32_t
csum_delta32(uint32_t old_val, uint32_t new_val)
{
	return csum_delta16((uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16)) +
	       csum_delta16((uint16_t)old_val, (uint16_t)new_val);
}

/*
 * HC' = ~(~HC + delta). Eqn. 3 rather than eqn. 2 (HC - ~m - m') because
 * eqn. 2 yields 0xffff where a full recomputation yields 0x0000.
 */
static inline uint16_t
csum_apply(uint16_t csum, uint32_t delta)
{
	return (uint16_t)~csum_fold((uint64_t)(uint16_t)~csum + delta);
}

uint16_t
xlate_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	return csum_apply(csum, csum_delta16(old_word, new_word));
}

uint16_t
xlate_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	return csum_apply(csum, csum_delta32(old_val, new_val));
}

/* Sum of the memory words of p[0..n); an odd last byte is padded with 0. */
static uint64_t
csum_add_bytes(uint64_t sum, const uint8_t *p, uint32_t n)
{
	uint8_t tail[2] = { 0, 0 };

	for (; n >= 4; p += 4, n -= 4)
		sum += sl_ld32(p);
	if (n >= 2) {
		sum += sl_ld16(p);
		p += 2;
		n -= 2;
	}
	if (n) {
		tail[0] = p[0];
		sum += sl_ld16(tail);
	}
	return sum;
}

int
xlate_l3l4(uint8_t *frame, struct pkt_meta *m, uint32_t src_ip,
	   uint32_t dst_ip, uint16_t src_port, uint16_t dst_port,
	   int dec_ttl)
{
	uint8_t *ip = frame + m->l2_len;
	uint8_t *l4 = ip + m->l3_len;
	uint32_t addr_delta = 0, l4_delta, ip_delta;
	uint16_t old_word, csum;

	if (dec_ttl && ip[IP_OFF_TTL] <= 1)
		return -1;

	if (src_ip != m->src_ip) {
		addr_delta += csum_delta32(m->src_ip, src_ip);
		sl_st32(ip + IP_OFF_SRC, src_ip);
		m->src_ip = src_ip;
	}
	if (dst_ip != m->dst_ip) {
		addr_delta += csum_delta32(m->dst_ip, dst_ip);
		sl_st32(ip + IP_OFF_DST, dst_ip);
		m->dst_ip = dst_ip;
	}
	ip_delta = addr_delta;
	if (dec_ttl) {
		/*
		 * TTL shares its checksum word with the protocol byte. The new
		 * word is built in registers: reading it back after the 1-byte
		 * store cannot be store-forwarded and stalled every packet
		 * (the hottest instruction of xlate_l3l4 in perf).
		 */
		uint8_t w[2] = { (uint8_t)(ip[IP_OFF_TTL] - 1), ip[IP_OFF_TTL + 1] };

		old_word = sl_ld16(ip + IP_OFF_TTL);
		ip[IP_OFF_TTL] = w[0];
		ip_delta += csum_delta16(old_word, sl_ld16(w));
		m->ttl = w[0];
	}
	if (ip_delta)
		sl_st16(ip + IP_OFF_CSUM, csum_apply(sl_ld16(ip + IP_OFF_CSUM), ip_delta));

	if (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
		return 0; /* ICMP: no pseudo header, and no ports to rewrite */

	l4_delta = addr_delta;
	if (src_port != m->src_port) {
		l4_delta += csum_delta16(m->src_port, src_port);
		sl_st16(l4, src_port);
		m->src_port = src_port;
	}
	if (dst_port != m->dst_port) {
		l4_delta += csum_delta16(m->dst_port, dst_port);
		sl_st16(l4 + 2, dst_port);
		m->dst_port = dst_port;
	}
	if (!l4_delta)
		return 0;
	if (m->proto == IPPROTO_TCP) {
		sl_st16(l4 + TCP_OFF_CSUM, csum_apply(sl_ld16(l4 + TCP_OFF_CSUM), l4_delta));
		return 0;
	}
	/* UDP: zero means "no checksum" (RFC 768), so a real zero is sent as
	 * 0xffff, and an absent one stays absent. */
	csum = sl_ld16(l4 + UDP_OFF_CSUM);
	if (csum == 0)
		return 0;
	csum = csum_apply(csum, l4_delta);
	sl_st16(l4 + UDP_OFF_CSUM, csum ? csum : 0xffff);
	return 0;
}

int
xlate_icmp_error(uint8_t *frame, struct pkt_meta *m, struct pkt_icmp_err *e,
		 uint32_t src_ip, uint32_t dst_ip, uint32_t q_src_ip, uint16_t q_src_port,
		 uint32_t q_dst_ip, uint16_t q_dst_port, int dec_ttl)
{
	uint8_t *qip = frame + e->ip_off;
	uint8_t *ql4 = qip + e->l3_len;
	uint8_t *icmp = frame + m->l2_len + m->l3_len;
	uint32_t addr_delta, l4_delta;
	uint16_t csum;

	if (xlate_l3l4(frame, m, src_ip, dst_ip, 0, 0, dec_ttl) != 0)
		return -1;
	addr_delta = csum_delta32(e->src_ip, q_src_ip) + csum_delta32(e->dst_ip, q_dst_ip);
	l4_delta = addr_delta + csum_delta16(e->src_port, q_src_port) +
		   csum_delta16(e->dst_port, q_dst_port);
	sl_st32(qip + IP_OFF_SRC, q_src_ip);
	sl_st32(qip + IP_OFF_DST, q_dst_ip);
	sl_st16(qip + IP_OFF_CSUM, csum_apply(sl_ld16(qip + IP_OFF_CSUM), addr_delta));
	sl_st16(ql4, q_src_port);
	sl_st16(ql4 + 2, q_dst_port);
	/*
	 * The quote's own checksum covers a segment the quote may not hold,
	 * so no receiver can verify it; kept consistent all the same, the
	 * quote is byte for byte what the receiver sent (but the TTL).
	 */
	if (e->proto == IPPROTO_TCP && e->l4_len >= TCP_OFF_CSUM + 2) {
		sl_st16(ql4 + TCP_OFF_CSUM, csum_apply(sl_ld16(ql4 + TCP_OFF_CSUM), l4_delta));
	} else if (e->proto == IPPROTO_UDP) {
		csum = sl_ld16(ql4 + UDP_OFF_CSUM);
		if (csum != 0) {
			csum = csum_apply(csum, l4_delta);
			sl_st16(ql4 + UDP_OFF_CSUM, csum ? csum : 0xffff);
		}
	}
	/* Every word of the quote may have moved: one sum over the message
	 * (an error is rare and short) rather than a delta per word. */
	sl_st16(icmp + ICMP_OFF_CSUM, 0);
	sl_st16(icmp + ICMP_OFF_CSUM, (uint16_t)~csum_fold(csum_add_bytes(0, icmp, m->l4_len)));
	e->src_ip = q_src_ip;
	e->dst_ip = q_dst_ip;
	e->src_port = q_src_port;
	e->dst_port = q_dst_port;
	return 0;
}

uint16_t
xlate_csum_bytes(const uint8_t *p, uint32_t n)
{
	return (uint16_t)~csum_fold(csum_add_bytes(0, p, n));
}

void
xlate_set_macs(uint8_t *frame, const uint8_t *src_mac, const uint8_t *dst_mac)
{
	memcpy(frame + ETH_DST, dst_mac, ETH_ALEN);
	memcpy(frame + ETH_SRC, src_mac, ETH_ALEN);
}

static void
swap_macs(uint8_t *frame)
{
	uint8_t tmp[ETH_ALEN];

	memcpy(tmp, frame + ETH_DST, ETH_ALEN);
	memcpy(frame + ETH_DST, frame + ETH_SRC, ETH_ALEN);
	memcpy(frame + ETH_SRC, tmp, ETH_ALEN);
}

int
xlate_icmp_echo_reply(uint8_t *frame, struct pkt_meta *m)
{
	uint8_t *ip = frame + m->l2_len;
	uint8_t *icmp = ip + m->l3_len;
	uint16_t old_word, csum;
	uint32_t addr;

	if (m->kind != PKT_KIND_IPV4 || m->proto != IPPROTO_ICMP ||
	    m->icmp_type != ICMP_ECHO_REQUEST)
		return -1;

	swap_macs(frame);
	/* Swapping the addresses leaves every sum unchanged. */
	addr = m->src_ip;
	m->src_ip = m->dst_ip;
	m->dst_ip = addr;
	sl_st32(ip + IP_OFF_SRC, m->src_ip);
	sl_st32(ip + IP_OFF_DST, m->dst_ip);

	old_word = sl_ld16(ip + IP_OFF_TTL);
	ip[IP_OFF_TTL] = ECHO_REPLY_TTL;
	sl_st16(ip + IP_OFF_CSUM, xlate_csum_update16(sl_ld16(ip + IP_OFF_CSUM),
			old_word, sl_ld16(ip + IP_OFF_TTL)));
	m->ttl = ECHO_REPLY_TTL;

	/* Type and code form the first ICMP word; the reply's is all zero. */
	old_word = sl_ld16(icmp);
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[1] = 0;
	csum = xlate_csum_update16(sl_ld16(icmp + ICMP_OFF_CSUM), old_word, 0);
	sl_st16(icmp + ICMP_OFF_CSUM, csum);
	/*
	 * Eqn. 3 gives 0x0000 when the message sums to zero, which is right
	 * unless every byte is zero (identifier 0, sequence 0, zero payload):
	 * that needs 0xffff (RFC 1624 section 3), and unlike an IP, TCP or UDP
	 * checksum nothing here rules it out. A zero result comes once in 65536
	 * replies, so a full sum then costs nothing on average.
	 */
	if (unlikely(csum == 0))
		sl_st16(icmp + ICMP_OFF_CSUM,
		     (uint16_t)~csum_fold(csum_add_bytes(0, icmp, m->l4_len)));
	m->icmp_type = ICMP_ECHO_REPLY;
	return 0;
}

int
xlate_arp_reply(uint8_t *frame, const struct pkt_meta *m, const uint8_t *mac)
{
	uint8_t *arp = frame + m->l2_len;

	if (m->kind != PKT_KIND_ARP || m->arp_op != ARP_OP_REQUEST)
		return -1;

	/* Answer the sender's hardware address, as Linux does, rather than
	 * the Ethernet source: they differ only behind proxies. */
	memcpy(frame + ETH_DST, arp + ARP_OFF_SHA, ETH_ALEN);
	memcpy(frame + ETH_SRC, mac, ETH_ALEN);
	arp[ARP_OFF_OP] = 0;
	arp[ARP_OFF_OP + 1] = ARP_OP_REPLY;
	memcpy(arp + ARP_OFF_THA, arp + ARP_OFF_SHA, ETH_ALEN);
	memcpy(arp + ARP_OFF_TPA, arp + ARP_OFF_SPA, 4);
	memcpy(arp + ARP_OFF_SHA, mac, ETH_ALEN);
	sl_st32(arp + ARP_OFF_SPA, m->dst_ip);
	return 0;
}

void
xlate_csum_full(uint8_t *frame, const struct pkt_meta *m)
{
	uint8_t *ip = frame + m->l2_len;
	uint8_t *l4 = ip + m->l3_len;
	uint32_t l4_len = m->l4_len;
	uint64_t sum = 0;
	uint16_t csum;
	unsigned int off;

	sl_st16(ip + IP_OFF_CSUM, 0);
	sl_st16(ip + IP_OFF_CSUM, (uint16_t)~csum_fold(csum_add_bytes(0, ip, m->l3_len)));

	switch (m->proto) {
	case IPPROTO_TCP:
		off = TCP_OFF_CSUM;
		break;
	case IPPROTO_UDP:
		off = UDP_OFF_CSUM;
		/* The datagram ends where UDP says, even if IP carries more. */
		l4_len = rte_be_to_cpu_16(sl_ld16(l4 + UDP_OFF_LEN));
		break;
	case IPPROTO_ICMP:
		sl_st16(l4 + ICMP_OFF_CSUM, 0);
		sl_st16(l4 + ICMP_OFF_CSUM,
		     (uint16_t)~csum_fold(csum_add_bytes(0, l4, l4_len)));
		return;
	default:
		return;
	}
	/* Pseudo header: addresses, protocol, L4 length. */
	sum += sl_ld32(ip + IP_OFF_SRC);
	sum += sl_ld32(ip + IP_OFF_DST);
	sum += rte_cpu_to_be_16((uint16_t)m->proto);
	sum += rte_cpu_to_be_16((uint16_t)l4_len);
	sl_st16(l4 + off, 0);
	csum = (uint16_t)~csum_fold(csum_add_bytes(sum, l4, l4_len));
	if (m->proto == IPPROTO_UDP && csum == 0)
		csum = 0xffff;
	sl_st16(l4 + off, csum);
}
