/*
 * Session sync's wire format (control/sync_proto.h, sync_wire.c): a round
 * trip of every field, and every malformed field refused under its own
 * reason with nothing to install; the replay window. Pure: no EAL.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "control/sync_wire.h"
#include "dataplane/conntrack_types.h"
#include "dataplane/snapshot.h"
#include "unit.h"

static const struct sync_key key = { .bytes = "0123456789abcdef0123456789abcdef", .len = 32 };
static const struct sync_key other_key = { .bytes = "0123456789abcdef0123456789abcdeF", .len = 32 };

#define GROUP 7u

static struct sync_rec
rec(uint32_t i, uint8_t mode, uint8_t proto)
{
	struct sync_rec r = {
		.proto = proto,
		.mode = mode,
		.state = proto == IPPROTO_UDP ? CT_UDP : CT_ESTABLISHED,
		.caddr = htonl(0xc6120003u + i),
		.vaddr = htonl(0xc612000au),
		.daddr = htonl(0xc612010bu),
		.cport = htons((uint16_t)(40000 + i)),
		.vport = htons(80),
		.dport = htons(8080),
		.timeout_ms = 900000u - i,
	};

	if (mode == SVC_MODE_FULLNAT) {
		r.laddr = htonl(0xc6120164u);
		r.lport = htons((uint16_t)(1024 + i));
	}
	return r;
}

static const struct sync_hdr hdr = {
	.type = SYNC_T_CONNS, .group = GROUP, .sender = 0x01020304u, .epoch = 1000u, .seq = 5u,
};

static uint8_t buf[SYNC_MAX_MSG];
static struct sync_rec in[SYNC_MAX_RECS], out[SYNC_MAX_RECS];

/* A full message of n records, modes and protocols mixed. */
static size_t
full(uint32_t n)
{
	static const uint8_t modes[] = { SVC_MODE_NAT, SVC_MODE_FULLNAT, SVC_MODE_DR };
	uint32_t i;

	for (i = 0; i < n; i++)
		in[i] = rec(i, modes[i % 3], i % 4 == 3 ? IPPROTO_UDP : IPPROTO_TCP);
	return sync_encode(buf, &key, &hdr, in, n);
}

static enum sync_reject
decode(size_t len, uint32_t *n)
{
	struct sync_hdr h;

	return sync_decode(buf, len, &key, GROUP, &h, out, n);
}

/* Re-MAC buf after a field was changed, as a sender with the key would. */
static void
remac(size_t len)
{
	unsigned int n = SYNC_MAC_LEN;

	HMAC(EVP_sha256(), key.bytes, (int)key.len, buf, len - SYNC_MAC_LEN,
	     buf + len - SYNC_MAC_LEN, &n);
}

static void
test_round_trip(void)
{
	struct sync_hdr h;
	size_t len = full(SYNC_MAX_RECS);
	uint32_t n, i;

	CU_ASSERT_EQUAL(len, sizeof(struct sync_wire_hdr) + SYNC_MAX_RECS * sizeof(struct sync_wire_rec) + SYNC_MAC_LEN);
	CU_ASSERT(len <= SYNC_MAX_MSG);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &h, out, &n), SYNC_OK);
	CU_ASSERT_EQUAL(n, SYNC_MAX_RECS);
	CU_ASSERT_EQUAL(h.type, SYNC_T_CONNS);
	CU_ASSERT_EQUAL(h.sender, hdr.sender);
	CU_ASSERT_EQUAL(h.epoch, hdr.epoch);
	CU_ASSERT_EQUAL(h.seq, hdr.seq);
	CU_ASSERT_EQUAL(h.group, GROUP);
	for (i = 0; i < n; i++)
		CU_ASSERT(memcmp(&in[i], &out[i], sizeof(in[i])) == 0);
	/* Big-endian on the wire, whatever the host. */
	CU_ASSERT_EQUAL(buf[4], len >> 8);
	CU_ASSERT_EQUAL(buf[5], len & 0xff);
	CU_ASSERT_EQUAL(buf[16 + 2], 0x03);             /* epoch 1000 = 0x3e8 */
	CU_ASSERT_EQUAL(buf[16 + 3], 0xe8);
	CU_ASSERT_EQUAL(buf[20 + 3], 5);                /* seq */
}

static void
test_control_messages_carry_no_records(void)
{
	struct sync_hdr h = hdr, got;
	uint32_t n = 99;
	size_t len;

	h.type = SYNC_T_BULK_REQ;
	len = sync_encode(buf, &key, &h, NULL, 0);
	CU_ASSERT_EQUAL(len, sizeof(struct sync_wire_hdr) + SYNC_MAC_LEN);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &got, out, &n), SYNC_OK);
	CU_ASSERT_EQUAL(got.type, SYNC_T_BULK_REQ);
	CU_ASSERT_EQUAL(n, 0);
	in[0] = rec(0, SVC_MODE_NAT, IPPROTO_TCP);
	CU_ASSERT_EQUAL(sync_encode(buf, &key, &h, in, 1), 0);
}

