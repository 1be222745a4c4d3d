/*
 * shell.h -- test support for tests that run the `fuseflow` executable or
 * other programs: a shell command and a whole file.
 */
#ifndef FF_TEST_SHELL_H
#define FF_TEST_SHELL_H

/* Runs the printf-formatted shell command (at most 8 KiB); returns its exit
 * status, or -1 when it did not exit normally. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The file at path as a new NUL-terminated string (caller frees), or NULL
 * when it cannot be read. */
char *test_slurp(const char *path);

#endif
