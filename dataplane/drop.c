/* Names of drop reasons: one table, generated from SL_DROP_REASONS. */
#include <stddef.h>

#include "drop.h"

static const char *const drop_names[SL_DROP__COUNT] = {
#define SL_DROP_NAME(name, text) [SL_DROP_##name] = #name,
	SL_DROP_REASONS(SL_DROP_NAME)
#undef SL_DROP_NAME
};

static const char *const drop_texts[SL_DROP__COUNT] = {
#define SL_DROP_TEXT(name, text) [SL_DROP_##name] = text,
	SL_DROP_REASONS(SL_DROP_TEXT)
#undef SL_DROP_TEXT
};

const char *
sl_drop_name(enum sl_drop reason)
{
	if ((unsigned int)reason >= SL_DROP__COUNT)
		return "unknown";
	return drop_names[reason];
}

const char *
sl_drop_text(enum sl_drop reason)
{
	if ((unsigned int)reason >= SL_DROP__COUNT)
		return "unknown";
	return drop_texts[reason];
}
