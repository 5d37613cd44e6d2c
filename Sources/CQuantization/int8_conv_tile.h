// One tile of the int8 convolution's GEMM: 4 output channels × TILE_VECTORS·TILE_LANES output
// positions of one sample, accumulated by vpdpbusd and turned into floats (bias, ReLU) in
// registers. Included by int8_conv.c once per register width, with these defined:
//   TILE_FUNCTION, TILE_TARGET, TILE_LANES, TILE_VECTORS, and the vector operations below.
// The weights (s8) are the broadcast operand — 4 bytes of one channel, one group of 4 inputs —
// and the unfolded activations (u8) the vector one: 4 bytes per position, TILE_LANES positions.

TILE_TARGET static void TILE_FUNCTION(const struct conv_args *c, int o0, int p0) {
    const int8_t *w[4];
    for (int t = 0; t < 4; t++) w[t] = c->weights + (long)(o0 + t < c->outputs ? o0 + t : c->outputs - 1) * c->kp;
    TILE_INT acc[4][TILE_VECTORS];
    for (int t = 0; t < 4; t++)
        for (int v = 0; v < TILE_VECTORS; v++) acc[t][v] = TILE_ZERO();
    const uint8_t *b = c->cols + (long)p0 * 4;
    for (int q = 0; q < c->groups; q++, b += c->group_stride) {
        TILE_INT x[TILE_VECTORS];
        for (int v = 0; v < TILE_VECTORS; v++) x[v] = TILE_LOAD(b + v * TILE_LANES * 4);
        for (int t = 0; t < 4; t++) {
            int32_t bytes;
            memcpy(&bytes, w[t] + 4 * q, 4);
            TILE_INT k = TILE_BROADCAST(bytes);
            for (int v = 0; v < TILE_VECTORS; v++) acc[t][v] = TILE_DPBUSD(acc[t][v], x[v], k);
        }
    }
    for (int t = 0; t < 4 && o0 + t < c->outputs; t++) {
        int o = o0 + t;
        // dequantize_position's operations on TILE_LANES positions at once.
        TILE_INT correction = TILE_BROADCAST(c->a_zero * c->row_sums[o]);
        TILE_FLOAT scale = TILE_SET1F(c->a_scale * c->scales[o]), bias = TILE_SET1F(c->bias ? c->bias[o] : 0), zero = TILE_SET1F(0);
        float *y = c->y + (long)o * c->ldy + p0;
        for (int v = 0; v < TILE_VECTORS; v++) {
            TILE_FLOAT r = TILE_MULF(scale, TILE_CVT(TILE_SUB(acc[t][v], correction)));
            if (c->bias) r = TILE_ADDF(r, bias);
            if (c->relu) r = TILE_MAXF(r, zero);
            TILE_STOREF(y + v * TILE_LANES, r);
        }
    }
}
