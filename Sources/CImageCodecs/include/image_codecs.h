// C shim over libjpeg(-turbo) and libpng for IQAData. Every function reports failure through its
// return value and a NUL-terminated message in `err` (never exit/abort): libjpeg and libpng errors
// are caught with setjmp/longjmp inside the shim. Buffers returned through out-parameters are
// allocated with malloc and must be released with ic_free.
#ifndef IMAGE_CODECS_H
#define IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Size of the error buffers the caller passes in.
#define IC_ERROR_CAPACITY 256

/// Decodes a JPEG held in memory to interleaved RGB8 (row-major, 3 bytes per pixel) the way PIL's
/// `Image.open(p).convert("RGB")` does: library defaults (JDCT_ISLOW, fancy upsampling), grayscale
/// replicated to RGB, CMYK/YCCK read as Adobe-inverted CMYK and converted with PIL's formula.
/// Truncated or corrupt entropy data is an error, not grey pixels. Returns 0 on success.
int ic_jpeg_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
                   char *err);

/// Encodes interleaved RGB8 as a baseline JPEG with libjpeg's quality scaling, as PIL's save does:
/// `chroma_444` 0 gives 4:2:0 chroma subsampling (PIL's default), 1 gives 4:4:4 (`subsampling=0`).
/// `quality` is clamped to 1...100. Returns 0 on success.
int ic_jpeg_encode(const uint8_t *pixels, int width, int height, int quality, int chroma_444,
                   uint8_t **out, size_t *out_size, char *err);

/// Decodes a PNG held in memory to interleaved RGB8 as PIL's `convert("RGB")` does: palettes
/// expanded (transparency ignored), low bit-depth gray scaled to 0...255, gray replicated, alpha
/// dropped without compositing, 16-bit colour and gray+alpha reduced to their high byte, and 16-bit
/// gray clamped to 255 (PIL reads it as mode "I;16" and clips). Returns 0 on success.
int ic_png_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
                  char *err);

/// Encodes interleaved RGB8 as an 8-bit RGB PNG (lossless, zlib default level). Returns 0 on success.
int ic_png_encode(const uint8_t *pixels, int width, int height, uint8_t **out, size_t *out_size,
                  char *err);

/// Inflates one zlib stream (RFC 1950) held in memory. Fails, with a message, on a damaged or
/// truncated stream or when the output would exceed `max_out` bytes. `consumed` (may be NULL)
/// receives the number of input bytes the stream used. Returns 0 on success.
int ic_zlib_inflate(const uint8_t *data, size_t size, size_t max_out, uint8_t **out, size_t *out_size,
                    size_t *consumed, char *err);

/// Compresses `data` as one zlib stream at `level` (0...9, or -1 for zlib's default). Returns 0 on
/// success.
int ic_zlib_deflate(const uint8_t *data, size_t size, int level, uint8_t **out, size_t *out_size, char *err);

/// Releases a buffer returned by one of the functions above.
void ic_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
