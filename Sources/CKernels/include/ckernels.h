#pragma once
#include <stddef.h>
#include <stdint.h>

/// IEEE half <-> float conversion with F16C/AVX2 when the CPU has it, a portable loop otherwise.
/// Narrowing rounds to nearest even; NaN stays NaN; overflow gives ±Inf.
void mt_f16_to_f32(const uint16_t *src, float *dst, size_t n);
void mt_f32_to_f16(const float *src, uint16_t *dst, size_t n);
