// Files written around the page cache (O_DIRECT). Swift's Glibc module does not export
// O_DIRECT (it is a _GNU_SOURCE name whose value differs by architecture), so the flag
// is set here, in C.
#ifndef LIANLU_CDIRECTIO_H
#define LIANLU_CDIRECTIO_H

/// Opens (creating or truncating, mode 0644) `path` for writing with O_DIRECT. Returns the
/// descriptor, or -1 with errno set (EINVAL when the file system refuses direct I/O).
int lianlu_open_direct(const char *path);

/// Turns O_DIRECT off on `fd` (for a file system that accepted the open but refuses the
/// writes). Returns 0, or -1 with errno set.
int lianlu_clear_direct(int fd);

#endif
