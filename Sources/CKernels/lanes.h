#ifndef FUSIONLAB_KERNELS_LANES_H
#define FUSIONLAB_KERNELS_LANES_H

// What the AVX2 and portable paths share: the lane count, the horizontal reduction order and the
// exp polynomial as one scalar lane. Both paths call only these, so they agree bit for bit.

#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define FL_LANES 8

/// The order AVX2 folds 8 lanes in: halves, then pairs, then the last two.
static inline float fl_lane_sum(const float l[FL_LANES]) {
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

// e^x = 2^n · e^r with n = round(x / ln 2), r = x − n·ln 2 (Cody–Waite in two fma steps) and
// e^r from Cephes' degree-6 polynomial on |r| ≤ ln 2 / 2. 2^n is applied as 2^n1 · 2^n2 with
// n1 = ⌊n/2⌋ so both factors are normal floats and only the last product rounds (subnormals too).
#define FL_EXP_HIGH 88.7228317f   /* largest x whose e^x is finite */
#define FL_EXP_LOW (-104.0f)      /* below: e^x < 2^-150 rounds to 0 */
#define FL_LOG2E 1.44269504088896341f
#define FL_ROUNDER 12582912.0f    /* 1.5 · 2^23: adding and subtracting rounds to nearest even */
#define FL_LN2_HIGH 0.693359375f
#define FL_LN2_LOW (-2.12194440e-4f)
#define FL_EXP_P0 1.9875691500e-4f
#define FL_EXP_P1 1.3981999507e-3f
#define FL_EXP_P2 8.3334519073e-3f
#define FL_EXP_P3 4.1665795894e-2f
#define FL_EXP_P4 1.6666665459e-1f
#define FL_EXP_P5 5.0000001201e-1f

static inline float fl_power_of_two(int n) {
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/// One lane of the vector exp, operation for operation.
static inline float fl_exp_lane(float x) {
    if (x != x) return x;
    if (x > FL_EXP_HIGH) return INFINITY;
    if (x < FL_EXP_LOW) return 0.0f;
    float t = x * FL_LOG2E;
    t = t + FL_ROUNDER;
    float n = t - FL_ROUNDER;
    float r = fmaf(n, -FL_LN2_HIGH, x);
    r = fmaf(n, -FL_LN2_LOW, r);
    float p = FL_EXP_P0;
    p = fmaf(p, r, FL_EXP_P1);
    p = fmaf(p, r, FL_EXP_P2);
    p = fmaf(p, r, FL_EXP_P3);
    p = fmaf(p, r, FL_EXP_P4);
    p = fmaf(p, r, FL_EXP_P5);
    float z = r * r;
    float y = fmaf(p, z, r);
    y = y + 1.0f;
    int ni = (int)n, n1 = ni >> 1, n2 = ni - n1;
    return (y * fl_power_of_two(n1)) * fl_power_of_two(n2);
}

#endif
