// zlib streams in memory for IQAData's MAT-file reader (miCOMPRESSED elements are plain zlib
// streams). Output grows as needed up to a caller-given ceiling, so a hostile "zip bomb" element
// fails with an error instead of exhausting memory.
#include <stdlib.h>

#include <zlib.h>

#include "codec_common.h"

int ic_zlib_inflate(const uint8_t *data, size_t size, size_t max_out, uint8_t **out, size_t *out_size,
                    size_t *consumed, char *err) {
    *out = NULL;
    *out_size = 0;
    if (consumed) *consumed = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        ic_set_error(err, "zlib initialisation failed");
        return -1;
    }
    size_t capacity = size < 64 ? 256 : (size * 4 < max_out ? size * 4 : max_out);
    if (capacity == 0) capacity = 1;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL) {
        inflateEnd(&zs);
        ic_set_error(err, "out of memory");
        return -1;
    }
    size_t total = 0;
    size_t offset = 0;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (total == capacity) {
            if (capacity >= max_out) {
                free(buffer);
                inflateEnd(&zs);
                ic_set_error(err, "inflates to more than %zu bytes", max_out);
                return -1;
            }
            size_t grown = capacity * 2 < max_out ? capacity * 2 : max_out;
            uint8_t *bigger = realloc(buffer, grown);
            if (bigger == NULL) {
                free(buffer);
                inflateEnd(&zs);
                ic_set_error(err, "out of memory");
                return -1;
            }
            buffer = bigger;
            capacity = grown;
        }
        // zlib counts in uInt; feed and drain in chunks that fit.
        size_t in_left = size - offset;
        size_t out_left = capacity - total;
        zs.next_in = (Bytef *)(data + offset);
        zs.avail_in = (uInt)(in_left > 0x40000000u ? 0x40000000u : in_left);
        zs.next_out = buffer + total;
        zs.avail_out = (uInt)(out_left > 0x40000000u ? 0x40000000u : out_left);
        uInt in_before = zs.avail_in, out_before = zs.avail_out;
        rc = inflate(&zs, Z_NO_FLUSH);
        offset += in_before - zs.avail_in;
        total += out_before - zs.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && in_before == zs.avail_in && out_before == zs.avail_out) {
            // No progress possible: the input ran out before the end of the stream.
            free(buffer);
            inflateEnd(&zs);
            ic_set_error(err, "zlib stream ends early (truncated)");
            return -1;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            free(buffer);
            ic_set_error(err, "bad zlib stream: %s", zs.msg ? zs.msg : "invalid data");
            inflateEnd(&zs);
            return -1;
        }
        if (offset == size && zs.avail_out > 0) {
            // All input used, room left for output, and still no end of stream.
            free(buffer);
            inflateEnd(&zs);
            ic_set_error(err, "zlib stream ends early (truncated)");
            return -1;
        }
    }
    inflateEnd(&zs);
    *out = buffer;
    *out_size = total;
    if (consumed) *consumed = offset;
    return 0;
}

int ic_zlib_deflate(const uint8_t *data, size_t size, int level, uint8_t **out, size_t *out_size, char *err) {
    *out = NULL;
    *out_size = 0;
    uLong bound = compressBound((uLong)size);
    uint8_t *buffer = malloc(bound > 0 ? bound : 1);
    if (buffer == NULL) {
        ic_set_error(err, "out of memory");
        return -1;
    }
    uLongf written = bound;
    int rc = compress2(buffer, &written, data, (uLong)size, level);
    if (rc != Z_OK) {
        free(buffer);
        ic_set_error(err, "zlib compression failed (%d)", rc);
        return -1;
    }
    *out = buffer;
    *out_size = written;
    return 0;
}
