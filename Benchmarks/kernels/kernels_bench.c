// Throughput of the merge/angle kernels (Sources/CMergeKernels/merge_kernels.c) at every SIMD level
// this CPU has, on one core, against the portable level in the same run, in the shapes the
// commands use: `angles` (M = 2, base, task + weight + distance sums), SLERP's statistics pass
// (task sums, M = 2, 4, 8) and its write pass (merge of M = 2, 4, 8 models, one η, bf16 out).
// Two working sets: a 32768-element chunk that stays in cache (what the engine hands the
// kernel) and 32 Mi elements per input streamed from memory (as from the page cache). bf16
// inputs shaped like Benchmarks/merge/make_family.py: base 0.02·N(0,1), fine-tunes base +
// 0.002·N(0,1). Best of 3 per cell; elements per second (Gel/s) of the output.
#include "merge_kernels.h"
#include <math.h>
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
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static double gaussian(void) {
    double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

enum { INPUTS = 9 };

struct shape {
    const char *name;
    int merge;      // 0: pair sums, 1: merge
    size_t models;  // fine-tunes (a base always)
    unsigned what;  // sums selected
};

int main(void) {
    const size_t chunk = 1 << 15, total = (size_t)1 << 25;
    uint16_t *x[INPUTS], *out = malloc(2 * total);
    for (int i = 0; i < INPUTS; i++) x[i] = malloc(2 * total);
    if (!out) return 1;
    for (int i = 0; i < INPUTS; i++)
        if (!x[i]) return 1;
    srand(1);
    for (size_t k = 0; k < total; k++) {
        float b = 0.02f * (float)gaussian();
        x[0][k] = bf16_of(b);
        for (int i = 1; i < INPUTS; i++) x[i][k] = bf16_of(b + 0.002f * (float)gaussian());
    }
    memset(out, 0, 2 * total);  // touch every page before timing
    const struct shape shapes[] = {
        {"angles M=2", 0, 2, MT_SUM_TASK | MT_SUM_WEIGHT | MT_SUM_DISTANCE},
        {"task M=2", 0, 2, MT_SUM_TASK},
        {"task M=4", 0, 4, MT_SUM_TASK},
        {"task M=8", 0, 8, MT_SUM_TASK},
        {"merge M=2", 1, 2, 0},
        {"merge M=4", 1, 4, 0},
        {"merge M=8", 1, 8, 0},
    };
    int dt[INPUTS];
    for (int i = 0; i < INPUTS; i++) dt[i] = MT_BF16;
    const double c[8] = {0.1, 0.2, 0.15, 0.05, 0.1, 0.1, 0.2, 0.1}, eta[1] = {0.3};
    double sink = 0, portable[16] = {0};
    printf("%-12s %-9s %16s %16s\n", "kernel", "level", "cache (Gel/s)", "memory (Gel/s)");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const struct shape sh = shapes[s];
        for (int level = 0; level <= mt_simd_level(); level++) {
            double rate[2];
            for (int streamed = 0; streamed < 2; streamed++) {
                size_t reps = streamed ? 1 : total / chunk, span = streamed ? total : chunk;
                double best = 1e30;
                for (int trial = 0; trial < 3; trial++) {
                    double t0 = now();
                    for (size_t r = 0; r < reps; r++) {
                        for (size_t k = 0; k < span; k += chunk) {
                            const void *xs[INPUTS];
                            for (int i = 0; i < INPUTS; i++) xs[i] = x[i] + k;
                            if (sh.merge) {
                                void *o[1] = {out + k};
                                mt_merge_at(level, xs, dt, sh.models, 1, 0, c, chunk, eta, 1,
                                            o, MT_BF16, NULL);
                            } else {
                                double t[64] = {0}, w[64] = {0}, d[64] = {0};
                                mt_pair_sums_at(level, xs, dt, sh.models, 1, chunk, sh.what, t,
                                                w, d);
                                sink += t[1] + w[1] + d[1];
                            }
                        }
                    }
                    double dt_ = now() - t0;
                    if (dt_ < best) best = dt_;
                }
                rate[streamed] = total / best / 1e9;
                if (level == 0) portable[2 * s + streamed] = rate[streamed];
            }
            printf("%-12s %-9s %7.2f (%4.1fx) %8.2f (%4.1fx)\n", sh.name,
                   level == 0 ? "portable" : level == 1 ? "AVX2" : "AVX-512", rate[0],
                   rate[0] / portable[2 * s], rate[1], rate[1] / portable[2 * s + 1]);
        }
    }
    fprintf(stderr, "(checksum %g)\n", sink);
    return 0;
}
