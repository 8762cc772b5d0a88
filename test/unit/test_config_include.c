/*
 * Config loader tests: @include (files that are not files, depth, lines in
 * messages). Fixtures in test_config.c.
 */
#include "test_config.h"
#include "unit.h"

/* A scratch directory for files a test makes: FIFOs, chains, big files. */
static char g_dir[] = "/tmp/sluice-test-include-XXXXXX";

static void
put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static int
load_dir_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", g_dir, name);
	return load_file(path);
}

/* has_msg(), the scratch directory's name before msg. */
static int
has_dir_msg(const char *msg)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", g_dir, msg);
	return has_msg(full);
}

static void
rm_dir(void)
{
	DIR *d = opendir(g_dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(g_dir);
}

/* An integer past 32 bits is refused in an included file as in the main one. */
void
test_include_wide_integer(void)
{
	CU_ASSERT_EQUAL(load_file(FIXTURE("include_wide.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_wide_inc.conf")
			  ":3: integer 4294968320 is outside the 32-bit signed range"));
	CU_ASSERT_PTR_NULL(g_cfg);
}

/*
 * What an @include names must be a regular text file within the size
 * budget, and is refused at once otherwise: a FIFO would block the open, a
 * device such as /dev/zero never ends.
 */
void
test_include_not_a_file(void)
{
	char path[512], big[64];
	FILE *f;

	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	/* A writer-less FIFO blocks a plain open() for ever: end the test then. */
	alarm(30);
	snprintf(path, sizeof(path), "%s/fifo.conf", g_dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	put_file("m1.conf", "@include \"fifo.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m1.conf"), 1);
	CU_ASSERT(has_dir_msg("m1.conf:1: @include \"fifo.conf\": not a regular file"));

	snprintf(path, sizeof(path), "%s/zero.conf", g_dir);
	CU_ASSERT_EQUAL_FATAL(symlink("/dev/zero", path), 0);
	put_file("m2.conf", PORTS "@include \"zero.conf\"\n");
	CU_ASSERT_EQUAL(load_dir_file("m2.conf"), 1);
	CU_ASSERT(has_dir_msg("m2.conf:5: @include \"zero.conf\": not a regular file"));
	/* A string's includes are relative to the current directory, and as bounded. */
	CU_ASSERT_EQUAL(load("@include \"/dev/zero\"\n" PORTS), 1);
	CU_ASSERT(has_msg("t.conf:1: @include \"/dev/zero\": not a regular file"));
	CU_ASSERT_EQUAL(load("@include \"/\"\n" PORTS), 1);
	CU_ASSERT(has_msg("t.conf:1: @include \"/\": not a regular file"));
	alarm(0);

	/* One budget for the main file and every included one together. */
	snprintf(path, sizeof(path), "%s/big.conf", g_dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(big, ' ', sizeof(big));
	for (long i = 0; i < (16L << 20) / (long)sizeof(big); i++)
		fwrite(big, 1, sizeof(big), f);
	fclose(f);
	put_file("m3.conf", PORTS "@include \"big.conf\"\n");
	CU_ASSERT_EQUAL(load_dir_file("m3.conf"), 1);
	CU_ASSERT(has_dir_msg("m3.conf:5: @include \"big.conf\": the files of this config "
			      "exceed 16777216 bytes together"));

	snprintf(path, sizeof(path), "%s/nul.conf", g_dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("a = 1;\0b", 1, 8, f);
	fclose(f);
	put_file("m4.conf", "@include \"nul.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m4.conf"), 1);
	CU_ASSERT(has_dir_msg("m4.conf:1: @include \"nul.conf\": NUL byte at offset 6, not a text file"));
	put_file("m5.conf", "\n@include \"missing.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m5.conf"), 1);
	CU_ASSERT(has_dir_msg("m5.conf:2: @include \"missing.conf\": cannot open: "
			      "No such file or directory"));
	rm_dir();
}

/* Nesting is bounded (10 deep, as libconfig's own), so a loop ends too. */
void
test_include_depth(void)
{
	char name[32], text[64];
	int i;

	CU_ASSERT_EQUAL(load_file(FIXTURE("include_self.conf")), 1);
	CU_ASSERT(has_msg(FIXTURE("include_self.conf") ":2: @include \"include_self.conf\": "
			  "nested more than 10 deep (does a file include itself?)"));

	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	/* d0 includes d1 ... includes d10: ten deep, the most there may be */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "@include \"d%d.conf\"\n", i + 1);
		put_file(name, text);
	}
	put_file("d10.conf", PORTS);
	CU_ASSERT_EQUAL(load_dir_file("d0.conf"), 0);
	CU_ASSERT_PTR_NOT_NULL(g_cfg);
	put_file("d10.conf", "@include \"d11.conf\"\n");
	put_file("d11.conf", PORTS);
	CU_ASSERT_EQUAL(load_dir_file("d0.conf"), 1);
	CU_ASSERT(has_dir_msg("d10.conf:1: @include \"d11.conf\": nested more than 10 deep "
			      "(does a file include itself?)"));
	/* Wide rather than deep: an empty file 256 times is fine, 257 is not. */
	{
		static const char inc[] = "@include \"e.conf\"\n";
		char *many = malloc(257 * (sizeof(inc) - 1) + sizeof(PORTS));

		CU_ASSERT_PTR_NOT_NULL_FATAL(many);
		many[0] = '\0';
		for (i = 0; i < 256; i++)
			strcat(many, inc);
		strcat(many, PORTS);
		put_file("e.conf", "");
		put_file("w.conf", many);
		CU_ASSERT_EQUAL(load_dir_file("w.conf"), 0);
		strcat(many, inc);
		put_file("w.conf", many);
		CU_ASSERT_EQUAL(load_dir_file("w.conf"), 1);
		CU_ASSERT(has_dir_msg("w.conf:261: more than 256 @include directives"));
		free(many);
	}
	rm_dir();
}

