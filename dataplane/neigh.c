/* Immutable neighbour table construction (see neigh.h). */
#include <stdlib.h>
#include <string.h>

#include "neigh.h"

struct neigh_table *
neigh_table_build(const struct neigh_entry *entries, uint32_t n)
{
	uint32_t size = 4, i;
	struct neigh_table *t;

	while (size < n * 2 + 2)
		size <<= 1;
	t = calloc(1, sizeof(*t) + size * sizeof(t->e[0]));
	if (t == NULL)
		return NULL;
	t->mask = size - 1;
	for (i = 0; i < n; i++) {
		uint32_t j = neigh_hash(entries[i].ip, entries[i].port) & t->mask;

		while (t->e[j].ip != 0 &&
		       !(t->e[j].ip == entries[i].ip && t->e[j].port == entries[i].port))
			j = (j + 1) & t->mask;
		if (t->e[j].ip == 0)
			t->n++;
		t->e[j] = entries[i];
	}
	return t;
}

void
neigh_table_free(struct neigh_table *t)
{
	free(t);
}
