# Sourced by the merge and angles benchmarks: puts files in one known page-cache state.
#
# fresh_page_cache FILE…: drops the files' pages from the page cache (posix_fadvise
# DONTNEED; clean pages only, nothing is written) and reads them back once. A first read
# fills the cache with the large folios readahead makes (Linux ≥ 6.x on ext4/xfs); a cache
# filled some other way (small writes, a partly reclaimed cache) can hold 4 KiB folios, which
# made `cat` of the same warm files 2.5× slower here (0.28 s against 0.11 s) and mapping them
# slower too. Both sides of a benchmark then read the same pages in the same state.
fresh_page_cache() {
    python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
PY
    cat "$@" >/dev/null
}
