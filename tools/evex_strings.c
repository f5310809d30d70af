/*
 * evex_strings.c - on CPUs with AVX-512VL, glibc's memcpy, memset and friends are its
 * EVEX variants, which use ymm16-31 and end without VZEROUPPER. Every libblitz loop
 * not compiled for AVX (the portable default build: legacy SSE encoding) then runs in
 * the "dirty upper state", each instruction merging into the registers' upper halves.
 * Measured on the development Xeons: a 200 x 200 ROI trace over 900 frames 0.36 s ->
 * 0.15 s, a sliding-mean pipeline over 400 frames 7.0 s -> 3.2 s, when glibc is told
 * to use its AVX2 string functions instead (VEX-encoded, ending with VZEROUPPER);
 * reductions built for AVX-512 and AVX2 were not affected. glibc only reads that
 * choice (GLIBC_TUNABLES) at start-up, so the tool re-executes itself once with it.
 * A GLIBC_TUNABLES set by the user is left alone.
 */
#include <stdlib.h>
#include <unistd.h>

#include "evex_strings.h"

void tool_avoid_evex_strings(char **argv)
{
    if (getenv("GLIBC_TUNABLES") || !__builtin_cpu_supports("avx512vl"))
        return;
    if (setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512VL", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
}
