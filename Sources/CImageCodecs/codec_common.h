// Helpers shared by the JPEG and PNG halves of the shim (private to the target).
#ifndef IC_CODEC_COMMON_H
#define IC_CODEC_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image_codecs.h"

/// Largest image we agree to allocate, in pixels (2^28 px = 768 MiB of RGB): a corrupt header
/// must give an error, not a huge malloc or a size_t overflow.
#define IC_MAX_PIXELS ((size_t)1 << 28)

static inline void ic_set_error(char *err, const char *format, ...) {
    if (err == NULL) return;
    va_list args;
    va_start(args, format);
    vsnprintf(err, IC_ERROR_CAPACITY, format, args);
    va_end(args);
}

#endif
