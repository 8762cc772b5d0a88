/*
 * The management endpoints' requests, as bytes: where one ends (srv.h
 * frames with these markers), how an API request splits into arguments and
 * which lane it takes, what a Prometheus request asks for. Pure functions
 * of a buffer, no socket, no EAL: unit tests and fuzz harnesses call them
 * as they are.
 * Threading: any thread; nothing shared.
 */
#ifndef SLUICE_MGMT_REQ_H
#define SLUICE_MGMT_REQ_H

#include <stddef.h>

/* srv_conf.ends for HTTP (a blank line ends the head) and for the API. */
extern const char *const mgmt_http_ends[];
extern const char *const mgmt_api_ends[];

enum mgmt_prom_route { MGMT_PROM_METRICS, MGMT_PROM_NOT_FOUND };

/*
 * What an HTTP request (framed: len bytes) asks for: "GET /metrics"
 * followed by a space or a query is the metrics; anything else is not found.
 */
enum mgmt_prom_route mgmt_prom_route(const char *req, size_t len);

/*
 * Split an API request (framed: len bytes, arguments one per line, ended by
 * an empty line) into its lines, in place: argv[0..n) point into req,
 * NUL-terminated. Returns n (0..max_args), -EINVAL when no empty line ends
 * the arguments, -E2BIG with more than max_args.
 */
int mgmt_api_parse(char *req, size_t len, char **argv, int max_args);

enum mgmt_api_lane { MGMT_LANE_QUICK, MGMT_LANE_SLOW, MGMT_LANES };

/*
 * The lane of an API request (with or without --json before its command):
 * its command's in api_cmds.h, slow for a command not there.
 */
enum mgmt_api_lane mgmt_api_lane(const char *req, size_t len);

#endif
