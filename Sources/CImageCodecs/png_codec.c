// PNG decode/encode in memory with libpng. libpng's own transforms would turn tRNS into alpha and
// treat 16-bit gray differently from PIL, so we only ask it to unpack sub-byte samples and do the
// conversion to RGB8 ourselves, sample by sample as PIL's convert("RGB") does.
#include <setjmp.h>
#include <stdlib.h>

#include <png.h>

#include "codec_common.h"

struct ic_png_state {
    char *err;
    const uint8_t *data; // reading
    size_t size;
    size_t offset;
    uint8_t *out;        // writing
    size_t out_size;
    size_t out_capacity;
    int out_of_memory;
};

static void ic_png_error(png_structp png, png_const_charp message) {
    struct ic_png_state *state = png_get_error_ptr(png);
    ic_set_error(state->err, "%s", message);
    png_longjmp(png, 1);
}

static void ic_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message; // ancillary-chunk trouble (bad iCCP, CRC in tEXt...): PIL ignores it too
}

static void ic_png_read(png_structp png, png_bytep target, size_t length) {
    struct ic_png_state *state = png_get_io_ptr(png);
    if (length > state->size - state->offset) png_error(png, "truncated PNG data");
    memcpy(target, state->data + state->offset, length);
    state->offset += length;
}

static void ic_png_write(png_structp png, png_bytep source, size_t length) {
    struct ic_png_state *state = png_get_io_ptr(png);
    if (length > state->out_capacity - state->out_size) {
        size_t capacity = state->out_capacity ? state->out_capacity : 65536;
        while (capacity - state->out_size < length) capacity *= 2;
        uint8_t *grown = realloc(state->out, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding PNG");
        state->out = grown;
        state->out_capacity = capacity;
    }
    memcpy(state->out + state->out_size, source, length);
    state->out_size += length;
}

static void ic_png_flush(png_structp png) { (void)png; }

static inline uint8_t ic_clamp16(const uint8_t *big_endian) {
    unsigned v = ((unsigned)big_endian[0] << 8) | big_endian[1];
    return (uint8_t)(v > 255 ? 255 : v);
}

// One decoded row (after png_set_packing: one byte per sub-byte sample, 16-bit big-endian) to RGB8.
static void ic_png_row_to_rgb(const uint8_t *in, uint8_t *out, size_t width, int color_type,
                              int bit_depth, png_const_colorp palette, int palette_size) {
    const int wide = bit_depth == 16 ? 2 : 1;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
        for (size_t x = 0; x < width; x++, out += 3) {
            uint8_t v;
            if (bit_depth == 16) v = ic_clamp16(in + 2 * x);          // PIL "I;16" -> RGB clips
            else v = (uint8_t)(in[x] * 255 / ((1 << bit_depth) - 1)); // 1/2/4-bit scaled to 0...255
            out[0] = out[1] = out[2] = v;
        }
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        for (size_t x = 0; x < width; x++, out += 3) out[0] = out[1] = out[2] = in[2 * wide * x];
        break;
    case PNG_COLOR_TYPE_RGB:
        for (size_t x = 0; x < width; x++, out += 3)
            for (int c = 0; c < 3; c++) out[c] = in[(3 * x + c) * wide];
        break;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        for (size_t x = 0; x < width; x++, out += 3)
            for (int c = 0; c < 3; c++) out[c] = in[(4 * x + c) * wide];
        break;
    case PNG_COLOR_TYPE_PALETTE:
        for (size_t x = 0; x < width; x++, out += 3) {
            const int index = in[x];
            if (index < palette_size) {
                out[0] = palette[index].red;
                out[1] = palette[index].green;
                out[2] = palette[index].blue;
            } else {
                out[0] = out[1] = out[2] = 0;
            }
        }
        break;
    }
}

int ic_png_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
                  char *err) {
    struct ic_png_state state = {.err = err, .data = data, .size = size};
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile raw = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t *volatile rgb = NULL;

    *pixels = NULL;
    *width = 0;
    *height = 0;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        ic_set_error(err, size == 0 ? "empty PNG data" : "not a PNG signature");
        return 1;
    }
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, ic_png_error, ic_png_warning);
    if (png != NULL) info = png_create_info_struct(png);
    if (png == NULL || info == NULL) {
        ic_set_error(err, "out of memory creating the PNG reader");
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(raw);
        free(rows);
        free(rgb);
        return 1;
    }
    png_set_read_fn(png, &state, ic_png_read);
    png_read_info(png, info);
    png_uint_32 w32, h32;
    int bit_depth, color_type;
    png_get_IHDR(png, info, &w32, &h32, &bit_depth, &color_type, NULL, NULL, NULL);
    const size_t w = w32, h = h32;
    if (w == 0 || h == 0 || w * h > IC_MAX_PIXELS) png_error(png, "unsupported PNG size");
    if (bit_depth < 8) png_set_packing(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_colorp palette = NULL;
    int palette_size = 0;
    if (color_type == PNG_COLOR_TYPE_PALETTE &&
        png_get_PLTE(png, info, &palette, &palette_size) != PNG_INFO_PLTE)
        png_error(png, "palette PNG without a PLTE chunk");

    const size_t stride = png_get_rowbytes(png, info);
    raw = malloc(stride * h);
    rows = malloc(sizeof(png_bytep) * h);
    rgb = malloc(w * h * 3);
    if (raw == NULL || rows == NULL || rgb == NULL) png_error(png, "out of memory decoding PNG");
    for (size_t y = 0; y < h; y++) rows[y] = raw + y * stride;
    png_read_image(png, rows);
    // No png_read_end: the pixels are complete, and trailing chunks do not change them.
    for (size_t y = 0; y < h; y++)
        ic_png_row_to_rgb(rows[y], rgb + y * w * 3, w, color_type, bit_depth, palette, palette_size);

    png_destroy_read_struct(&png, &info, NULL);
    free(raw);
    free(rows);
    *pixels = rgb;
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int ic_png_encode(const uint8_t *pixels, int width, int height, uint8_t **out, size_t *out_size,
                  char *err) {
    struct ic_png_state state = {.err = err};
    png_structp png = NULL;
    png_infop info = NULL;
    png_bytep *volatile rows = NULL;

    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) {
        ic_set_error(err, "cannot encode a %dx%d image as PNG", width, height);
        return 1;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, ic_png_error, ic_png_warning);
    if (png != NULL) info = png_create_info_struct(png);
    if (png == NULL || info == NULL) {
        ic_set_error(err, "out of memory creating the PNG writer");
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(state.out);
        return 1;
    }
    png_set_write_fn(png, &state, ic_png_write, ic_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (rows == NULL) png_error(png, "out of memory encoding PNG");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * (size_t)width * 3);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *out = state.out;
    *out_size = state.out_size;
    return 0;
}
