/*
 * hot_kernel.h - how the loops that touch every sample are compiled.
 *
 * A HOT_KERNEL function is compiled three times, for x86-64-v4 (AVX-512 with its byte
 * and word instructions, which the byte-plane sums need to shuffle 64 bytes at once),
 * for x86-64-v3 (AVX2 with fused multiply-add) and for the baseline, and the dynamic
 * loader picks the best the processor runs. The divide stage needs fused multiply-adds in vector registers
 * (stages.h), which plain "avx2" does not enable; the baseline gets them through libm,
 * exact but slow. HOT_KERNEL functions are static, called through a plain function
 * where other files need them: clang resolves the clones only inside their own file.
 */
#ifndef BLITZ_CORE_HOT_KERNEL_H
#define BLITZ_CORE_HOT_KERNEL_H

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
#define HOT_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif

#endif
