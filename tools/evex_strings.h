/*
 * evex_strings.h - keeping glibc's EVEX string functions out of the tools' processes
 * on AVX-512 machines (see evex_strings.c for why and what it costs).
 */
#ifndef BLITZ_TOOLS_EVEX_STRINGS_H
#define BLITZ_TOOLS_EVEX_STRINGS_H

/* Re-execute the tool once with GLIBC_TUNABLES selecting glibc's AVX2 string
 * functions, when the CPU has AVX-512VL and the user has not set GLIBC_TUNABLES.
 * Returns (and the tool runs as it is) when there is nothing to do or exec fails. */
void tool_avoid_evex_strings(char **argv);

#endif
