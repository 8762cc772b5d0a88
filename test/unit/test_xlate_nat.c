/*
 * Xlate tests: incremental checksum arithmetic, and xlate_l3l4's NAT and
 * FULLNAT rewrites (random and fixed packets, TTL, zero sums, ICMP, MACs).
 * Fixtures in test_xlate.c.
 */
#include "test_xlate.h"
#include "unit.h"

/* ---- checksum arithmetic ---- */

void
test_rfc1624_example(void)
{
	/* RFC 1624 section 4: eqn. 3 gives 0x0000 where eqn. 2 gives 0xffff. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update16(bswap16(0xdd2f), bswap16(0x5555),
					    bswap16(0x3285)), 0x0000);
	/* And back: the same change undone restores the original. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
	/* Unchanged words leave any reachable checksum as it is. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x0000, 0x1234, 0x1234), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update16(0xfffe, 0xffff, 0xffff), 0xfffe);
	CU_ASSERT_EQUAL(xlate_csum_update16(0x1234, 0x0000, 0x0000), 0x1234);
	/* 0x0000 and 0xffff are the same one's complement number. */
	CU_ASSERT_EQUAL(xlate_csum_update16(0x1234, 0xffff, 0x0000), 0x1234);
	CU_ASSERT_EQUAL(xlate_csum_update32(0x1234, 0xffffffff, 0x00000000), 0x1234);
	CU_ASSERT_EQUAL(xlate_csum_update32(0xdd2f, 0x00005555, 0x00003285), 0x0000);
	CU_ASSERT_EQUAL(xlate_csum_update32(0xdd2f, 0x55550000, 0x32850000), 0x0000);
}

void
test_update_matches_full(void)
{
	uint64_t rng = 0xc0ffee;
	uint32_t round, bad16 = 0, bad32 = 0, bad_swap = 0, zeros = 0;
	uint16_t w[12];
	unsigned int i;

	for (round = 0; round < WORD_ROUNDS; round++) {
		uint64_t r = pb_rand(&rng);
		unsigned int k = (unsigned int)(r % 9);
		uint16_t c, nw, c2;
		uint32_t old32, new32;

		for (i = 0; i < 10; i++)
			w[i] = (uint16_t)pb_rand(&rng);
		w[10] = 0x4500; /* never all zero, as in a real header */
		c = words_csum(w, 11);
		switch ((r >> 8) % 4) {
		case 0:
			nw = 0x0000;
			break;
		case 1:
			nw = 0xffff;
			break;
		case 2:
			/* The value that makes the new checksum exactly 0x0000. */
			nw = oc_add(c, w[k]);
			break;
		default:
			nw = (uint16_t)(r >> 16);
			break;
		}
		c2 = xlate_csum_update16(c, w[k], nw);
		/* Same arithmetic on swapped words: byte order does not matter. */
		if (xlate_csum_update16(bswap16(c), bswap16(w[k]), bswap16(nw)) != bswap16(c2))
			bad_swap++;
		w[k] = nw;
		if (c2 != words_csum(w, 11))
			bad16++;
		zeros += c2 == 0;

		/* A 32-bit field: words k and k + 1. */
		c = words_csum(w, 11);
		old32 = (uint32_t)w[k] << 16 | w[k + 1];
		new32 = (uint32_t)(r >> 32);
		if ((r >> 10) % 4 == 0)
			new32 = (uint32_t)oc_add(c, w[k]) << 16 | w[k + 1];
		w[k] = (uint16_t)(new32 >> 16);
		w[k + 1] = (uint16_t)new32;
		if (xlate_csum_update32(c, old32, new32) != words_csum(w, 11))
			bad32++;
	}
	CU_ASSERT_EQUAL(bad16, 0);
	CU_ASSERT_EQUAL(bad32, 0);
	CU_ASSERT_EQUAL(bad_swap, 0);
	CU_ASSERT(zeros > WORD_ROUNDS / 8);
}

/* ---- xlate_l3l4 ---- */

