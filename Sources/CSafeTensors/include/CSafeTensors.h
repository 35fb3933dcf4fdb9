#pragma once
#include <stddef.h>
#include <stdint.h>

// The C shim of the SafeTensors module: element conversion and in-kernel file copies, nothing
// of merge math (that is CMergeKernels, owned by Merging). This is the umbrella header of the
// module: every header added to include/ must be included here, because clang's module cache
// does not notice a new file in an umbrella directory and a stale build directory would not
// rebuild the module.

/// IEEE half <-> float conversion with F16C/AVX2 when the CPU has it, a portable loop otherwise.
/// Narrowing rounds to nearest even; NaN stays NaN; overflow gives ±Inf.
void mt_f16_to_f32(const uint16_t *src, float *dst, size_t n);
void mt_f32_to_f16(const float *src, uint16_t *dst, size_t n);

/// copy_file_range(2) from `fd_in` at `*offset_in` (advanced) to `fd_out` at its file position:
/// an in-kernel copy of file bytes. Returns bytes copied, or -1 with errno (ENOSYS off Linux).
long mt_copy_file_range(int fd_in, long long *offset_in, int fd_out, size_t length);

/// Sets (on != 0) or clears O_DIRECT on `fd`: writes then bypass the page cache (they must be
/// aligned to the device's block in offset, length and address). Returns 0, or -1 with errno
/// (EINVAL where the filesystem has no direct I/O; ENOSYS off Linux).
int mt_set_direct_io(int fd, int on);
