"""Reference accuracies for the cross-cutting estimator conformance spec
(tests/lua/models_contract_spec.lua), from scikit-learn 1.2:

  tests/fixtures/models_contract.lua   for breast cancer, digits and wine: the split (every 4th
                                       row, 1-based i % 4 == 0, is a test row; the test row ids are
                                       stored so the spec can check it splits the same way) and
                                       scikit-learn's test accuracy of every classifier with the
                                       hyper-parameters below (scikit-learn's defaults plus
                                       random_state = 0), on standardised features (StandardScaler
                                       fitted on the training rows) for the models whose users
                                       scale: LogisticRegression, LinearSVC, SVC, KNeighbors.

The data are Debian's copies (sklearn/datasets/data), which tide.datasets.load reads too.

Run: /usr/bin/python3 tests/gen/gen_models_contract.py
"""
import os
import warnings

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import BernoulliNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from fixture_writer import write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "fixtures")
GEN = f"tests/gen/gen_models_contract.py (scikit-learn {sklearn.__version__})"

# name -> (constructor, scaled); the spec uses the same names, parameters and scaling
CLASSIFIERS = {
    "LogisticRegression": (lambda: LogisticRegression(), True),
    "LinearSVC": (lambda: LinearSVC(random_state=0), True),
    "SVC": (lambda: SVC(), True),
    "DecisionTreeClassifier": (lambda: DecisionTreeClassifier(random_state=0), False),
    "RandomForestClassifier": (lambda: RandomForestClassifier(random_state=0), False),
    "ExtraTreesClassifier": (lambda: ExtraTreesClassifier(random_state=0), False),
    "HistGradientBoostingClassifier": (lambda: HistGradientBoostingClassifier(random_state=0), False),
    "KNeighborsClassifier": (lambda: KNeighborsClassifier(), True),
    "GaussianNB": (lambda: GaussianNB(), False),
    "MultinomialNB": (lambda: MultinomialNB(), False),
    "BernoulliNB": (lambda: BernoulliNB(), False),
    "ComplementNB": (lambda: ComplementNB(), False),
    "DummyClassifier": (lambda: DummyClassifier(), False),
}

LOADERS = {
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "wine": datasets.load_wine,
}


def case(load):
    X, y = load(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    test = np.array([(i + 1) % 4 == 0 for i in range(n)])
    Xtr, Xte, ytr, yte = X[~test], X[test], y[~test], y[test]
    scaler = StandardScaler().fit(Xtr)
    Str, Ste = scaler.transform(Xtr), scaler.transform(Xte)
    acc = {}
    for name, (make, scaled) in CLASSIFIERS.items():
        m = make()
        a, b = (Str, Ste) if scaled else (Xtr, Xte)
        m.fit(a, ytr)
        acc[name] = float(np.mean(m.predict(b) == yte))
    return {
        "n": n,
        "n_test": int(test.sum()),
        "test_rows": (np.nonzero(test)[0] + 1).tolist(),
        "accuracy": acc,
    }


def main():
    cases = {name: case(load) for name, load in LOADERS.items()}
    write_fixture(os.path.join(fixtures, "models_contract.lua"), cases, GEN)


if __name__ == "__main__":
    main()
