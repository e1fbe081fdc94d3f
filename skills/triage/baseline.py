"""The baseline the seq2seq model is compared with: TF-IDF features and logistic regression.

Two linear classifiers over word uni- and bi-grams (TF-IDF, sublinear; 50,000 features), trained
by stochastic gradient descent (5 passes, one-vs-rest) on the same generated cases as the model: one predicts
the level, one the condition (its three best scores give the differential). It trains in a
minute or two, so ``vita eval triage`` retrains it from the same seed instead of shipping it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion

from skills.triage.data import Case


@dataclass
class Baseline:
    features: FeatureUnion
    level: SGDClassifier
    condition: SGDClassifier

    @classmethod
    def fit(cls, cases: Sequence[Case], seed: int = 13) -> Baseline:
        features = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(
                        ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000
                    ),
                )
            ]
        )
        x = features.fit_transform([c.text for c in cases])

        def clf() -> SGDClassifier:
            return SGDClassifier(
                loss="log_loss", alpha=2e-6, max_iter=15, tol=None, random_state=seed
            )

        level = clf().fit(x, [c.level for c in cases])
        condition = clf().fit(x, [c.condition for c in cases])
        return cls(features, level, condition)

    def predict(self, text: str, k: int = 3) -> tuple[str, list[str]]:
        x = self.features.transform([text])
        level = str(self.level.predict(x)[0])
        scores: Any = self.condition.decision_function(x)[0]
        order = np.argsort(-scores)[:k]
        return level, [str(self.condition.classes_[i]) for i in order]