/* Lines and files in messages around includes; what is no directive. */
void
test_include_lines(void)
{
	strcpy(g_dir, "/tmp/sluice-test-include-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	put_file("ports.conf", PORTS);
	/* a file ending in a comment without a newline ends before the line goes on */
	put_file("w.conf", "workers: {\n  burst = 0;\n}; # no newline");
	put_file("m.conf", "# 1\n@include \"ports.conf\"\n@include \"w.conf\" scheduler: {\n"
		 "  load_interval_ms = 1; };\nconntrack: { capacity = 1; };\n");
	CU_ASSERT_EQUAL(load_dir_file("m.conf"), 3);
	CU_ASSERT(has_dir_msg("w.conf:2: workers.burst: 0 out of range 1..256"));
	CU_ASSERT(has_dir_msg("m.conf:4: scheduler.load_interval_ms: 1 out of range 10..10000"));
	CU_ASSERT(has_dir_msg("m.conf:5: conntrack.capacity: 1 out of range 1024..268435456"));
	/* main file first, then included ones: as before */
	CU_ASSERT_EQUAL_FATAL(g_errs.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_errs.msgs[2], "w.conf:2:"));

	/* @include in a comment or a string, or not at a line start, is none */
	EXPECT_OK("/* x\n@include \"/dev/zero\" */\n# @include \"/dev/zero\"\n"
		  "api: { socket = \"/a\n@include \\\"/dev/zero\\\"\"; };\n" PORTS);
	CU_ASSERT_STRING_EQUAL(g_cfg->api_socket, "/a\n@include \"/dev/zero\"");
	EXPECT_ONE("a = 1; @include \"/dev/zero\"\n" PORTS, "t.conf:1: syntax error");

	/* a string or comment an included file leaves open ends there */
	put_file("s.conf", "workers: { burst = \"32; };\n");
	put_file("m2.conf", "@include \"s.conf\"\n\" ; " PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m2.conf"), 1);
	CU_ASSERT(has_dir_msg("s.conf:1: string not closed by the end of the file"));
	put_file("c.conf", "/* workers: { burst = 32; };\n");
	put_file("m3.conf", "@include \"c.conf\"\n*/ " PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m3.conf"), 1);
	CU_ASSERT(has_dir_msg("c.conf:1: comment not closed by the end of the file"));

	/* a syntax error in an included file names it */
	put_file("bad.conf", "\n\nworkers: { burst = = 1; };\n");
	put_file("m4.conf", "@include \"bad.conf\"\n" PORTS);
	CU_ASSERT_EQUAL(load_dir_file("m4.conf"), 1);
	CU_ASSERT(has_dir_msg("bad.conf:3: syntax error"));
	rm_dir();
}
