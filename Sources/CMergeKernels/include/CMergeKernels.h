#pragma once
// The C kernels of the Merging module: pair sums and the merge of one chunk (merge_kernels.h).
// This is the umbrella header of the module: every header added to include/ must be included
// here, because clang's module cache does not notice a new file in an umbrella directory and a
// stale build directory would not rebuild the module.
#include "merge_kernels.h"
