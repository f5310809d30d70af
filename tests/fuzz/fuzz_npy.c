/* fuzz_npy.c - libFuzzer entry for the .npy header parser (see targets.c). */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    blz_fuzz_npy(data, size);
    return 0;
}
