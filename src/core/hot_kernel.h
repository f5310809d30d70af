/*
 * hot_kernel.h - how the loops that touch every sample are compiled.
 *
 * A HOT_KERNEL function is compiled three times, for x86-64-v4 (AVX-512 with its byte,
 * word, doubleword and 256-bit forms), for x86-64-v3 (AVX2 with fused multiply-add) and
 * for the baseline, and the dynamic loader picks the best the processor runs. The
 * divide stage needs fused multiply-adds in vector registers (stages.h), which plain
 * "avx2" does not enable; the baseline gets them through libm, exact but slow.
 * HOT_KERNEL functions are static, called through a plain function where other files
 * need them: clang resolves the clones only inside their own file.
 */
#ifndef BLITZ_CORE_HOT_KERNEL_H
#define BLITZ_CORE_HOT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLZ_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BLZ_SANITIZED 1
#endif

/* Under AddressSanitizer (the sanitized and fuzzing builds) only the baseline is
 * compiled: the clones are the same C, and instrumenting three of each kernel made
 * accumulate.c alone take two to three minutes to compile. */
#ifdef BLZ_SANITIZED
#define HOT_KERNEL
#else
#define HOT_KERNEL \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

/* Functions compiled for one level only, for code that lower levels would run far
 * slower (a 64-byte byte shuffle becomes 64 byte moves without AVX512BW, a 32-byte one
 * 32 without AVX2): call each only where blz_has_v4() or blz_has_v3() says so, and
 * keep a baseline version beside them. */
#define BLZ_TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#define BLZ_TARGET_V3 __attribute__((target("arch=x86-64-v3")))

/* Whether the processor runs x86-64-v4 code: AVX-512 F, BW, CD, DQ and VL. */
static inline bool blz_has_v4(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
}

/* Whether it runs x86-64-v3 code: AVX2, FMA, BMI1 and BMI2 (every such processor has
 * the level's smaller extensions too). */
static inline bool blz_has_v3(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
}

/* Prefetches the line `ahead` bytes after p. The address is formed as an integer, as
 * it may lie past the end of p's object (a prefetch never faults). */
static inline __attribute__((always_inline)) void blz_prefetch(const void *p, size_t ahead)
{
    __builtin_prefetch((const void *)((uintptr_t)p + ahead));
}

#endif
