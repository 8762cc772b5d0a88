/*
 * libFuzzer harness: session sync messages as a receiver takes them
 * (control/sync_wire.c): framing, MAC, group, every record, then the
 * replay window. The first input byte chooses: bit 0 set, the harness
 * writes a valid MAC over the rest first, as a sender with the key would,
 * so the fuzzer reaches the record checks behind the MAC; bit 1 picks the
 * replay window's state (fresh, or one that has seen the message's
 * sender). A message accepted must round-trip: encoded again with its
 * header it decodes to the same records.
 *
 * Left out: the socket and the hand-out to workers (sync.c), which need a
 * running appliance; test_ha.sh sends them bad messages.
 * Threading: libFuzzer's one thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "control/sync_wire.h"

#define GROUP 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sync_key key = { .bytes = "fuzz-sync-key-0123456789abcdef!!", .len = 32 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[SYNC_MAX_MSG + 64], again[SYNC_MAX_MSG];
	static struct sync_rec recs[SYNC_MAX_RECS], recs2[SYNC_MAX_RECS];
	struct sync_replay win = { 0 };
	struct sync_hdr h, h2;
	enum sync_reject r;
	uint32_t n, n2, i;
	size_t len, len2;
	uint8_t mode;

	if (size == 0 || size - 1 > sizeof(msg))
		return -1;
	mode = data[0];
	len = size - 1;
	memcpy(msg, data + 1, len);
	if ((mode & 1) && len >= SYNC_MAC_LEN) {
		unsigned int ml = SYNC_MAC_LEN;

		HMAC(EVP_sha256(), key.bytes, (int)key.len, msg, len - SYNC_MAC_LEN,
		     msg + len - SYNC_MAC_LEN, &ml);
	}
	r = sync_decode(msg, len, &key, GROUP, &h, recs, &n);
	if (r != SYNC_OK) {
		if (n != 0 || sync_reject_name(r)[0] == '?')
			abort();
		return 0;
	}
	if (n > SYNC_MAX_RECS || (h.type != SYNC_T_CONNS && n != 0))
		abort();
	for (i = 0; i < n; i++)
		if (!sync_state_synced(recs[i].state) || recs[i].mode > 2)
			abort();
	if (mode & 2)
		(void)sync_replay_accept(&win, h.epoch, h.seq - 1);
	(void)sync_replay_accept(&win, h.epoch, h.seq);
	len2 = sync_encode(again, &key, &h, recs, n);
	if (len2 != len || sync_decode(again, len2, &key, GROUP, &h2, recs2, &n2) != SYNC_OK ||
	    n2 != n || memcmp(recs, recs2, n * sizeof(recs[0])) != 0)
		abort();
	return 0;
}
