/* matmul.c — the reference for bench/run_matmul.sh: a 2048x2048 float32 matmul through OpenBLAS's
 * cblas_sgemm called directly, with the thread count given (default 2). Prints the best
 * GFLOP/s over several repetitions, and a machine-readable line "gflops <value>".
 * Build: cc -O2 bench/matmul.c $(pkg-config --cflags --libs openblas) -o matmul_c
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2048;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    openblas_set_num_threads(threads);
    size_t nn = (size_t)n * n;
    float *a = aligned_alloc(64, nn * sizeof(float)), *b = aligned_alloc(64, nn * sizeof(float));
    float *c = aligned_alloc(64, nn * sizeof(float));
    if (!a || !b || !c) {
        fprintf(stderr, "matmul_c: out of memory\n");
        return 1;
    }
    srand(42);
    for (size_t i = 0; i < nn; i++) {
        a[i] = (float)rand() / RAND_MAX - 0.5f;
        b[i] = (float)rand() / RAND_MAX - 0.5f;
        c[i] = 0;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); /* warm-up */
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double t = now() - t0;
        if (t < best) best = t;
    }
    double gflops = 2.0 * n * (double)n * n / best / 1e9;
    printf("OpenBLAS cblas_sgemm (C)  %dx%d float32, %d threads: %7.1f GFLOP/s (best of %d, %.1f ms)\n", n, n, threads,
           gflops, reps, best * 1e3);
    printf("gflops %.3f\n", gflops);
    free(a);
    free(b);
    free(c);
    return 0;
}
