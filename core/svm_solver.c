/* svm_solver.c — the SMO solver of libsvm (Fan, Chen and Lin, JMLR 6, 2005): second-order
 * working-set selection (WSS3), shrinking with gradient reconstruction, and the LRU cache of Q
 * rows (float, as libsvm, so a budget of cache_mb holds twice the rows of doubles and the
 * iterates follow libsvm's). Following libsvm step for step (tie-breaking, shrinking order,
 * float Q) is what makes the support vectors and dual coefficients match scikit-learn's. */
#include "svm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAU 1e-12

/* ---------------------------------------------------------------- cache */

static int cache_init(svm_cache *c, int64_t l, double mb) {
    c->l = l;
    c->head = calloc((size_t)(l > 0 ? l : 1), sizeof(svm_cache_row));
    if (!c->head) return -1;
    double floats = mb * 1048576.0 / sizeof(float) - (double)l * sizeof(svm_cache_row) / sizeof(float);
    int64_t size = floats > 9e18 ? INT64_MAX : (int64_t)floats;
    c->size = size > 2 * l ? size : 2 * l; /* room for two rows at least */
    c->lru.next = c->lru.prev = &c->lru;
    return 0;
}

static void cache_free(svm_cache *c) {
    if (!c->head) return;
    for (svm_cache_row *h = c->lru.next; h != &c->lru; h = h->next) free(h->data);
    free(c->head);
    c->head = NULL;
}

static void lru_delete(svm_cache_row *h) {
    h->prev->next = h->next;
    h->next->prev = h->prev;
}

static void lru_insert(svm_cache *c, svm_cache_row *h) {
    h->next = &c->lru;
    h->prev = c->lru.prev;
    h->prev->next = h;
    h->next->prev = h;
}

/* Row `index` with room for [0, len): *data gets it; returns the first position to fill (>= len:
 * nothing to fill), or -1 when out of memory. */
static int64_t cache_get(svm_cache *c, int64_t index, float **data, int64_t len) {
    svm_cache_row *h = &c->head[index];
    if (h->len) lru_delete(h);
    int64_t more = len - h->len;
    if (more > 0) {
        while (c->size < more) { /* evict the least recently used rows */
            svm_cache_row *old = c->lru.next;
            if (old == &c->lru) break;
            lru_delete(old);
            free(old->data);
            c->size += old->len;
            old->data = NULL;
            old->len = 0;
        }
        float *p = realloc(h->data, (size_t)len * sizeof(float));
        if (!p) {
            if (h->len) lru_insert(c, h);
            return -1;
        }
        h->data = p;
        c->size -= more;
        int64_t old_len = h->len;
        h->len = len;
        len = old_len;
    }
    lru_insert(c, h);
    *data = h->data;
    return len;
}

static void cache_swap(svm_cache *c, int64_t i, int64_t j) {
    if (i == j) return;
    if (c->head[i].len) lru_delete(&c->head[i]);
    if (c->head[j].len) lru_delete(&c->head[j]);
    float *td = c->head[i].data;
    c->head[i].data = c->head[j].data;
    c->head[j].data = td;
    int64_t tl = c->head[i].len;
    c->head[i].len = c->head[j].len;
    c->head[j].len = tl;
    if (c->head[i].len) lru_insert(c, &c->head[i]);
    if (c->head[j].len) lru_insert(c, &c->head[j]);
    if (i > j) {
        int64_t t = i;
        i = j;
        j = t;
    }
    for (svm_cache_row *h = c->lru.next; h != &c->lru;) {
        svm_cache_row *next = h->next;
        if (h->len > i) {
            if (h->len > j) {
                float t = h->data[i];
                h->data[i] = h->data[j];
                h->data[j] = t;
            } else { /* the row holds i but not j: give it up */
                lru_delete(h);
                free(h->data);
                c->size += h->len;
                h->data = NULL;
                h->len = 0;
            }
        }
        h = next;
    }
}

/* ---------------------------------------------------------------- Q matrices */

static int q_oom(svm_q *q) {
    svm_q_free(q);
    tide_fail(TIDE_ENOMEM, "svm: out of memory for the kernel cache");
    return -1;
}

