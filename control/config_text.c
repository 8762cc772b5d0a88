/*
 * @include expansion and the wrapped-integer scan (config_text.h).
 *
 * One lexer walks each file the way libconfig 1.5's scanner does: strings
 * ("..." with backslash escapes), comments (#, // to the end of the line,
 * and block comments), and `^[ \t]*@include[ \t]+"path"` at the start of a
 * line outside both, exactly its directive rule. Everything is copied to the
 * expanded text but directives, which become the included file's text; the
 * rest of a directive's line follows on a line of its own behind an empty
 * comment, so it is no line start and cannot become a directive libconfig
 * would act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_text.h"

static void __attribute__((format(printf, 4, 5)))
fatal(struct cfg_text *t, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->n_fatal++;
	t->report(t->arg, file, line, msg);
}

static int
put(struct cfg_text *t, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (t->cap - t->len <= n) {
		cap = t->cap ? t->cap : 4096;
		while (cap - t->len <= n)
			cap *= 2;
		grown = realloc(t->text, cap);
		if (grown == NULL)
			return -ENOMEM;
		t->text = grown;
		t->cap = cap;
	}
	memcpy(t->text + t->len, s, n);
	t->len += n;
	t->text[t->len] = '\0';
	return 0;
}

/* From here on, expanded lines are file's, starting at `line`. */
static int
seg_push(struct cfg_text *t, const char *file, int line)
{
	struct cfg_text_seg *grown;
	uint32_t cap;

	if (t->n_segs > 0 && t->segs[t->n_segs - 1].first == t->out_line)
		t->n_segs--; /* an empty run: the new one replaces it */
	if (t->n_segs == t->cap_segs) {
		cap = t->cap_segs ? t->cap_segs * 2 : 8;
		grown = realloc(t->segs, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		t->segs = grown;
		t->cap_segs = cap;
	}
	t->segs[t->n_segs++] = (struct cfg_text_seg){ t->out_line, line, file };
	return 0;
}

/* The last run starting at or before line (0 when there is none). */
static uint32_t
seg_of(const struct cfg_text *t, int line)
{
	uint32_t lo = 0, hi = t->n_segs;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->segs[mid].first <= line)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int
cfg_text_where(const struct cfg_text *t, int line, const char **file)
{
	uint32_t i = seg_of(t, line);

	if (t->n_segs == 0) {
		*file = NULL;
		return line;
	}
	*file = t->segs[i].file;
	return t->segs[i].line + (line - t->segs[i].first);
}

int
cfg_text_main_line(const struct cfg_text *t, int line, const char *main_name)
{
	uint32_t i = seg_of(t, line);

	if (t->n_segs == 0)
		return line;
	if (t->segs[i].file == main_name)
		return t->segs[i].line + (line - t->segs[i].first);
	/* The main file goes on from its outermost directive's line (directive()). */
	for (i++; i < t->n_segs; i++)
		if (t->segs[i].file == main_name)
			return t->segs[i].line;
	return 0;
}

int
cfg_text_wide_line(const struct cfg_text *t, int line)
{
	uint32_t i;

	for (i = 0; i < t->n_wide; i++)
		if (t->wide[i].line == line)
			return 1;
	return 0;
}

void
cfg_text_free(struct cfg_text *t)
{
	uint32_t i;

	for (i = 0; i < t->n_names; i++)
		free(t->names[i]);
	free(t->names);
	free(t->segs);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/* ---- integers libconfig 1.5 would wrap -------------------------------------- */

/*
 * libconfig 1.5 reads a decimal literal without the L suffix with atoi-like
 * arithmetic: "capacity = 4294968320" silently becomes 1024 (and a hex one
 * past 32 bits is cut). Every bound in the config fits in 31 bits, so any
 * such literal past INT_MAX is an error.
 */
static int
is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '*' ||
	       ch == '-' || ch == '+';
}

static void
check_literal(struct cfg_text *t, const char *w, size_t len)
{
	char lit[64];
	const char *digits;
	unsigned long long v;
	int hex;
	size_t i;

	if (len >= sizeof(lit))
		len = sizeof(lit) - 1;
	memcpy(lit, w, len);
	lit[len] = '\0';
	digits = (lit[0] == '-' || lit[0] == '+') ? lit + 1 : lit;
	hex = digits == lit && (strncmp(digits, "0x", 2) == 0 ||
				strncmp(digits, "0X", 2) == 0);
	if (hex)
		digits += 2;
	if (digits[0] == '\0')
		return;
	for (i = 0; digits[i] != '\0'; i++) {
		char ch = digits[i];

		if (!(ch >= '0' && ch <= '9') &&
		    !(hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))))
			return; /* a name, a float or an L-suffixed 64-bit integer */
	}
	errno = 0;
	v = strtoull(digits, NULL, hex ? 16 : 10);
	if (errno == 0 && v <= (lit[0] == '-' ? (unsigned long long)INT_MAX + 1 :
				(unsigned long long)INT_MAX))
		return;
	t->n_wide_all++;
	if (t->n_wide < CFG_WIDE_MAX) {
		memcpy(t->wide[t->n_wide].lit, lit, sizeof(lit));
		t->wide[t->n_wide].line = t->out_line;
		t->n_wide++;
	}
}

