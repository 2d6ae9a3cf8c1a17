// JPEG decode/encode in memory with libjpeg(-turbo). Errors longjmp back to the entry point so
// that a corrupt file never reaches libjpeg's default error_exit, which calls exit().
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jerror.h>
#include <jpeglib.h>

#include "codec_common.h"

struct ic_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *err;
};

static void ic_jpeg_error_exit(j_common_ptr cinfo) {
    struct ic_jpeg_error *state = (struct ic_jpeg_error *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    ic_set_error(state->err, "%s", message);
    longjmp(state->jump, 1);
}

// libjpeg only *warns* about truncated or damaged entropy data and then fills the rest with grey;
// PIL refuses such files ("image file is truncated"), and a training set must not contain grey
// garbage, so these warnings become errors. Harmless ones (extraneous bytes, odd markers) stay
// warnings, as in PIL.
static void ic_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return; // trace messages
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
        ic_jpeg_error_exit(cinfo);
        break;
    default:
        cinfo->err->num_warnings++;
        break;
    }
}

static void ic_jpeg_install_errors(struct ic_jpeg_error *state, char *err) {
    jpeg_std_error(&state->pub);
    state->pub.error_exit = ic_jpeg_error_exit;
    state->pub.emit_message = ic_jpeg_emit_message;
    state->err = err;
}

// PIL reads every 4-component JPEG with raw mode "CMYK;I" (Adobe-inverted samples: ink = 255 - raw)
// and converts with Convert.c's cmyk2rgb: nk = 255 - K; out = nk - nk * ink / 255 (rounded).
static inline uint8_t ic_cmyk_channel(int raw_ink, int raw_k) {
    const int ink = 255 - raw_ink;
    const int nk = raw_k; // 255 - (255 - raw_k)
    const int tmp = ink * nk + 128;
    const int v = nk - (((tmp >> 8) + tmp) >> 8);
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

int ic_jpeg_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
                   char *err) {
    struct jpeg_decompress_struct cinfo;
    struct ic_jpeg_error jerr;
    uint8_t *volatile rgb = NULL;
    uint8_t *volatile row = NULL;

    *pixels = NULL;
    *width = 0;
    *height = 0;
    if (size == 0) {
        ic_set_error(err, "empty JPEG data");
        return 1;
    }
    memset(&cinfo, 0, sizeof cinfo); // so that the error path may destroy it whatever happened
    ic_jpeg_install_errors(&jerr, err);
    cinfo.err = &jerr.pub;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(rgb);
        free(row);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        break;
    default:
        ic_set_error(err, "unsupported JPEG colour space with %d components", cinfo.num_components);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    // Library defaults, spelled out because PIL's pixels depend on them.
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);

    const size_t w = cinfo.output_width, h = cinfo.output_height;
    const int channels = cinfo.output_components;
    if (w == 0 || h == 0 || w * h > IC_MAX_PIXELS) {
        ic_set_error(err, "unsupported JPEG size %zux%zu", w, h);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    rgb = malloc(w * h * 3);
    row = malloc(w * (size_t)channels);
    if (rgb == NULL || row == NULL) {
        ic_set_error(err, "out of memory for a %zux%zu JPEG", w, h);
        jpeg_destroy_decompress(&cinfo);
        free(rgb);
        free(row);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *out = rgb + (size_t)cinfo.output_scanline * w * 3;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&cinfo, rows, 1);
        const uint8_t *in = row;
        if (channels == 1) {
            for (size_t x = 0; x < w; x++, out += 3) out[0] = out[1] = out[2] = in[x];
        } else if (channels == 3) {
            memcpy(out, in, w * 3);
        } else {
            for (size_t x = 0; x < w; x++, in += 4, out += 3) {
                const int k = in[3];
                out[0] = ic_cmyk_channel(in[0], k);
                out[1] = ic_cmyk_channel(in[1], k);
                out[2] = ic_cmyk_channel(in[2], k);
            }
        }
    }
    // No jpeg_finish_decompress: all pixels are in, and a missing EOI after complete scan data is
    // not worth rejecting an image for (PIL does not either).
    jpeg_destroy_decompress(&cinfo);
    free(row);
    *pixels = rgb;
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int ic_jpeg_encode(const uint8_t *pixels, int width, int height, int quality, int chroma_444,
                   uint8_t **out, size_t *out_size, char *err) {
    struct jpeg_compress_struct cinfo;
    struct ic_jpeg_error jerr;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;

    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        ic_set_error(err, "cannot encode a %dx%d image as JPEG", width, height);
        return 1;
    }
    memset(&cinfo, 0, sizeof cinfo);
    ic_jpeg_install_errors(&jerr, err);
    cinfo.err = &jerr.pub;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo); // YCbCr with 2x2 luma sampling = 4:2:0, as PIL's default
    if (chroma_444) {
        // PIL's subsampling=0: every component at full resolution.
        cinfo.comp_info[0].h_samp_factor = 1;
        cinfo.comp_info[0].v_samp_factor = 1;
    }
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&cinfo, TRUE);
    const size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride)};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = (size_t)buffer_size;
    return 0;
}
