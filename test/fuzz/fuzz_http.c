/*
 * libFuzzer harness: the Prometheus endpoint's HTTP request handling.
 *
 * Each input is what a scraper sent, in pieces: srv.c reads a request in
 * recv() calls until one of its end markers (srv_request_ended with
 * prom_request_ends) or PROM_REQ_MAX bytes, then prom.c routes it
 * (prom_wants_metrics). The first input byte sets the size of the pieces
 * (1..256 bytes), so end markers split across reads are tried; the rest is
 * the byte stream, read into a buffer exactly as srv.c's serve() does.
 *
 * Left out: rendering the metrics, which needs a running appliance.
 * Threading: libFuzzer's one thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/prom.h"
#include "control/srv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[PROM_REQ_MAX + 1];
	size_t piece, got = 0, k;
	volatile int routed;

	if (size == 0)
		return -1;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	/* serve(): read while there is room, stop at an end marker. */
	req[0] = '\0';
	while (got < PROM_REQ_MAX && size > 0) {
		k = piece < size ? piece : size;
		if (k > PROM_REQ_MAX - got)
			k = PROM_REQ_MAX - got;
		memcpy(req + got, data, k);
		data += k;
		size -= k;
		got += k;
		req[got] = '\0';
		if (srv_request_ended(prom_request_ends, req))
			break;
	}
	routed = prom_wants_metrics(req);
	(void)routed;
	return 0;
}