/* ---- reading an included file ---------------------------------------------- */

/*
 * The whole of a regular file, at most `budget` bytes, NUL-terminated; NULL
 * with a reason in why. O_NONBLOCK: a FIFO must not hang the open, and
 * anything but a regular file (a FIFO, /dev/zero, a directory) is refused
 * before a byte is read.
 */
static char *
read_include(const char *path, size_t budget, size_t *lenp, char *why, size_t why_len)
{
	struct stat st;
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(why, why_len, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "not a regular file");
		goto fail;
	}
	/* Read to EOF rather than trust st_size: the file may grow meanwhile. */
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				snprintf(why, why_len, "out of memory");
				goto fail;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, why_len, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > budget) {
			snprintf(why, why_len, "the files of this config exceed %u bytes together",
				 CFG_MAX_FILE_SIZE);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(why, why_len, "NUL byte at offset %zu, not a text file", strlen(buf));
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* ---- the lexer -------------------------------------------------------------- */

static int expand(struct cfg_text *t, const char *text, const char *file,
		  const char *dir, int depth);

/*
 * p is past `@include` and its blanks, at the opening quote. Reads the path
 * (its \\ and \" escapes, as libconfig's), includes the file, returns where
 * the line goes on, or NULL on a fatal error (reported; *line advanced).
 */
static const char *
directive(struct cfg_text *t, const char *p, const char *file, int *line,
	  const char *dir, int depth, int *rc)
{
	char path[PATH_MAX], why[256];
	char *name = NULL, *inc, **grown;
	size_t n = 0, len;
	int at = *line;

	for (p++; *p != '"'; p++) {
		if (*p == '\0' || (p[0] == '\\' && p[1] == '\0')) {
			fatal(t, file, at, "@include: no closing quote");
			return NULL;
		}
		if (*p == '\\') {
			if (p[1] != '\\' && p[1] != '"') {
				fatal(t, file, at, "@include: \\%c is no escape libconfig reads in a path",
				      p[1]);
				return NULL;
			}
			p++;
		}
		if (*p == '\n')
			(*line)++;
		if (n + 1 < sizeof(path))
			path[n++] = *p;
	}
	path[n] = '\0';
	p++;
	if (n + 1 >= sizeof(path) || n == 0) {
		fatal(t, file, at, "@include: %s path", n ? "too long a" : "an empty");
		return p;
	}
	if (depth >= CFG_MAX_INCLUDE_DEPTH) {
		fatal(t, file, at, "@include \"%s\": nested more than %d deep (does a file include itself?)",
		      path, CFG_MAX_INCLUDE_DEPTH);
		return p;
	}
	if (++t->n_includes > CFG_MAX_INCLUDES) {
		if (t->n_includes == CFG_MAX_INCLUDES + 1)
			fatal(t, file, at, "more than %d @include directives", CFG_MAX_INCLUDES);
		return p;
	}
	/* The name messages use is the path it was opened by. */
	if (path[0] == '/' || dir == NULL || strcmp(dir, ".") == 0)
		name = strdup(path);
	else if (asprintf(&name, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", path) < 0)
		name = NULL;
	grown = name ? realloc(t->names, (t->n_names + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL) {
		free(name);
		*rc = -ENOMEM;
		return NULL;
	}
	t->names = grown;
	t->names[t->n_names++] = name;
	inc = read_include(name, t->budget, &len, why, sizeof(why));
	if (inc == NULL) {
		fatal(t, file, at, "@include \"%s\": %s", path, why);
		return p;
	}
	t->budget -= len;
	*rc = expand(t, inc, name, dir, depth + 1);
	free(inc);
	if (*rc != 0)
		return NULL;
	/* The line goes on from here, no line start (see the top). */
	if (seg_push(t, file, *line) != 0 || put(t, "/**/", 4) != 0) {
		*rc = -ENOMEM;
		return NULL;
	}
	return p;
}

/* `^[ \t]*@include[ \t]+"`: past it (at the quote), or NULL. */
static const char *
at_directive(const char *p)
{
	p += strspn(p, " \t");
	if (strncmp(p, "@include", 8) != 0 || (p[8] != ' ' && p[8] != '\t'))
		return NULL;
	p += 8;
	p += strspn(p, " \t");
	return *p == '"' ? p : NULL;
}

static int
expand(struct cfg_text *t, const char *text, const char *file, const char *dir, int depth)
{
	const char *p = text, *q;
	int line = 1, bol = 1, rc = 0, open_line;

	if (seg_push(t, file, 1) != 0)
		return -ENOMEM;
	while (*p != '\0' && rc == 0) {
		if (bol && (q = at_directive(p)) != NULL) {
			p = directive(t, q, file, &line, dir, depth, &rc);
			if (p == NULL)
				return rc;
			bol = 0;
			continue;
		}
		bol = 0;
		q = p;
		if (*p == '\n') {
			p++;
			line++;
			t->out_line++;
			bol = 1;
		} else if (*p == '"') {
			open_line = line;
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (*p == '\n') {
					line++;
					t->out_line++;
				}
			}
			/* Unclosed, it would run on into the including file's text. */
			if (*p == '\0' && depth > 0) {
				fatal(t, file, open_line, "string not closed by the end of the file");
				return 0;
			}
			if (*p != '\0')
				p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			open_line = line;
			for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++) {
				if (*p == '\n') {
					line++;
					t->out_line++;
				}
			}
			if (*p == '\0' && depth > 0) {
				fatal(t, file, open_line, "comment not closed by the end of the file");
				return 0;
			}
			if (*p != '\0')
				p += 2;
		} else if (is_word_char(*p)) {
			while (is_word_char(*p))
				p++;
			check_literal(t, q, (size_t)(p - q));
		} else {
			p++;
		}
		if (put(t, q, (size_t)(p - q)) != 0)
			return -ENOMEM;
	}
	/* Every file ends its last line, so an included one ends before the
	 * including line goes on (a final # comment included). */
	if (rc == 0 && t->len > 0 && t->text[t->len - 1] != '\n') {
		if (put(t, "\n", 1) != 0)
			return -ENOMEM;
		t->out_line++;
	}
	return rc;
}

int
cfg_text_expand(struct cfg_text *t, const char *text, const char *name,
		const char *include_dir,
		void (*report)(void *arg, const char *file, int line, const char *msg),
		void *arg)
{
	size_t len = strlen(text);
	int rc;

	memset(t, 0, sizeof(*t));
	t->out_line = 1;
	t->report = report;
	t->arg = arg;
	t->budget = len < CFG_MAX_FILE_SIZE ? CFG_MAX_FILE_SIZE - len : 0;
	if (put(t, "", 0) != 0)
		return -ENOMEM;
	rc = expand(t, text, name, include_dir, 0);
	return rc != 0 ? rc : t->n_fatal;
}