/* HELLO's body round-trips; a body of the wrong size, a non-zero reserved
 * field or an inverted port range is refused. */
static void
test_hello(void)
{
	struct sync_hdr h = hdr, got;
	uint32_t n = 99;
	size_t len;

	h.type = SYNC_T_HELLO;
	h.workers = 2;
	h.lport_min = 1024;
	h.lport_max = 65535;
	len = sync_encode(buf, &key, &h, NULL, 0);
	CU_ASSERT_EQUAL(len, sizeof(struct sync_wire_hdr) + sizeof(struct sync_wire_hello) +
			SYNC_MAC_LEN);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &got, out, &n), SYNC_OK);
	CU_ASSERT_EQUAL(got.type, SYNC_T_HELLO);
	CU_ASSERT_EQUAL(got.workers, 2);
	CU_ASSERT_EQUAL(got.lport_min, 1024);
	CU_ASSERT_EQUAL(got.lport_max, 65535);
	CU_ASSERT_EQUAL(n, 0);
	/* Big-endian body: port_max 0xffff, port_min 0x0400. */
	CU_ASSERT_EQUAL(buf[24 + 2], 0x04);
	CU_ASSERT_EQUAL(buf[24 + 3], 0x00);

	buf[24 + 7] = 1;
	remac(len);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &got, out, &n), SYNC_R_record);
	h.lport_min = 2000;
	h.lport_max = 1999;
	len = sync_encode(buf, &key, &h, NULL, 0);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &got, out, &n), SYNC_R_record);
	/* A HELLO without its body (a BULK_REQ's length). */
	h.type = SYNC_T_BULK_REQ;
	len = sync_encode(buf, &key, &h, NULL, 0);
	buf[3] = SYNC_T_HELLO;
	remac(len);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &got, out, &n), SYNC_R_length);
}

static void
test_encode_refuses_what_cannot_be_sent(void)
{
	struct sync_rec r = rec(0, SVC_MODE_NAT, IPPROTO_TCP);

	CU_ASSERT_EQUAL(full(0) > 0, 1);
	CU_ASSERT_EQUAL(sync_encode(buf, &key, &hdr, in, SYNC_MAX_RECS + 1), 0);
	r.state = CT_SYN_SENT;              /* half-open: never synced */
	CU_ASSERT_EQUAL(sync_encode(buf, &key, &hdr, &r, 1), 0);
	r.state = CT_ESTABLISHED;
	r.mode = 9;
	CU_ASSERT_EQUAL(sync_encode(buf, &key, &hdr, &r, 1), 0);
	CU_ASSERT(!sync_state_synced(CT_SYN_SENT));
	CU_ASSERT(!sync_state_synced(CT_SYN_RECV));
	CU_ASSERT(sync_state_synced(CT_ESTABLISHED));
	CU_ASSERT(sync_state_synced(CT_UDP));
}

static void
test_framing_refused(void)
{
	size_t len = full(3);
	uint32_t n = 1;

	CU_ASSERT_EQUAL(decode(len, &n), SYNC_OK);
	CU_ASSERT_EQUAL(decode(sizeof(struct sync_wire_hdr) + SYNC_MAC_LEN - 1, &n), SYNC_R_short);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(decode(len - 1, &n), SYNC_R_length);  /* truncated */
	CU_ASSERT_EQUAL(decode(len + 4, &n), SYNC_R_length);  /* trailing bytes */
	buf[0] = 'X';
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_magic);
	full(3);
	buf[2] = SYNC_VERSION + 1;
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_version);
	full(3);
	buf[2] = 0;
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_version);
	full(3);
	buf[3] = 4;                                /* unknown type */
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_header);
	full(3);
	buf[3] = SYNC_T_BULK_END;                  /* records in a control message */
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_header);
	full(3);
	buf[7] = 1;                                /* flags */
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_header);
	full(3);
	buf[6] = 4;                                /* count says 4, body holds 3 */
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_length);
	full(3);
	buf[5] ^= 1;                               /* length field off by one */
	CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_length);
	CU_ASSERT_EQUAL(n, 0);
}

static void
test_mac_refused(void)
{
	struct sync_hdr h;
	size_t len = full(5), i;
	uint32_t n = 1;

	CU_ASSERT_EQUAL(sync_decode(buf, len, &other_key, GROUP, &h, out, &n), SYNC_R_mac);
	CU_ASSERT_EQUAL(n, 0);
	/* Any bit flipped past the framing: in a header field, a record, the MAC. */
	for (i = 8; i < len; i += 13) {
		full(5);
		buf[i] ^= 0x10;
		CU_ASSERT_EQUAL(decode(len, &n), SYNC_R_mac);
	}
}

static void
test_group_refused(void)
{
	struct sync_hdr h;
	size_t len = full(2);
	uint32_t n = 1;

	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP + 1, &h, out, &n), SYNC_R_group);
	CU_ASSERT_EQUAL(n, 0);
}

/* Record 1's byte at offset off set to v, re-MACed: a sender with the key
 * that sends nonsense is refused for the record, not the MAC. */
