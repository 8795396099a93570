#ifndef FEDREPORT_CMALLOC_SHIM_H
#define FEDREPORT_CMALLOC_SHIM_H

// glibc's mallopt lives in <malloc.h>, which the Glibc module does not export.
#if defined(__linux__)
#include <malloc.h>
#endif

/// Caps the number of malloc arenas (glibc's M_ARENA_MAX). glibc gives every thread that
/// allocates an arena of its own, which keeps freed memory per thread. Returns 1 on success, 0
/// where the C library has no such setting (macOS, musl) or refused it.
static inline int fed_limit_malloc_arenas(int count) {
#if defined(M_ARENA_MAX)
    return mallopt(M_ARENA_MAX, count);
#else
    (void)count;
    return 0;
#endif
}

#endif
