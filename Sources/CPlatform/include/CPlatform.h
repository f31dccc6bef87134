// What Swift's Glibc module does not export: O_DIRECT (a _GNU_SOURCE name whose value
// differs by architecture) and mallopt (<malloc.h> is not in the module).
#ifndef LIANLU_CPLATFORM_H
#define LIANLU_CPLATFORM_H

#include <stddef.h>

/// Opens (creating or truncating, mode 0644) `path` for writing with O_DIRECT. Returns the
/// descriptor, or -1 with errno set (EINVAL when the file system refuses direct I/O).
int lianlu_open_direct(const char *path);

/// Turns O_DIRECT off on `fd` (for a file system that accepted the open but refuses the
/// writes). Returns 0, or -1 with errno set.
int lianlu_clear_direct(int fd);

/// Fixes glibc's mmap threshold at `bytes` (mallopt M_MMAP_THRESHOLD), which also stops
/// glibc from raising it after a large block is freed. Returns 1 on success, 0 otherwise
/// (or where the C library has no such setting).
int lianlu_set_mmap_threshold(size_t bytes);

#endif
