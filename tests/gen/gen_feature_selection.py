"""Reference values for tests/lua/feature_selection_spec.lua from scikit-learn 1.2's
sklearn.feature_selection: scores and p-values (f_classif, chi2, f_regression, r_regression),
SelectKBest / SelectPercentile / VarianceThreshold supports on breast cancer and digits (the
tables Debian's python3-sklearn ships; the spec reads them through tide.datasets), mutual
information on synthetic data, and RFE / RFECV / SelectFromModel driven by a deterministic
"estimator" whose coefficients are the features' correlations with y (RCoef, defined here and
in the spec the same way), so the selection logic is compared exactly.

Run: /usr/bin/python3 tests/gen/gen_feature_selection.py   (writes tests/fixtures/feature_selection.lua)
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.feature_selection import (RFE, RFECV, SelectFromModel, SelectKBest, SelectPercentile, VarianceThreshold,
                                       chi2, f_classif, f_regression, mutual_info_classif, mutual_info_regression,
                                       r_regression)
from sklearn.model_selection import KFold

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))


class RCoef(RegressorMixin, BaseEstimator):
    """coef_ = each feature's Pearson r with y; predicts X @ coef_; score = -mean squared error."""

    def fit(self, X, y):
        self.coef_ = r_regression(X, y)
        return self

    def predict(self, X):
        return X @ self.coef_

    def score(self, X, y):
        return -float(np.mean((self.predict(X) - y) ** 2))


def support(sel):
    return [bool(v) for v in sel.get_support()]


cancer = datasets.load_breast_cancer()
digits = datasets.load_digits()
Xc, yc = cancer.data, cancer.target
Xd, yd = digits.data, digits.target
out = {"sklearn_version": sklearn.__version__}

F, p = f_classif(Xc, yc)
c2, c2p = chi2(Xc, yc)
out["cancer"] = {
    "f": F, "f_p": p, "chi2": c2, "chi2_p": c2p,
    "kbest5": support(SelectKBest(f_classif, k=5).fit(Xc, yc)),
    "percentile20_chi2": support(SelectPercentile(chi2, percentile=20).fit(Xc, yc)),
    "variance50": support(VarianceThreshold(50).fit(Xc)),
    "variances": VarianceThreshold(50).fit(Xc).variances_,
}
Fd, pd_ = f_classif(Xd, yd)
c2d, c2pd = chi2(Xd, yd)
out["digits"] = {
    "f": Fd, "f_p": pd_, "chi2": c2d, "chi2_p": c2pd,
    "kbest20": support(SelectKBest(f_classif, k=20).fit(Xd, yd)),
    "percentile10": support(SelectPercentile(f_classif, percentile=10).fit(Xd, yd)),
    "variance0": support(VarianceThreshold().fit(Xd)),
}

# regression on synthetic data (stored: it is ours)
rng = np.random.default_rng(5)
Xr = rng.standard_normal((200, 6))
yr = 2 * Xr[:, 0] - Xr[:, 2] + 0.5 * np.sin(3 * Xr[:, 4]) + 0.3 * rng.standard_normal(200)
Fr, pr = f_regression(Xr, yr)
out["regression"] = {"X": Xr, "y": yr, "f": Fr, "f_p": pr, "r": r_regression(Xr, yr),
                     "f_nocenter": f_regression(Xr, yr, center=False)[0],
                     "mi": mutual_info_regression(Xr, yr, random_state=0)}
# classification with continuous features for mutual information; one discrete feature
Xm = rng.standard_normal((300, 4))
ym = (Xm[:, 0] + 0.5 * Xm[:, 1] ** 2 > 0.6).astype(int) + (Xm[:, 3] > 1).astype(int)
Xm[:, 2] = rng.integers(0, 3, 300) + (ym == 2)
out["mi_classif"] = {"X": Xm, "y": ym.astype(np.float64),
                     "mi": mutual_info_classif(Xm, ym, random_state=0),
                     "mi_discrete3": mutual_info_classif(Xm, ym, discrete_features=[2], random_state=0)}

# model-driven selection with RCoef on breast cancer (y as a number)
yf = yc.astype(np.float64)
rfe = RFE(RCoef(), n_features_to_select=5, step=2).fit(Xc, yf)
rfe_frac = RFE(RCoef(), n_features_to_select=0.3, step=0.1).fit(Xc, yf)
rfecv = RFECV(RCoef(), step=3, min_features_to_select=2, cv=KFold(5)).fit(Xc, yf)
out["rfe"] = {"support": support(rfe), "ranking": rfe.ranking_.astype(np.float64),
              "support_frac": support(rfe_frac), "ranking_frac": rfe_frac.ranking_.astype(np.float64),
              "cv_support": support(rfecv), "cv_n_features": int(rfecv.n_features_),
              "cv_mean": rfecv.cv_results_["mean_test_score"], "cv_std": rfecv.cv_results_["std_test_score"]}
out["from_model"] = {
    "mean": support(SelectFromModel(RCoef()).fit(Xc, yf)),
    "scaled": support(SelectFromModel(RCoef(), threshold="1.25*mean").fit(Xc, yf)),
    "median": support(SelectFromModel(RCoef(), threshold="median").fit(Xc, yf)),
    "max3": support(SelectFromModel(RCoef(), threshold=-np.inf, max_features=3).fit(Xc, yf)),
}
write_fixture(os.path.join(here, "..", "fixtures", "feature_selection.lua"), out, "tests/gen/gen_feature_selection.py")
