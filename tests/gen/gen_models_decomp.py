"""Reference values for tests/lua/models_kmeans_spec.lua and models_decomposition_spec.lua:
scikit-learn 1.2's KMeans, PCA and TruncatedSVD.

KMeans runs from given initial centres (rows of the data, n_init = 1), which makes Lloyd's
iteration deterministic: labels, centres, inertia and n_iter must match. The seeded inits
(k-means++, random) draw from different generators, so for them the fixture holds the best
inertia scikit-learn reaches with n_init = 10 on well-separated blobs. Wine and digits are read
by the specs from Debian's scikit-learn copy (not stored here); this script reads the same files.

Run: /usr/bin/python3 tests/gen/gen_models_decomp.py   (writes tests/fixtures/models_decomp.lua)
"""
import os
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, load_wine, make_blobs, load_breast_cancer
from sklearn.decomposition import PCA, TruncatedSVD

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
cases = {}


def km_case(X, init_rows, sample_weight=None):
    X = np.asarray(X)
    km = KMeans(n_clusters=len(init_rows), init=X[init_rows], n_init=1).fit(X, sample_weight=sample_weight)
    return {
        "init_rows": [int(i) + 1 for i in init_rows],  # 1-based for Lua
        "labels": km.labels_.astype(np.int64) + 1,
        "centers": km.cluster_centers_,
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
        "transform5": km.transform(X[:5]),
        "score": float(km.score(X, sample_weight=sample_weight)),
    }


# ---------------------------------------------------------------- KMeans
Xb, _ = make_blobs(n_samples=150, centers=4, n_features=4, cluster_std=1.5, random_state=1)
cases["blobs"] = {"X": Xb}
cases["km_blobs"] = km_case(Xb, [0, 1, 2, 3])
w = np.random.RandomState(3).randint(1, 4, size=len(Xb)).astype(np.float64)
cases["km_blobs_weighted"] = dict(km_case(Xb, [0, 1, 2, 3], sample_weight=w), sample_weight=w)
# float32 data stay float32 in scikit-learn
km32 = KMeans(n_clusters=4, init=Xb[[0, 1, 2, 3]].astype(np.float32), n_init=1).fit(Xb.astype(np.float32))
cases["km_blobs_f32"] = {"labels": km32.labels_.astype(np.int64) + 1, "centers": km32.cluster_centers_.astype(np.float64),
                         "inertia": float(km32.inertia_)}
# seeded inits: the best inertia over 10 runs (the global optimum on these blobs)
cases["km_blobs_best"] = {
    "kmeanspp": float(KMeans(4, n_init=10, random_state=0).fit(Xb).inertia_),
    "random": float(KMeans(4, init="random", n_init=10, random_state=0).fit(Xb).inertia_),
}

# sparse: a random CSR matrix (scikit-learn does not centre sparse input)
S = sp.random(80, 10, density=0.3, format="csr", random_state=2)
S.sort_indices()
cases["sparse"] = {"data": S.data, "indices": S.indices.astype(np.int64), "indptr": S.indptr.astype(np.int64),
                   "shape": list(S.shape)}
rows = [0, 10, 20]
km = KMeans(n_clusters=3, init=S[rows].toarray(), n_init=1).fit(S)
cases["km_sparse"] = {"init_rows": [r + 1 for r in rows], "labels": km.labels_.astype(np.int64) + 1,
                      "centers": km.cluster_centers_, "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
                      "transform5": km.transform(S[:5])}

# wine (raw features) and digits, with rows spread over the classes as initial centres
wine = load_wine().data
digits = load_digits().data
cases["km_wine"] = km_case(wine, [0, 70, 140])
cases["km_digits"] = km_case(digits, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

# ---------------------------------------------------------------- PCA
def pca_attrs(p):
    return {
        "components": p.components_, "explained_variance": p.explained_variance_,
        "explained_variance_ratio": p.explained_variance_ratio_, "singular_values": p.singular_values_,
        "mean": p.mean_, "noise_variance": float(p.noise_variance_), "n_components": int(p.n_components_),
    }


p = PCA(svd_solver="full").fit(wine)
cases["pca_wine_full"] = dict(pca_attrs(p), transform10=p.transform(wine[:10]))
p = PCA(5, whiten=True, svd_solver="full").fit(wine)
cases["pca_wine_whiten"] = dict(pca_attrs(p), transform10=p.transform(wine[:10]),
                                inverse10=p.inverse_transform(p.transform(wine[:10])),
                                fit_transform10=PCA(5, whiten=True, svd_solver="full").fit_transform(wine)[:10],
                                covariance=p.get_covariance(), precision=p.get_precision(),
                                score_samples10=p.score_samples(wine[:10]), score=float(p.score(wine)))
p = PCA(4, svd_solver="full").fit(wine)
cases["pca_wine_4"] = dict(pca_attrs(p), precision=p.get_precision(), score_samples10=p.score_samples(wine[:10]),
                           score=float(p.score(wine)))
cases["pca_wine_fraction"] = {"n_components": int(PCA(0.999, svd_solver="full").fit(wine).n_components_),
                              "n_components_99": int(PCA(0.99999, svd_solver="full").fit(wine).n_components_)}
cases["pca_wine_mle"] = {"n_components": int(PCA("mle").fit(wine).n_components_),
                         "noise_variance": float(PCA("mle").fit(wine).noise_variance_)}
p = PCA(20, svd_solver="full").fit(digits)
cases["pca_digits_20"] = dict(pca_attrs(p), transform10=p.transform(digits[:10]))
cancer = load_breast_cancer().data
p = PCA(10, svd_solver="full").fit(cancer)
cases["pca_cancer_10"] = pca_attrs(p)

# ---------------------------------------------------------------- TruncatedSVD
S2 = sp.random(120, 40, density=0.2, format="csr", random_state=5)
S2.sort_indices()
cases["sparse2"] = {"data": S2.data, "indices": S2.indices.astype(np.int64), "indptr": S2.indptr.astype(np.int64),
                    "shape": list(S2.shape)}
t = TruncatedSVD(5, n_iter=30, random_state=0).fit(S2)
cases["tsvd_sparse"] = {"components": t.components_, "singular_values": t.singular_values_,
                        "explained_variance": t.explained_variance_,
                        "explained_variance_ratio": t.explained_variance_ratio_,
                        "transform5": t.transform(S2[:5]),
                        "exact_singular_values": np.linalg.svd(S2.toarray(), compute_uv=False)[:5]}
t = TruncatedSVD(3, n_iter=30, random_state=0).fit(digits)
cases["tsvd_digits"] = {"components": t.components_, "singular_values": t.singular_values_,
                        "explained_variance_ratio": t.explained_variance_ratio_}

write_fixture(os.path.join(here, "..", "fixtures", "models_decomp.lua"), cases, "tests/gen/gen_models_decomp.py")
