/*
 * proc.c - liveness of the process that owns a run or a temporary file
 * (see proc.h). Linux: the start time comes from /proc/PID/stat in clock
 * ticks after boot, and the boot time from /proc/stat.
 */
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Wall-clock start of pid in seconds since the epoch, or -1. */
static double start_time(pid_t pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = 0;
	/* The command name may hold spaces and parentheses: fields count from
	 * the last ')'. starttime is field 22, the 20th after it. */
	char *p = strrchr(line, ')');
	unsigned long long ticks = 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return -1;
	f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	long long btime = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	if (btime < 0 || hz <= 0)
		return -1;
	return (double)btime + (double)ticks / (double)hz;
}

int sc_pid_alive_since(pid_t pid, int64_t since_ns)
{
	if (pid <= 0)
		return 1;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (since_ns <= 0)
		return 1;
	double t = start_time(pid);
	/* btime is whole seconds: allow two of slack. */
	return t < 0 || t <= (double)since_ns / 1e9 + 2;
}
