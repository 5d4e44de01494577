/*
 * proc.h - whether the process that left something behind still runs.
 */
#ifndef SC_PROC_H
#define SC_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Whether process pid exists and started no later than since_ns (wall
 * clock, ns since the epoch; 0: whenever it started). A pid reused by a
 * process that started after since_ns is not the one that was meant: a
 * run's or a temporary file's owner is then gone. pid <= 0 (unknown) counts
 * as alive, so nothing of an unknown owner is taken away. */
int sc_pid_alive_since(pid_t pid, int64_t since_ns);

#endif
