/*
 * fmt.c - formatting helpers for terminal output.
 */
#include "fmt.h"

#include <stdio.h>
#include <time.h>

const char *sc_fmt_size(uint64_t n, char *buf)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	if (n < 1024) {
		snprintf(buf, 32, "%llu B", (unsigned long long)n);
		return buf;
	}
	double v = (double)n;
	int i = 0;
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, 32, v < 10 ? "%.1f %s" : "%.0f %s", v, u[i]);
	return buf;
}

const char *sc_fmt_time(int64_t ns, char *buf)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

const char *sc_fmt_time_utc(int64_t ns, char *buf)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *sc_fmt_duration(double sec, char *buf)
{
	if (sec < 60)
		snprintf(buf, 32, sec < 10 ? "%.2fs" : "%.1fs", sec);
	else if (sec < 3600)
		snprintf(buf, 32, "%dm%02ds", (int)sec / 60, (int)sec % 60);
	else
		snprintf(buf, 32, "%dh%02dm", (int)sec / 3600, (int)sec % 3600 / 60);
	return buf;
}
