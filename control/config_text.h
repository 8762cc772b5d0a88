/*
 * Config text before libconfig parses it: @include expansion and the scan
 * for integers libconfig 1.5 would wrap. Internal to the config loader.
 *
 * libconfig 1.5 opens @include files itself, with fopen and no limit, and
 * its settings carry only line numbers we cannot check the text of; so the
 * loader never lets it: cfg_text_expand() reads every file itself (regular
 * files only, one size budget for all of them, bounded nesting and count),
 * scans each for wrapped integers, and hands libconfig one text without a
 * directive in it. A line map turns that text's lines back into
 * "file:line", so messages name the file a setting is written in.
 * Threading: any thread; a struct cfg_text belongs to one load.
 */
#ifndef SLUICE_CONFIG_TEXT_H
#define SLUICE_CONFIG_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_FILE_SIZE (16u << 20)  /* every file of one load together */
#define CFG_MAX_INCLUDE_DEPTH 10       /* libconfig 1.5's own bound */
#define CFG_MAX_INCLUDES 256           /* @include directives in one load */
#define CFG_WIDE_MAX 64                /* wrapped integers remembered */

/* Where a run of the expanded text's lines comes from. */
struct cfg_text_seg {
	int first;          /* its first line in the expanded text */
	int line;           /* that line's number in file */
	const char *file;   /* name in messages */
};

/* An integer literal past the 32-bit range libconfig would wrap. */
struct cfg_text_wide {
	char lit[64];       /* as written (cut at 63 characters) */
	int line;           /* in the expanded text */
};

struct cfg_text {
	char *text;         /* expanded, NUL-terminated */
	size_t len;
	size_t cap;
	int out_line;       /* line of text being written */
	struct cfg_text_seg *segs;
	uint32_t n_segs;
	uint32_t cap_segs;
	char **names;       /* included files' names, owned */
	uint32_t n_names;
	uint32_t n_includes;
	size_t budget;      /* bytes the included files may still add */
	struct cfg_text_wide wide[CFG_WIDE_MAX];
	uint32_t n_wide;
	uint32_t n_wide_all; /* found, remembered or not */
	/* Fatal problems (unreadable include, ...): file, line, message. */
	void (*report)(void *arg, const char *file, int line, const char *msg);
	void *arg;
	int n_fatal;
};

/*
 * Expand text (named `name`, already read) into t->text. Relative @include
 * paths are taken from include_dir (NULL: the current directory), at every
 * depth, as libconfig 1.5 does; absolute ones as they are. Every fatal
 * problem goes to report(); returns their count (0: t->text is ready for
 * libconfig). -ENOMEM when memory ran out. Free t with cfg_text_free either way.
 */
int cfg_text_expand(struct cfg_text *t, const char *text, const char *name,
		    const char *include_dir,
		    void (*report)(void *arg, const char *file, int line, const char *msg),
		    void *arg);

/* Where line `line` of the expanded text was written: *file, return its line. */
int cfg_text_where(const struct cfg_text *t, int line, const char **file);

/*
 * Line `line` of the expanded text as a line of the main file, main_name being
 * the name cfg_text_expand() was given (the same pointer): its own line
 * there, or for a line of an included file the line of the @include that
 * brought it in; 0 if none.
 */
int cfg_text_main_line(const struct cfg_text *t, int line, const char *main_name);

/* Whether line `line` of the expanded text holds a wrapped integer. */
int cfg_text_wide_line(const struct cfg_text *t, int line);

void cfg_text_free(struct cfg_text *t);

#endif