static enum sync_reject
bad_record(size_t off, uint8_t v)
{
	size_t len = full(3);
	uint32_t n = 1;

	buf[sizeof(struct sync_wire_hdr) + sizeof(struct sync_wire_rec) + off] = v;
	remac(len);
	return decode(len, &n);
}

static void
test_records_refused(void)
{
	CU_ASSERT_EQUAL(bad_record(0, IPPROTO_ICMP), SYNC_R_record);   /* protocol */
	CU_ASSERT_EQUAL(bad_record(1, 3), SYNC_R_record);              /* mode */
	CU_ASSERT_EQUAL(bad_record(2, 0), SYNC_R_record);              /* state */
	CU_ASSERT_EQUAL(bad_record(2, SYNC_S__MAX + 1), SYNC_R_record);
	CU_ASSERT_EQUAL(bad_record(2, SYNC_S_UDP), SYNC_R_record);     /* UDP state, TCP record */
	CU_ASSERT_EQUAL(bad_record(3, 1), SYNC_R_record);              /* flags */
	CU_ASSERT_EQUAL(bad_record(35, 1), SYNC_R_record);             /* reserved */
	CU_ASSERT_EQUAL(bad_record(12, 0), SYNC_OK);    /* one byte of an address: fine */
	CU_ASSERT_EQUAL(bad_record(0, IPPROTO_TCP), SYNC_OK);          /* unchanged: fine */
}

static void
test_fullnat_fields(void)
{
	struct sync_rec r = rec(0, SVC_MODE_FULLNAT, IPPROTO_TCP);
	struct sync_hdr h;
	uint32_t n;
	size_t len;

	r.lport = 0;
	len = sync_encode(buf, &key, &hdr, &r, 1);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &h, out, &n), SYNC_R_record);
	r = rec(0, SVC_MODE_FULLNAT, IPPROTO_TCP);
	r.laddr = 0;
	len = sync_encode(buf, &key, &hdr, &r, 1);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &h, out, &n), SYNC_R_record);
	r = rec(0, SVC_MODE_NAT, IPPROTO_TCP);
	r.laddr = htonl(0xc6120164u);          /* a local address only FULLNAT has */
	len = sync_encode(buf, &key, &hdr, &r, 1);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &h, out, &n), SYNC_R_record);
	r = rec(0, SVC_MODE_NAT, IPPROTO_TCP);
	r.cport = 0;
	len = sync_encode(buf, &key, &hdr, &r, 1);
	CU_ASSERT_EQUAL(sync_decode(buf, len, &key, GROUP, &h, out, &n), SYNC_R_record);
}

static void
test_replay_window(void)
{
	struct sync_replay w = { 0 };
	uint32_t s;

	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 0), SYNC_R_replay);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 100), SYNC_OK);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 100), SYNC_R_replay);   /* again */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 102), SYNC_OK);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 101), SYNC_OK);         /* late, in window */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 101), SYNC_R_replay);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 102 - 63), SYNC_OK);    /* window's edge */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 102 - 64), SYNC_R_replay);
	for (s = 103; s < 103 + 200; s++)
		CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, s), SYNC_OK);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 150), SYNC_R_replay);   /* too old now */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 302), SYNC_R_replay);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 10000), SYNC_OK);       /* a jump ahead */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 302), SYNC_R_replay);
	/* The sender restarted: a new epoch starts over; the old one is dead. */
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 11, 1), SYNC_OK);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 10, 10001), SYNC_R_epoch);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 11, 1), SYNC_R_replay);
	CU_ASSERT_EQUAL(sync_replay_accept(&w, 11, 2), SYNC_OK);
}

static void
test_reject_names(void)
{
	unsigned int r;

	for (r = 0; r < SYNC_R__COUNT; r++) {
		CU_ASSERT_PTR_NOT_NULL(sync_reject_name((enum sync_reject)r));
		CU_ASSERT(strlen(sync_reject_text((enum sync_reject)r)) > 3);
	}
	CU_ASSERT_STRING_EQUAL(sync_reject_name(SYNC_R_mac), "mac");
}

int
unit_register(void)
{
	static const struct unit_test tests[] = {
		{ "a full message round-trips every field, big-endian", test_round_trip },
		{ "bulk request and end carry no records", test_control_messages_carry_no_records },
		{ "hello carries workers and the FULLNAT port range, checked", test_hello },
		{ "encode refuses too many records, half-open states, unknown modes",
		  test_encode_refuses_what_cannot_be_sent },
		{ "framing: short, truncated, trailing, magic, version, type, flags, count, length",
		  test_framing_refused },
		{ "a wrong key or any altered byte fails the MAC", test_mac_refused },
		{ "another sync group is refused", test_group_refused },
		{ "a record's every field checked, even under a good MAC", test_records_refused },
		{ "FULLNAT's local address and port: required for it, refused for others",
		  test_fullnat_fields },
		{ "replay window: repeats, too old, late in window, new and old epochs",
		  test_replay_window },
		{ "every reject reason has a name and a text", test_reject_names },
	};

	return unit_add_suite("sync_wire", NULL, NULL, tests, UNIT_DIM(tests));
}