int svm_q_init_svc(svm_q *q, const svm_data *data, const int64_t *rows, const signed char *y, int64_t l,
                   const tide_svm_params *p, int parallel, const svm_blocks *blocks) {
    memset(q, 0, sizeof *q);
    if (svm_kernel_init(&q->ker, data, rows, l, p, parallel, blocks)) return -1;
    q->y = malloc((size_t)(l > 0 ? l : 1));
    q->QD = malloc((size_t)(l > 0 ? l : 1) * sizeof(double));
    q->krow = malloc((size_t)(l > 0 ? l : 1) * sizeof(double));
    if (!q->y || !q->QD || !q->krow || cache_init(&q->cache, l, p->cache_mb)) return q_oom(q);
    memcpy(q->y, y, (size_t)l);
    for (int64_t i = 0; i < l; i++) q->QD[i] = svm_kernel_diag(&q->ker, i);
    return 0;
}

int svm_q_init_svr(svm_q *q, const svm_data *data, const int64_t *rows, int64_t l, const tide_svm_params *p,
                   int parallel) {
    memset(q, 0, sizeof *q);
    q->svr = 1;
    if (svm_kernel_init(&q->ker, data, rows, l, p, parallel, NULL)) return -1;
    size_t n2 = (size_t)(l > 0 ? 2 * l : 1);
    q->sign = malloc(n2);
    q->index = malloc(n2 * sizeof(int64_t));
    q->QD = malloc(n2 * sizeof(double));
    q->buf[0] = malloc(n2 * sizeof(float));
    q->buf[1] = malloc(n2 * sizeof(float));
    q->krow = malloc((size_t)(l > 0 ? l : 1) * sizeof(double));
    if (!q->sign || !q->index || !q->QD || !q->buf[0] || !q->buf[1] || !q->krow ||
        cache_init(&q->cache, l, p->cache_mb))
        return q_oom(q);
    for (int64_t k = 0; k < l; k++) {
        q->sign[k] = 1;
        q->sign[k + l] = -1;
        q->index[k] = q->index[k + l] = k;
        q->QD[k] = q->QD[k + l] = svm_kernel_diag(&q->ker, k);
    }
    return 0;
}

void svm_q_free(svm_q *q) {
    svm_kernel_free(&q->ker);
    cache_free(&q->cache);
    free(q->y);
    free(q->sign);
    free(q->index);
    free(q->buf[0]);
    free(q->buf[1]);
    free(q->QD);
    free(q->krow);
    memset(q, 0, sizeof *q);
}

/* Q row i over positions [0, len); NULL when out of memory. */
static const float *q_get(svm_q *q, int64_t i, int64_t len) {
    float *data;
    if (!q->svr) {
        int64_t start = cache_get(&q->cache, i, &data, len);
        if (start < 0) return NULL;
        if (start < len) {
            svm_kernel_row(&q->ker, i, start, len, q->krow);
            int yi = q->y[i];
            for (int64_t j = start; j < len; j++) data[j] = (float)(yi * q->y[j] * q->krow[j - start]);
        }
        return data;
    }
    int64_t l = q->ker.l, ri = q->index[i];
    int64_t start = cache_get(&q->cache, ri, &data, l);
    if (start < 0) return NULL;
    if (start < l) {
        svm_kernel_row(&q->ker, ri, 0, l, q->krow);
        for (int64_t j = 0; j < l; j++) data[j] = (float)q->krow[j];
    }
    float *buf = q->buf[q->next];
    q->next = 1 - q->next;
    float si = (float)q->sign[i];
    for (int64_t j = 0; j < len; j++) buf[j] = si * (float)q->sign[j] * data[q->index[j]];
    return buf;
}

static void q_swap(svm_q *q, int64_t i, int64_t j) {
    double t = q->QD[i];
    q->QD[i] = q->QD[j];
    q->QD[j] = t;
    if (q->svr) {
        signed char s = q->sign[i];
        q->sign[i] = q->sign[j];
        q->sign[j] = s;
        int64_t x = q->index[i];
        q->index[i] = q->index[j];
        q->index[j] = x;
        return;
    }
    cache_swap(&q->cache, i, j);
    svm_kernel_swap(&q->ker, i, j);
    signed char s = q->y[i];
    q->y[i] = q->y[j];
    q->y[j] = s;
}

/* ---------------------------------------------------------------- solver */

enum { LOWER = 0, UPPER = 1, FREE = 2 };

typedef struct solver {
    int64_t l, active_size;
    svm_q *Q;
    signed char *y;
    char *status;
    double *alpha, *G, *G_bar, *p, *C;
    int64_t *active_set;
    double eps;
    int unshrink;
} solver;

static void update_status(solver *s, int64_t i) {
    if (s->alpha[i] >= s->C[i])
        s->status[i] = UPPER;
    else if (s->alpha[i] <= 0)
        s->status[i] = LOWER;
    else
        s->status[i] = FREE;
}

