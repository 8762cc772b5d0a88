/*
 * Sync messages: the MAC is checked before anything in the message is
 * believed beyond its framing, and a message is accepted or refused whole.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../dataplane/conntrack_types.h"
#include "../dataplane/snapshot.h"
#include "sync_wire.h"

static const char *const reject_names[SYNC_R__COUNT] = {
	[SYNC_OK] = "ok",
#define NAME(n, t) [SYNC_R_##n] = #n,
	SYNC_REJECTS(NAME)
#undef NAME
};

static const char *const reject_texts[SYNC_R__COUNT] = {
	[SYNC_OK] = "accepted",
#define TEXT(n, t) [SYNC_R_##n] = t,
	SYNC_REJECTS(TEXT)
#undef TEXT
};

const char *
sync_reject_name(enum sync_reject r)
{
	return (unsigned int)r < SYNC_R__COUNT ? reject_names[r] : "?";
}

const char *
sync_reject_text(enum sync_reject r)
{
	return (unsigned int)r < SYNC_R__COUNT ? reject_texts[r] : "?";
}

/* ct_state <-> wire state; 0 = not synced. */
static uint8_t
state_to_wire(uint8_t s)
{
	switch (s) {
	case CT_ESTABLISHED: return SYNC_S_ESTABLISHED;
	case CT_FIN_WAIT: return SYNC_S_FIN_WAIT;
	case CT_CLOSE_WAIT: return SYNC_S_CLOSE_WAIT;
	case CT_TIME_WAIT: return SYNC_S_TIME_WAIT;
	case CT_CLOSE: return SYNC_S_CLOSE;
	case CT_UDP: return SYNC_S_UDP;
	default: return 0;
	}
}

static uint8_t
state_from_wire(uint8_t s)
{
	switch (s) {
	case SYNC_S_ESTABLISHED: return CT_ESTABLISHED;
	case SYNC_S_FIN_WAIT: return CT_FIN_WAIT;
	case SYNC_S_CLOSE_WAIT: return CT_CLOSE_WAIT;
	case SYNC_S_TIME_WAIT: return CT_TIME_WAIT;
	case SYNC_S_CLOSE: return CT_CLOSE;
	case SYNC_S_UDP: return CT_UDP;
	default: return CT_NONE;
	}
}

static int
mode_to_wire(uint8_t m, uint8_t *out)
{
	switch (m) {
	case SVC_MODE_NAT: *out = SYNC_M_NAT; return 0;
	case SVC_MODE_FULLNAT: *out = SYNC_M_FULLNAT; return 0;
	case SVC_MODE_DR: *out = SYNC_M_DR; return 0;
	default: return -1;
	}
}

static int
mode_from_wire(uint8_t m, uint8_t *out)
{
	switch (m) {
	case SYNC_M_NAT: *out = SVC_MODE_NAT; return 0;
	case SYNC_M_FULLNAT: *out = SVC_MODE_FULLNAT; return 0;
	case SYNC_M_DR: *out = SVC_MODE_DR; return 0;
	default: return -1;
	}
}

static void
mac(const struct sync_key *k, const uint8_t *data, size_t len, uint8_t out[SYNC_MAC_LEN])
{
	unsigned int n = SYNC_MAC_LEN;

	HMAC(EVP_sha256(), k->bytes, (int)k->len, data, len, out, &n);
}

size_t
sync_encode(uint8_t *buf, const struct sync_key *k, const struct sync_hdr *h,
	    const struct sync_rec *recs, uint32_t n)
{
	struct sync_wire_hdr wh;
	size_t body = h->type == SYNC_T_HELLO ? sizeof(struct sync_wire_hello) : 0;
	size_t len = sizeof(wh) + body + (size_t)n * sizeof(struct sync_wire_rec) + SYNC_MAC_LEN;
	uint32_t i;

	if (n > SYNC_MAX_RECS || (n > 0 && h->type != SYNC_T_CONNS))
		return 0;
	if (body != 0) {
		struct sync_wire_hello hb = { .workers = htons(h->workers),
					      .lport_min = htons(h->lport_min),
					      .lport_max = htons(h->lport_max) };

		memcpy(buf + sizeof(wh), &hb, sizeof(hb));
	}
	for (i = 0; i < n; i++) {
		const struct sync_rec *r = &recs[i];
		struct sync_wire_rec wr = {
			.proto = r->proto,
			.state = state_to_wire(r->state),
			.cport = r->cport, .vport = r->vport, .dport = r->dport, .lport = r->lport,
			.caddr = r->caddr, .vaddr = r->vaddr, .daddr = r->daddr, .laddr = r->laddr,
			.timeout_ms = htonl(r->timeout_ms),
		};

		if (wr.state == 0 || mode_to_wire(r->mode, &wr.mode) != 0)
			return 0;
		memcpy(buf + sizeof(wh) + (size_t)i * sizeof(wr), &wr, sizeof(wr));
	}
	wh = (struct sync_wire_hdr){
		.magic = { SYNC_MAGIC0, SYNC_MAGIC1 },
		.version = SYNC_VERSION,
		.type = h->type,
		.length = htons((uint16_t)len),
		.n_records = (uint8_t)n,
		.group = htonl(h->group),
		.sender = htonl(h->sender),
		.epoch = htonl(h->epoch),
		.seq = htonl(h->seq),
	};
	memcpy(buf, &wh, sizeof(wh));
	mac(k, buf, len - SYNC_MAC_LEN, buf + len - SYNC_MAC_LEN);
	return len;
}

