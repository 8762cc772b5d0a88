/*
 * What `sluicectl sync`, telemetry's /sluice/sync and the exit report show
 * of session sync and VIP following: one walk (sync_view) over the state,
 * written by the caller's ops, so each format lists the same keys in the
 * same order. Prometheus reads sync_status and ha_status itself.
 * Threading: any thread (the state is copied under its locks).
 */
#ifndef SLUICE_SYNC_VIEW_H
#define SLUICE_SYNC_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "../dataplane/app.h"

struct sync_view_ops {
	void (*num)(void *arg, const char *key, uint64_t v);
	void (*str)(void *arg, const char *key, const char *v);
	void (*open)(void *arg, const char *key);   /* a nested group named key */
	void (*close)(void *arg);
};

void sync_view(const struct sl_app *app, const struct sync_view_ops *ops, void *arg);

/* The view as JSON, or as indented "key value" lines. */
void sync_view_write(const struct sl_app *app, FILE *f, int json);

/* /sluice/sync. 0 or a negative errno. */
int sync_view_register(struct sl_app *app);

#endif
