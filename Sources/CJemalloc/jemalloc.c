#include "CJemalloc.h"

#include <stddef.h>
#include <jemalloc/jemalloc.h>

const char *cjemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof(version);
    if (mallctl("version", &version, &length, NULL, 0) != 0) return NULL;
    return version;
}
