// Throughput of the merge/angle kernels (Sources/CMergeKernels/merge_kernels.c) at every SIMD level
// this CPU has, on one core, against the portable level in the same run. Two working sets: a
// 32768-element chunk that stays in cache (what the engine hands the kernel) and 128 Mi
// elements streamed from memory. bf16 inputs, two models and an init, one bf16 output.
#include "merge_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint16_t bf16_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)(u >> 16);
}

int main(void) {
    const size_t chunk = 1 << 15, total = (size_t)1 << 27;
    uint16_t *x0 = malloc(2 * total), *x1 = malloc(2 * total), *x2 = malloc(2 * total),
             *out = malloc(2 * total);
    if (!x0 || !x1 || !x2 || !out) return 1;
    srand(1);
    for (size_t i = 0; i < total; i++) {
        float b = ((float)rand() / (float)RAND_MAX - 0.5f) * 0.1f;
        x0[i] = bf16_of(b);
        x1[i] = bf16_of(b + 1e-3f * ((float)rand() / (float)RAND_MAX - 0.5f));
        x2[i] = bf16_of(b - 1e-3f * ((float)rand() / (float)RAND_MAX - 0.5f));
    }
    const int dt[3] = {MT_BF16, MT_BF16, MT_BF16};
    const double c[2] = {0.6, 0.7}, eta[1] = {0.3};
    double base_sums[2] = {0, 0}, base_merge[2] = {0, 0};
    memset(out, 0, 2 * total);  // touch every page before timing
    printf("%-9s %-7s %14s %14s\n", "level", "data", "Gram (Gel/s)", "merge (Gel/s)");
    for (int level = 0; level <= mt_simd_level(); level++) {
        for (int streamed = 0; streamed < 2; streamed++) {
            size_t reps = streamed ? 1 : total / chunk;
            double g[4] = {0}, t0 = now();
            for (size_t r = 0; r < reps; r++) {
                for (size_t k = 0; k < (streamed ? total : chunk); k += chunk) {
                    const void *x[3] = {x0 + k, x1 + k, x2 + k};
                    mt_pair_sums_at(level, x, dt, 2, 1, chunk, MT_SUM_TASK, g, NULL, NULL);
                }
            }
            double t1 = now();
            for (size_t r = 0; r < reps; r++) {
                for (size_t k = 0; k < (streamed ? total : chunk); k += chunk) {
                    const void *x[3] = {x0 + k, x1 + k, x2 + k};
                    void *o[1] = {out + k};
                    mt_merge_at(level, x, dt, 2, 1, 0, c, chunk, eta, 1, o, MT_BF16, NULL);
                }
            }
            double t2 = now();
            double sums = total / (t1 - t0) / 1e9, merge = total / (t2 - t1) / 1e9;
            if (level == 0) base_sums[streamed] = sums, base_merge[streamed] = merge;
            printf("%-9s %-7s %7.2f (%4.1fx) %7.2f (%4.1fx)\n",
                   level == 0 ? "portable" : level == 1 ? "AVX2" : "AVX-512",
                   streamed ? "memory" : "cache", sums, sums / base_sums[streamed], merge,
                   merge / base_merge[streamed]);
        }
    }
    return 0;
}