/* Whether the parser takes a frame built from t (test_drop_hostile's rules). */
static int
parser_takes(const struct pb_spec *t)
{
	uint32_t o = t->src_ip >> 24;

	if (o == 0 || o == 127 || o >= 224 || t->src_ip == t->dst_ip)
		return 0;
	return t->proto == 1 || (t->src_port != 0 && t->dst_port != 0);
}

void
test_nat_random(void)
{
	uint64_t rng = 0x1624;
	uint32_t round, bad_bytes = 0, bad_full = 0, bad_meta = 0, bad_refuse = 0;
	uint32_t continue_meta = 0;
	uint32_t refused = 0, udp_none = 0, done = 0;

	for (round = 0; round < NAT_ROUNDS; round++) {
		uint8_t expect[PB_MAX_FRAME], full[PB_MAX_FRAME];
		struct pkt_meta m, m0, mx;
		struct pb_spec s, t;
		unsigned int align = round % 4;
		uint32_t len, xlen, sip, dip;
		uint16_t sp, dp;
		uint8_t *blk, *f;
		int dec, ret;

		random_spec(&rng, &s);
		blk = build(&s, align, &len, &m);
		f = blk + align;
		m0 = m;
		sip = rand_ip(&rng, s.src_ip);
		dip = rand_ip(&rng, s.dst_ip);
		sp = rand_port(&rng, s.src_port);
		dp = rand_port(&rng, s.dst_port);
		dec = (int)(pb_rand(&rng) & 1);
		ret = xlate_l3l4(f, &m, htonl(sip), htonl(dip), htons(sp), htons(dp), dec);

		t = s;
		if (dec && s.ttl <= 1) {
			refused++;
			pb_ipv4(expect, &s);
			if (ret != -1 || memcmp(f, expect, len) || memcmp(&m, &m0, sizeof(m)))
				bad_refuse++;
			free(blk);
			continue;
		}
		done++;
		udp_none += s.proto == 17 && s.udp_no_csum;
		t.src_ip = sip;
		t.dst_ip = dip;
		if (s.proto != 1) {
			t.src_port = sp;
			t.dst_port = dp;
		}
		t.ttl = (uint8_t)(s.ttl - (dec ? 1 : 0));
		xlen = pb_ipv4(expect, &t);
		if (ret != 0 || xlen != len || memcmp(f, expect, len))
			bad_bytes++;
		/* Incremental equals recomputed, except "no UDP checksum". */
		memcpy(full, f, len);
		xlate_csum_full(full, &m);
		if (!(s.proto == 17 && s.udp_no_csum) && memcmp(full, f, len))
			bad_full++;
		/* The rewrite's edge values (source 0 or 255.255.255.255, port
		 * 0) test the checksum arithmetic; the parser refuses such a
		 * frame as hostile, so only the others are parsed again. */
		if (!parser_takes(&t))
			continue_meta++;
		else if (pkt_parse(f, len, PKT_PARSE_VERIFY_IP_CSUM, &mx) != PKT_KIND_IPV4 ||
			 memcmp(&mx, &m, sizeof(m)))
			bad_meta++;
		free(blk);
	}
	CU_ASSERT_EQUAL(bad_bytes, 0);
	CU_ASSERT_EQUAL(bad_full, 0);
	CU_ASSERT_EQUAL(bad_meta, 0);
	/* Most rewrites are still parsed again. */
	CU_ASSERT(continue_meta < done / 2);
	CU_ASSERT_EQUAL(bad_refuse, 0);
	CU_ASSERT(refused > 100);
	CU_ASSERT(udp_none > 100);
	CU_ASSERT(done > NAT_ROUNDS / 2);
}

