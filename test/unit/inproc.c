/* An appliance inside a test process (see inproc.h). */
#include <sched.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "inproc.h"

static unsigned int inproc_cpu;

/* The first CPU this process may run on: EAL pins the main lcore to it. */
static unsigned int
first_allowed_cpu(void)
{
	cpu_set_t set;
	int i;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return (unsigned int)i;
	return 0;
}

int
inproc_start(const char *prog, const char *config_text, uint32_t n_workers,
	     unsigned int mem_mb, struct sl_app *app, struct cfg **cfg)
{
	unsigned int lcores[SL_MAX_WORKERS];
	char lc[16], mem[16];
	char *argv[] = {
		(char *)prog, (char *)"-l", lc, (char *)"-m", mem,
		(char *)"--no-huge", (char *)"--no-shconf", (char *)"--no-pci",
		(char *)"--no-telemetry", (char *)"--log-level=*:warning", NULL,
	};
	struct cfg_errors errs;
	uint32_t i;

	if (n_workers == 0 || n_workers > RTE_DIM(lcores)) {
		fprintf(stderr, "%s: %u workers: 1..%zu\n", prog, n_workers, RTE_DIM(lcores));
		return -1;
	}
	inproc_cpu = first_allowed_cpu();
	for (i = 0; i < n_workers; i++)
		lcores[i] = inproc_cpu;
	snprintf(lc, sizeof(lc), "%u", inproc_cpu);
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "%s: EAL init: %s\n", prog, rte_strerror(rte_errno));
		return -1;
	}
	cfg_errors_init(&errs);
	cfg_load_string(config_text, prog, cfg, &errs);
	if (*cfg == NULL)
		cfg_errors_print(&errs, stderr);
	cfg_errors_free(&errs);
	if (*cfg == NULL)
		goto undo_eal;
	(*cfg)->api_socket[0] = '\0';
	if (app_init(app, *cfg, n_workers, lcores) != 0 || app_start_ports(app) != 0) {
		fprintf(stderr, "%s: appliance set-up failed\n", prog);
		goto undo_app;
	}
	return 0;
undo_app:
	app_fini(app);
	cfg_free(*cfg);
	*cfg = NULL;
undo_eal:
	rte_eal_cleanup();
	return -1;
}

unsigned int
inproc_lcore(void)
{
	return inproc_cpu;
}

int
inproc_stop(struct sl_app *app, struct cfg **cfg)
{
	app_fini(app);
	cfg_free(*cfg);
	*cfg = NULL;
	return rte_eal_cleanup() == 0 ? 0 : -1;
}