#define SWAP(T, a, b)                                                                                                  \
    do {                                                                                                               \
        T t_ = (a);                                                                                                    \
        (a) = (b);                                                                                                     \
        (b) = t_;                                                                                                      \
    } while (0)

static void swap_index(solver *s, int64_t i, int64_t j) {
    q_swap(s->Q, i, j);
    SWAP(signed char, s->y[i], s->y[j]);
    SWAP(double, s->G[i], s->G[j]);
    SWAP(char, s->status[i], s->status[j]);
    SWAP(double, s->alpha[i], s->alpha[j]);
    SWAP(double, s->p[i], s->p[j]);
    SWAP(int64_t, s->active_set[i], s->active_set[j]);
    SWAP(double, s->G_bar[i], s->G_bar[j]);
    SWAP(double, s->C[i], s->C[j]);
}

/* inactive entries of G from G_bar and the free variables; -1 when out of memory */
static int reconstruct_gradient(solver *s) {
    int64_t l = s->l, as = s->active_size;
    if (as == l) return 0;
    for (int64_t j = as; j < l; j++) s->G[j] = s->G_bar[j] + s->p[j];
    int64_t nr_free = 0;
    for (int64_t j = 0; j < as; j++) nr_free += s->status[j] == FREE;
    if ((double)nr_free * l > 2.0 * as * (l - as)) {
        for (int64_t i = as; i < l; i++) {
            const float *Q_i = q_get(s->Q, i, as);
            if (!Q_i) return -1;
            for (int64_t j = 0; j < as; j++)
                if (s->status[j] == FREE) s->G[i] += s->alpha[j] * Q_i[j];
        }
    } else {
        for (int64_t i = 0; i < as; i++)
            if (s->status[i] == FREE) {
                const float *Q_i = q_get(s->Q, i, l);
                if (!Q_i) return -1;
                double a = s->alpha[i];
                for (int64_t j = as; j < l; j++) s->G[j] += a * Q_i[j];
            }
    }
    return 0;
}

/* WSS3: i maximises -y_i G_i over I_up; j minimises the second-order decrease among I_low.
 * Returns 1 when optimal within eps, 0 with *oi, *oj set, -1 when out of memory. */
static int select_working_set(solver *s, int64_t *oi, int64_t *oj) {
    double Gmax = -INFINITY, Gmax2 = -INFINITY, obj_diff_min = INFINITY;
    int64_t Gmax_idx = -1, Gmin_idx = -1, as = s->active_size;
    const double *G = s->G, *QD = s->Q->QD;
    for (int64_t t = 0; t < as; t++) {
        if (s->y[t] == +1) {
            if (s->status[t] != UPPER && -G[t] >= Gmax) {
                Gmax = -G[t];
                Gmax_idx = t;
            }
        } else if (s->status[t] != LOWER && G[t] >= Gmax) {
            Gmax = G[t];
            Gmax_idx = t;
        }
    }
    int64_t i = Gmax_idx;
    const float *Q_i = NULL;
    if (i != -1) {
        Q_i = q_get(s->Q, i, as);
        if (!Q_i) return -1;
    }
    for (int64_t j = 0; j < as; j++) {
        if (s->y[j] == +1) {
            if (s->status[j] != LOWER) {
                double grad_diff = Gmax + G[j];
                if (G[j] >= Gmax2) Gmax2 = G[j];
                if (grad_diff > 0) {
                    double quad = QD[i] + QD[j] - 2.0 * s->y[i] * Q_i[j];
                    double obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : TAU);
                    if (obj <= obj_diff_min) {
                        Gmin_idx = j;
                        obj_diff_min = obj;
                    }
                }
            }
        } else if (s->status[j] != UPPER) {
            double grad_diff = Gmax - G[j];
            if (-G[j] >= Gmax2) Gmax2 = -G[j];
            if (grad_diff > 0) {
                double quad = QD[i] + QD[j] + 2.0 * s->y[i] * Q_i[j];
                double obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : TAU);
                if (obj <= obj_diff_min) {
                    Gmin_idx = j;
                    obj_diff_min = obj;
                }
            }
        }
    }
    if (Gmax + Gmax2 < s->eps || Gmin_idx == -1) return 1;
    *oi = Gmax_idx;
    *oj = Gmin_idx;
    return 0;
}