void
test_ttl_refused(void)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m, m0;
	struct pb_spec s;
	uint32_t len, i;
	uint8_t *blk;

	for (i = 0; i < sizeof(protos); i++) {
		pb_default(&s, protos[i]);
		s.ttl = 1;
		blk = build(&s, 1, &len, &m);
		memcpy(before, blk + 1, len);
		m0 = m;
		CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, 1, 2, 3, 4, 1), -1);
		CU_ASSERT_EQUAL(memcmp(before, blk + 1, len), 0);
		CU_ASSERT_EQUAL(memcmp(&m, &m0, sizeof(m)), 0);
		blk[1 + 14 + 8] = 0;
		m.ttl = 0;
		memcpy(before, blk + 1, len);
		CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, 1, 2, 3, 4, 1), -1);
		CU_ASSERT_EQUAL(memcmp(before, blk + 1, len), 0);
		free(blk);

		/* Without a decrement TTL 1 is forwarded as is. */
		blk = build(&s, 0, &len, &m);
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, m.src_ip, m.dst_ip, m.src_port,
					   m.dst_port, 0), 0);
		CU_ASSERT_EQUAL(blk[14 + 8], 1);
		CU_ASSERT(pb_csums_ok(blk, len));
		free(blk);

		/* TTL 2 decrements to 1. */
		s.ttl = 2;
		blk = build(&s, 0, &len, &m);
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, m.src_ip, m.dst_ip, m.src_port,
					   m.dst_port, 1), 0);
		CU_ASSERT_EQUAL(blk[14 + 8], 1);
		CU_ASSERT_EQUAL(m.ttl, 1);
		CU_ASSERT(pb_csums_ok(blk, len));
		free(blk);
	}
}

void
test_nothing_changes(void)
{
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 6);
	blk = build(&s, 2, &len, &m);
	memcpy(before, blk + 2, len);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 2, &m, m.src_ip, m.dst_ip, m.src_port,
				   m.dst_port, 0), 0);
	CU_ASSERT_EQUAL(memcmp(before, blk + 2, len), 0);
	free(blk);
}

/* FULLNAT-style rewrite of a fixed packet: every field lands where it should. */
void
test_fullnat_fields(void)
{
	static const uint8_t protos[] = { 6, 17 };
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, i;
	uint8_t *blk, *f, *ip, *l4;

	for (i = 0; i < sizeof(protos); i++) {
		pb_default(&s, protos[i]);
		s.vlan = 1;
		s.ip_opt_len = 4;
		s.payload_len = 101;
		blk = build(&s, 3, &len, &m);
		f = blk + 3;
		ip = f + 18;
		l4 = ip + 24;
		CU_ASSERT_EQUAL(xlate_l3l4(f, &m, htonl(0x0a010203), htonl(0xac100005),
					   htons(1025), htons(8080), 1), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 12, "\x0a\x01\x02\x03\xac\x10\x00\x05", 8), 0);
		CU_ASSERT_EQUAL(get16(l4), 1025);
		CU_ASSERT_EQUAL(get16(l4 + 2), 8080);
		CU_ASSERT_EQUAL(ip[8], 63);
		CU_ASSERT_EQUAL(m.src_ip, htonl(0x0a010203));
		CU_ASSERT_EQUAL(m.dst_ip, htonl(0xac100005));
		CU_ASSERT_EQUAL(m.src_port, htons(1025));
		CU_ASSERT_EQUAL(m.dst_port, htons(8080));
		CU_ASSERT_EQUAL(m.ttl, 63);
		CU_ASSERT(pb_csums_ok(f, len));
		free(blk);
	}
}

void
test_udp_zero_csum(void)
{
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 17);
	s.udp_no_csum = 1;
	s.payload_len = 33;
	blk = build(&s, 1, &len, &m);
	CU_ASSERT_EQUAL(get16(blk + 1 + 34 + 6), 0);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, htonl(0x01020304), htonl(0x05060708),
				   htons(1), htons(2), 1), 0);
	CU_ASSERT_EQUAL(get16(blk + 1 + 34 + 6), 0);
	CU_ASSERT(pb_csums_ok(blk + 1, len));
	free(blk);
}

/*
 * Choose the new destination port that makes the L4 checksum come out as
 * 0x0000 (RFC 1624 eqn. 3 gives it; eqn. 2 would give 0xffff): UDP must send
 * 0xffff, TCP must keep 0x0000, and both must equal the full recomputation.
 */
