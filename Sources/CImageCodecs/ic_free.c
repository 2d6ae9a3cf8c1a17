#include <stdlib.h>

#include "image_codecs.h"

// Buffers cross into Swift, which must hand them back here so that malloc and free always pair up
// within one C runtime.
void ic_free(void *buffer) { free(buffer); }