static int be_shrunk(const solver *s, int64_t i, double Gmax1, double Gmax2) {
    if (s->status[i] == UPPER) return s->y[i] == +1 ? -s->G[i] > Gmax1 : -s->G[i] > Gmax2;
    if (s->status[i] == LOWER) return s->y[i] == +1 ? s->G[i] > Gmax2 : s->G[i] > Gmax1;
    return 0;
}

static int do_shrinking(solver *s) {
    double Gmax1 = -INFINITY, Gmax2 = -INFINITY; /* max -y G over I_up, max y G over I_low */
    for (int64_t i = 0; i < s->active_size; i++) {
        double g = s->G[i];
        if (s->y[i] == +1) {
            if (s->status[i] != UPPER && -g >= Gmax1) Gmax1 = -g;
            if (s->status[i] != LOWER && g >= Gmax2) Gmax2 = g;
        } else {
            if (s->status[i] != UPPER && -g >= Gmax2) Gmax2 = -g;
            if (s->status[i] != LOWER && g >= Gmax1) Gmax1 = g;
        }
    }
    if (!s->unshrink && Gmax1 + Gmax2 <= s->eps * 10) {
        s->unshrink = 1;
        if (reconstruct_gradient(s)) return -1;
        s->active_size = s->l;
    }
    for (int64_t i = 0; i < s->active_size; i++)
        if (be_shrunk(s, i, Gmax1, Gmax2)) {
            s->active_size--;
            while (s->active_size > i) {
                if (!be_shrunk(s, s->active_size, Gmax1, Gmax2)) {
                    swap_index(s, i, s->active_size);
                    break;
                }
                s->active_size--;
            }
        }
    return 0;
}

static double calculate_rho(const solver *s) {
    int64_t nr_free = 0;
    double ub = INFINITY, lb = -INFINITY, sum_free = 0;
    for (int64_t i = 0; i < s->active_size; i++) {
        double yG = s->y[i] * s->G[i];
        if (s->status[i] == UPPER) {
            if (s->y[i] == -1)
                ub = fmin(ub, yG);
            else
                lb = fmax(lb, yG);
        } else if (s->status[i] == LOWER) {
            if (s->y[i] == +1)
                ub = fmin(ub, yG);
            else
                lb = fmax(lb, yG);
        } else {
            nr_free++;
            sum_free += yG;
        }
    }
    return nr_free > 0 ? sum_free / nr_free : (ub + lb) / 2;
}

/* one SMO step on the pair (i, j); -1 when out of memory */
static int take_step(solver *s, int64_t i, int64_t j) {
    int64_t as = s->active_size, l = s->l;
    const float *Q_i = q_get(s->Q, i, as);
    const float *Q_j = Q_i ? q_get(s->Q, j, as) : NULL;
    if (!Q_j) return -1;
    double *alpha = s->alpha, *G = s->G;
    const double *QD = s->Q->QD;
    double C_i = s->C[i], C_j = s->C[j], old_i = alpha[i], old_j = alpha[j];
    if (s->y[i] != s->y[j]) {
        double quad = QD[i] + QD[j] + 2 * Q_i[j];
        if (quad <= 0) quad = TAU;
        double delta = (-G[i] - G[j]) / quad, diff = alpha[i] - alpha[j];
        alpha[i] += delta;
        alpha[j] += delta;
        if (diff > 0) {
            if (alpha[j] < 0) {
                alpha[j] = 0;
                alpha[i] = diff;
            }
        } else if (alpha[i] < 0) {
            alpha[i] = 0;
            alpha[j] = -diff;
        }
        if (diff > C_i - C_j) {
            if (alpha[i] > C_i) {
                alpha[i] = C_i;
                alpha[j] = C_i - diff;
            }
        } else if (alpha[j] > C_j) {
            alpha[j] = C_j;
            alpha[i] = C_j + diff;
        }
    } else {
        double quad = QD[i] + QD[j] - 2 * Q_i[j];
        if (quad <= 0) quad = TAU;
        double delta = (G[i] - G[j]) / quad, sum = alpha[i] + alpha[j];
        alpha[i] -= delta;
        alpha[j] += delta;
        if (sum > C_i) {
            if (alpha[i] > C_i) {
                alpha[i] = C_i;
                alpha[j] = sum - C_i;
            }
        } else if (alpha[j] < 0) {
            alpha[j] = 0;
            alpha[i] = sum;
        }
        if (sum > C_j) {
            if (alpha[j] > C_j) {
                alpha[j] = C_j;
                alpha[i] = sum - C_j;
            }
        } else if (alpha[i] < 0) {
            alpha[i] = 0;
            alpha[j] = sum;
        }
    }
    double dai = alpha[i] - old_i, daj = alpha[j] - old_j;
    for (int64_t k = 0; k < as; k++) G[k] += Q_i[k] * dai + Q_j[k] * daj;

    int ui = s->status[i] == UPPER, uj = s->status[j] == UPPER;
    update_status(s, i);
    update_status(s, j);
    if (ui != (s->status[i] == UPPER)) {
        Q_i = q_get(s->Q, i, l);
        if (!Q_i) return -1;
        if (ui)
            for (int64_t k = 0; k < l; k++) s->G_bar[k] -= C_i * Q_i[k];
        else
            for (int64_t k = 0; k < l; k++) s->G_bar[k] += C_i * Q_i[k];
    }
    if (uj != (s->status[j] == UPPER)) {
        Q_j = q_get(s->Q, j, l);
        if (!Q_j) return -1;
        if (uj)
            for (int64_t k = 0; k < l; k++) s->G_bar[k] -= C_j * Q_j[k];
        else
            for (int64_t k = 0; k < l; k++) s->G_bar[k] += C_j * Q_j[k];
    }
    return 0;
}

