/*
 * libFuzzer harness: the Prometheus endpoint's HTTP request handling.
 *
 * Each input is what a scraper sent, in pieces: srv.c's conn_read() takes
 * a request in recv() calls, frames it after each with srv_request_end()
 * and mgmt_http_ends (the whole buffer each time: a marker may straddle two
 * reads), and hands it over at its end marker or at max_req bytes; prom.c
 * then routes it with mgmt_prom_route(). The first input byte sets the size
 * of the pieces (1..256 bytes); the rest is the byte stream.
 *
 * Left out: rendering the metrics, which needs a running appliance.
 * Threading: libFuzzer's one thread.
 */
#include <stdint.h>
#include <string.h>

#include "control/mgmt_req.h"
#include "control/srv.h"

#define MAX_REQ 2048   /* prom.c's PROM_REQ_MAX */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[MAX_REQ + 1];
	size_t piece, got = 0, end = 0, k;
	volatile enum mgmt_prom_route route;

	if (size == 0)
		return -1;
	piece = (size_t)data[0] + 1;
	data++;
	size--;
	/* conn_read(): room for max_req bytes; framed after every read. */
	while (size > 0) {
		k = piece < size ? piece : size;
		if (k > MAX_REQ - got)
			k = MAX_REQ - got;
		memcpy(req + got, data, k);
		data += k;
		size -= k;
		got += k;
		end = srv_request_end(mgmt_http_ends, req, got);
		if (end != 0)
			got = end;
		req[got] = '\0';
		if (end != 0 || got == MAX_REQ)
			break;
	}
	/* A client that closes before its request ends gets no answer. */
	if (end == 0 && got < MAX_REQ)
		return 0;
	route = mgmt_prom_route(req, got);
	(void)route;
	return 0;
}