void
test_l4_csum_zero_result(void)
{
	static const uint8_t protos[] = { 17, 6 };
	uint8_t full[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, i, n, off;
	uint16_t c, p, np;
	uint8_t *blk;

	for (i = 0; i < sizeof(protos); i++) {
		off = protos[i] == 17 ? 6 : 16;
		for (n = 0; n < 8; n++) {
			pb_default(&s, protos[i]);
			s.payload_len = (uint16_t)(n * 7 + 1);
			s.payload_seed = n;
			blk = build(&s, n % 3, &len, &m);
			c = get16(blk + n % 3 + 34 + off);
			p = s.dst_port;
			np = oc_add(c, p);
			CU_ASSERT_EQUAL(xlate_l3l4(blk + n % 3, &m, m.src_ip, m.dst_ip,
						   m.src_port, htons(np), n & 1), 0);
			CU_ASSERT_EQUAL(get16(blk + n % 3 + 34 + off),
					protos[i] == 17 ? 0xffff : 0x0000);
			CU_ASSERT(pb_csums_ok(blk + n % 3, len));
			memcpy(full, blk + n % 3, len);
			xlate_csum_full(full, &m);
			CU_ASSERT_EQUAL(memcmp(full, blk + n % 3, len), 0);
			free(blk);
		}
	}
}

/* Same for the IPv4 header checksum, through the source address. */
void
test_ip_csum_zero_result(void)
{
	uint8_t full[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len, n;
	uint16_t c, hi;
	uint8_t *blk;

	for (n = 0; n < 8; n++) {
		pb_default(&s, n & 1 ? 6 : 17);
		s.ip_id = (uint16_t)(n * 1000);
		blk = build(&s, 0, &len, &m);
		c = get16(blk + 14 + 10);
		hi = oc_add(c, (uint16_t)(s.src_ip >> 16));
		CU_ASSERT_EQUAL(xlate_l3l4(blk, &m, htonl((uint32_t)hi << 16 | (s.src_ip & 0xffff)),
					   m.dst_ip, m.src_port, m.dst_port, 0), 0);
		CU_ASSERT_EQUAL(get16(blk + 14 + 10), 0x0000);
		CU_ASSERT(pb_csums_ok(blk, len));
		memcpy(full, blk, len);
		xlate_csum_full(full, &m);
		CU_ASSERT_EQUAL(memcmp(full, blk, len), 0);
		free(blk);
	}
}

void
test_icmp_nat(void)
{
	uint8_t before[PB_MAX_FRAME], expect[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s, t;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 1);
	s.payload_len = 57;
	blk = build(&s, 1, &len, &m);
	memcpy(before, blk + 1, len);
	CU_ASSERT_EQUAL(xlate_l3l4(blk + 1, &m, htonl(0x0a0a0a0a), htonl(0x0b0b0b0b),
				   htons(1), htons(2), 1), 0);
	t = s;
	t.src_ip = 0x0a0a0a0a;
	t.dst_ip = 0x0b0b0b0b;
	t.ttl = 63;
	pb_ipv4(expect, &t);
	CU_ASSERT_EQUAL(memcmp(expect, blk + 1, len), 0);
	/* ICMP bytes (identifier, checksum) untouched: no pseudo header. */
	CU_ASSERT_EQUAL(memcmp(before + 34, blk + 1 + 34, len - 34), 0);
	CU_ASSERT_EQUAL(m.src_port, htons(s.icmp_id));
	CU_ASSERT_EQUAL(m.dst_port, htons(s.icmp_id));
	free(blk);
}

void
test_set_macs(void)
{
	static const uint8_t dst[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t before[PB_MAX_FRAME];
	struct pkt_meta m;
	struct pb_spec s;
	uint32_t len;
	uint8_t *blk;

	pb_default(&s, 6);
	blk = build(&s, 1, &len, &m);
	memcpy(before, blk + 1, len);
	xlate_set_macs(blk + 1, our_mac, dst);
	CU_ASSERT_EQUAL(memcmp(blk + 1, dst, 6), 0);
	CU_ASSERT_EQUAL(memcmp(blk + 1 + 6, our_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(blk + 1 + 12, before + 12, len - 12), 0);
	free(blk);
}