int svm_solve(svm_q *Q, int64_t l, const double *p_, const signed char *y_, double *alpha_, const double *C_,
              double eps, int shrinking, int64_t max_iter, double *rho, int64_t *n_iter) {
    solver s = {0};
    s.l = l;
    s.Q = Q;
    s.eps = eps;
    size_t n = (size_t)(l > 0 ? l : 1);
    s.y = malloc(n);
    s.status = malloc(n);
    s.alpha = malloc(n * sizeof(double));
    s.G = malloc(n * sizeof(double));
    s.G_bar = malloc(n * sizeof(double));
    s.p = malloc(n * sizeof(double));
    s.C = malloc(n * sizeof(double));
    s.active_set = malloc(n * sizeof(int64_t));
    int rc = -1;
    if (!s.y || !s.status || !s.alpha || !s.G || !s.G_bar || !s.p || !s.C || !s.active_set) goto done;
    memcpy(s.y, y_, (size_t)l);
    memcpy(s.alpha, alpha_, (size_t)l * sizeof(double));
    memcpy(s.p, p_, (size_t)l * sizeof(double));
    memcpy(s.C, C_, (size_t)l * sizeof(double));
    for (int64_t i = 0; i < l; i++) {
        update_status(&s, i);
        s.active_set[i] = i;
        s.G[i] = s.p[i];
        s.G_bar[i] = 0;
    }
    s.active_size = l;
    for (int64_t i = 0; i < l; i++)
        if (s.status[i] != LOWER) {
            const float *Q_i = q_get(Q, i, l);
            if (!Q_i) goto done;
            for (int64_t j = 0; j < l; j++) s.G[j] += s.alpha[i] * Q_i[j];
            if (s.status[i] == UPPER)
                for (int64_t j = 0; j < l; j++) s.G_bar[j] += s.C[i] * Q_i[j];
        }

    int64_t iter = 0, counter = (l < 1000 ? l : 1000) + 1;
    int timed_out = 0;
    for (;;) {
        if (max_iter >= 0 && iter >= max_iter) { /* as scikit-learn: rho from the active set as it is */
            timed_out = 1;
            break;
        }
        if (--counter == 0) {
            counter = l < 1000 ? l : 1000;
            if (shrinking && do_shrinking(&s)) goto done;
        }
        int64_t i = 0, j = 0;
        int sel = select_working_set(&s, &i, &j);
        if (sel < 0) goto done;
        if (sel) {
            if (reconstruct_gradient(&s)) goto done;
            s.active_size = l;
            sel = select_working_set(&s, &i, &j);
            if (sel < 0) goto done;
            if (sel) break;
            counter = 1; /* shrink again on the next iteration */
        }
        iter++;
        if (take_step(&s, i, j)) goto done;
    }
    *rho = calculate_rho(&s);
    *n_iter = iter;
    for (int64_t i = 0; i < l; i++) alpha_[s.active_set[i]] = s.alpha[i];
    rc = timed_out;
done:
    if (rc < 0) tide_fail(TIDE_ENOMEM, "svm: out of memory in the solver (%lld variables)", (long long)l);
    free(s.y);
    free(s.status);
    free(s.alpha);
    free(s.G);
    free(s.G_bar);
    free(s.p);
    free(s.C);
    free(s.active_set);
    return rc;
}