/* A record's fields in range, and consistent with each other. */
static int
record_ok(const struct sync_wire_rec *wr, struct sync_rec *r)
{
	if ((wr->proto != IPPROTO_TCP && wr->proto != IPPROTO_UDP) || wr->flags != 0 ||
	    wr->reserved != 0 || mode_from_wire(wr->mode, &r->mode) != 0)
		return 0;
	r->state = state_from_wire(wr->state);
	if (r->state == CT_NONE || (wr->proto == IPPROTO_UDP) != (r->state == CT_UDP))
		return 0;
	if (wr->caddr == 0 || wr->vaddr == 0 || wr->daddr == 0 || wr->cport == 0 ||
	    wr->vport == 0 || wr->dport == 0)
		return 0;
	/* FULLNAT's local address and port, and only FULLNAT's. */
	if ((r->mode == SVC_MODE_FULLNAT) != (wr->laddr != 0) ||
	    (r->mode == SVC_MODE_FULLNAT) != (wr->lport != 0))
		return 0;
	r->proto = wr->proto;
	r->caddr = wr->caddr;
	r->vaddr = wr->vaddr;
	r->daddr = wr->daddr;
	r->laddr = wr->laddr;
	r->cport = wr->cport;
	r->vport = wr->vport;
	r->dport = wr->dport;
	r->lport = wr->lport;
	r->timeout_ms = ntohl(wr->timeout_ms);
	return 1;
}

enum sync_reject
sync_decode(const uint8_t *buf, size_t len, const struct sync_key *k, uint32_t group,
	    struct sync_hdr *h, struct sync_rec *recs, uint32_t *n)
{
	uint8_t want[SYNC_MAC_LEN];
	struct sync_wire_hdr wh;
	struct sync_wire_hello hb;
	size_t body;
	uint32_t i;

	*n = 0;
	if (len < sizeof(wh) + SYNC_MAC_LEN)
		return SYNC_R_short;
	memcpy(&wh, buf, sizeof(wh));
	if (wh.magic[0] != SYNC_MAGIC0 || wh.magic[1] != SYNC_MAGIC1)
		return SYNC_R_magic;
	if (wh.version != SYNC_VERSION)
		return SYNC_R_version;
	if (wh.type < SYNC_T_CONNS || wh.type > SYNC_T_HELLO || wh.flags != 0 ||
	    (wh.type != SYNC_T_CONNS && wh.n_records != 0))
		return SYNC_R_header;
	body = wh.type == SYNC_T_HELLO ? sizeof(struct sync_wire_hello) : 0;
	if (len > SYNC_MAX_MSG || ntohs(wh.length) != len || wh.n_records > SYNC_MAX_RECS ||
	    len != sizeof(wh) + body + (size_t)wh.n_records * sizeof(struct sync_wire_rec) +
	    SYNC_MAC_LEN)
		return SYNC_R_length;
	mac(k, buf, len - SYNC_MAC_LEN, want);
	if (CRYPTO_memcmp(want, buf + len - SYNC_MAC_LEN, SYNC_MAC_LEN) != 0)
		return SYNC_R_mac;
	if (ntohl(wh.group) != group)
		return SYNC_R_group;
	for (i = 0; i < wh.n_records; i++) {
		struct sync_wire_rec wr;

		memcpy(&wr, buf + sizeof(wh) + (size_t)i * sizeof(wr), sizeof(wr));
		if (!record_ok(&wr, &recs[i]))
			return SYNC_R_record;
	}
	memset(h, 0, sizeof(*h));
	if (body != 0) {
		memcpy(&hb, buf + sizeof(wh), sizeof(hb));
		if (hb.reserved != 0 || hb.workers == 0 || ntohs(hb.lport_min) > ntohs(hb.lport_max))
			return SYNC_R_record;
		h->workers = ntohs(hb.workers);
		h->lport_min = ntohs(hb.lport_min);
		h->lport_max = ntohs(hb.lport_max);
	}
	h->type = wh.type;
	h->group = ntohl(wh.group);
	h->sender = ntohl(wh.sender);
	h->epoch = ntohl(wh.epoch);
	h->seq = ntohl(wh.seq);
	*n = wh.n_records;
	return SYNC_OK;
}

enum sync_reject
sync_replay_accept(struct sync_replay *w, uint32_t epoch, uint32_t seq)
{
	uint32_t back;

	if (seq == 0)
		return SYNC_R_replay;
	if (!w->valid || epoch > w->epoch) {
		*w = (struct sync_replay){ .epoch = epoch, .top = seq, .seen = 1, .valid = 1 };
		return SYNC_OK;
	}
	if (epoch < w->epoch)
		return SYNC_R_epoch;
	if (seq > w->top) {
		uint32_t shift = seq - w->top;

		w->seen = shift >= 64 ? 1 : (w->seen << shift) | 1;
		w->top = seq;
		return SYNC_OK;
	}
	back = w->top - seq;
	if (back >= 64 || (w->seen >> back) & 1)
		return SYNC_R_replay;
	w->seen |= (uint64_t)1 << back;
	return SYNC_OK;
}
