/*
 * libFuzzer harness: the config loader, and the dump/load round trip as a
 * property.
 *
 * Each input is config text. cfg_load_string() parses and validates it;
 * when it is accepted, cfg_dump_string() must write it out, the dump must
 * load again into a config cfg_equal() to the first, and dump to the same
 * text (cfg_dump promises text that loads back into an equal struct; the
 * API's edits depend on it through control_validate). A refused dump, a
 * failed reload or a difference is a finding: abort(), so libFuzzer keeps
 * the input.
 *
 * Left out: inputs with a NUL byte (cfg_load_file refuses those before
 * parsing; a string cannot hold one) and inputs naming @include (they
 * would read the file system: /dev/zero, /proc; include checks have their
 * own unit tests).
 * Threading: libFuzzer's one thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints both dumps and the reload's errors, then aborts: the finding. */
static void
round_trip_failed(const char *why, const char *dump1, const char *dump2,
		  const struct cfg_errors *errs)
{
	fprintf(stderr, "fuzz_config: round trip: %s\n--- first dump ---\n%s\n", why, dump1);
	if (dump2 != NULL)
		fprintf(stderr, "--- second dump ---\n%s\n", dump2);
	if (errs != NULL)
		cfg_errors_print(errs, stderr);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *c = NULL, *again = NULL;
	struct cfg_errors errs;
	char *text, *dump1, *dump2, why[256];

	if (memchr(data, '\0', size) != NULL)
		return -1;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include") != NULL) {
		free(text);
		return -1;
	}

	cfg_errors_init(&errs);
	cfg_load_string(text, "<fuzz>", &c, &errs);
	cfg_errors_free(&errs);
	free(text);
	if (c == NULL)
		return 0;

	if (cfg_dump_check(c, why, sizeof(why)) != 0)
		round_trip_failed(why, "(none: the dump refuses an accepted config)", NULL, NULL);
	dump1 = cfg_dump_string(c);
	if (dump1 == NULL) {
		cfg_free(c);
		return 0;
	}
	cfg_errors_init(&errs);
	cfg_load_string(dump1, "<dump>", &again, &errs);
	if (again == NULL)
		round_trip_failed("the dump of an accepted config does not load", dump1, NULL,
				  &errs);
	cfg_errors_free(&errs);
	if (!cfg_equal(c, again))
		round_trip_failed("the reloaded config differs (cfg_equal)", dump1, NULL, NULL);
	cfg_free(c);
	dump2 = cfg_dump_string(again);
	cfg_free(again);
	if (dump2 != NULL && strcmp(dump1, dump2) != 0)
		round_trip_failed("the reloaded config dumps differently", dump1, dump2, NULL);
	free(dump2);
	free(dump1);
	return 0;
}
