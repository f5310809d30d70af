/* fuzz_cache.c - libFuzzer entry for the cache reader (see targets.c). */
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    blz_fuzz_cache(data, size);
    return 0;
}
