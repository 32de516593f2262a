/* threads.c — the one thread knob: Tide's OpenMP kernels and OpenBLAS together. */
#include "internal.h"

#include <cblas.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int n_threads;

static int all_cores(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void tide_set_num_threads(int n) {
    if (n <= 0) n = all_cores();
    n_threads = n;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
    openblas_set_num_threads(n);
}

int tide_get_num_threads(void) { return n_threads > 0 ? n_threads : all_cores(); }

int tide_threads_for(int64_t work) {
    if (work < TIDE_PARALLEL_GRAIN) return 1;
    int n = tide_get_num_threads();
    int64_t most = work / (TIDE_PARALLEL_GRAIN / 2);
    return most < n ? (int)most : n;
}
