#define _GNU_SOURCE
#include <fcntl.h>
#include "CDirectIO.h"

int lianlu_open_direct(const char *path) {
#ifdef O_DIRECT
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
#else
    (void)path;
    return -1;
#endif
}

int lianlu_clear_direct(int fd) {
#ifdef O_DIRECT
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags & ~O_DIRECT);
#else
    (void)fd;
    return 0;
#endif
}
