"""Reference output of `tide run preprocess` on Titanic for tests/lua/recipe_preprocess_spec.lua:
the same pipeline built from scikit-learn 1.2 parts, fitted on train.csv and applied to test.csv.

  num       Age, Fare: SimpleImputer(median) -> IQR clip (k = 1.5, bounds from the imputed
            training column, NumPy's linear quantiles; not in scikit-learn: a FunctionTransformer
            with the bounds learned in fit) -> StandardScaler
  discrete  Pclass, SibSp, Parch (integers, <= 10 distinct values): SimpleImputer(median) ->
            StandardScaler
  cat       Sex, Cabin, Embarked: OrdinalEncoder(unknown -> -1) -> SimpleImputer(most_frequent)
            -> OneHotEncoder(min_frequency=0.01, handle_unknown="ignore")
  missing   a MissingIndicator column for each numeric, then each categorical column that had
            missing cells in train.csv (Age; Cabin, Embarked)
(PassengerId, Name and Ticket are dropped as identifier-like.) The fixture holds the output
column count and sketches of the two outputs (fixture_writer.sketch), not the rows.

Run: /usr/bin/python3 tests/gen/gen_recipe_preprocess.py   (writes tests/fixtures/recipe_preprocess.lua)
"""
import os
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from fixture_writer import sketch, write_fixture

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("TIDE_DATA", "/work/shared/data")


class IQRClip(BaseEstimator, TransformerMixin):
    def __init__(self, k=1.5):
        self.k = k

    def fit(self, X, y=None):
        q1, q3 = np.percentile(X, [25, 75], axis=0)
        self.lower_, self.upper_ = q1 - self.k * (q3 - q1), q3 + self.k * (q3 - q1)
        return self

    def transform(self, X):
        return np.clip(X, self.lower_, self.upper_)


train = pd.read_csv(f"{DATA}/titanic/train.csv")
test = pd.read_csv(f"{DATA}/titanic/test.csv")
num, disc, cat = ["Age", "Fare"], ["Pclass", "SibSp", "Parch"], ["Sex", "Cabin", "Embarked"]
ct = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("clip", IQRClip(1.5)),
                      ("scale", StandardScaler())]), num),
    ("discrete", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), disc),
    ("cat", Pipeline([("ordinal", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
                      ("impute", SimpleImputer(strategy="most_frequent")),
                      ("onehot", OneHotEncoder(min_frequency=0.01, handle_unknown="ignore", sparse_output=False))]),
     cat),
    ("num_missing", MissingIndicator(features="all", error_on_new=False),
     [c for c in num + disc if train[c].isna().any()]),
    ("cat_missing", Pipeline([("ordinal", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
                              ("indicator", MissingIndicator(features="all", error_on_new=False))]),
     [c for c in cat if train[c].isna().any()]),
])
out_train = ct.fit_transform(train)
out_test = ct.transform(test)
write_fixture(os.path.join(here, "..", "fixtures", "recipe_preprocess.lua"), {
    "sklearn_version": sklearn.__version__,
    "n_features": out_train.shape[1],
    "train": sketch(out_train),
    "test": sketch(out_test),
}, "tests/gen/gen_recipe_preprocess.py")
print(out_train.shape, out_test.shape)
