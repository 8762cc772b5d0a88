/*
 * What the health-check suites share (test_health.c: states, rise/fall,
 * targets, scheduling; test_health_probe.c: the probes): real servers on
 * 127.0.0.1 that the test runs itself, inside its own polling loop: a TCP
 * listener, an HTTP responder with a settable status and body, one that
 * accepts and never answers, a full backlog, a closed port. The engine runs
 * on a fake clock advanced one millisecond per loop pass, so timeouts cost
 * no real time; every loop also has a real-time deadline, so a failure
 * never hangs the suite.
 * Context: the test's thread; not MT-safe.
 */
#ifndef SLUICE_TEST_HEALTHSRV_H
#define SLUICE_TEST_HEALTHSRV_H

#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "control/health.h"

#define HS_MAX_CONNS 64

enum hs_mode {
	HS_ACCEPT,   /* accept and close: a TCP check's peer */
	HS_HTTP,     /* answer each request with status and body */
	HS_MUTE,     /* accept, read, never answer */
	HS_IDLE,     /* never accept (a full backlog stays full) */
	HS_RAW,      /* answer each request with body verbatim */
};

struct hs_conn {
	int fd;
	size_t len;
	char req[1024];
};

struct hs_srv {
	int lfd;
	uint16_t port;
	enum hs_mode mode;
	int status;
	char body[8192];
	char last_req[1024];
	uint32_t accepted;
	struct hs_conn conns[HS_MAX_CONNS];
	uint32_t n_conns;
};

extern uint64_t hs_now;           /* the engine's fake clock, ms */

/* A socket bound to 127.0.0.1:port (0 = any free port). */
int hs_bound_socket(uint16_t port, uint16_t *got);

/* Listen on 127.0.0.1:port (0 = any free port) into s->lfd and s->port. */
void hs_srv_listen(struct hs_srv *s, uint16_t port, int backlog);

/* A server on a free port, served by every hs_step until hs_teardown frees it. */
struct hs_srv *hs_srv_new(enum hs_mode mode, int status, const char *body);

/* A check of ip:port with the config's defaults, but every 200 ms, timeout 100 ms. */
struct hc_target hs_target(uint64_t key, const char *ip, uint16_t port,
			   enum cfg_hc_type type);

/* Probes target key has finished; fails the test if there is no such target. */
uint64_t hs_probes(const struct hc *hc, uint64_t key);

/* One loop pass: servers, then the engine, then the fake clock. */
void hs_step(struct hc *hc);

/* Run until target key has finished n probes; 1 if it did in time. */
int hs_until_probes(struct hc *hc, uint64_t key, uint64_t n);

/* Run for ms fake milliseconds. */
void hs_run_for(struct hc *hc, uint64_t ms);

/* hc_transitions. */
uint32_t hs_take(struct hc *hc, struct hc_transition *tr, uint32_t max);

/* Fails the test unless target key's last reason starts with prefix. */
void hs_expect_reason(const struct hc *hc, uint64_t key, const char *prefix);

/* The suites' setup (the fake clock at 1,000,000 ms) and teardown (every server freed). */
void hs_setup(void);
void hs_teardown(void);

#endif
