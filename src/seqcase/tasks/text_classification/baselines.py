"""The classical text classifier: TF-IDF of word n-grams and logistic regression, tuned on validation."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression

from seqcase.evaluation.work import fit_each
from seqcase.models.validated import ValidatedBaseline


def _tfidf_logistic_regression(ngram_max: int, min_df: int, max_features: int | None, C: float, max_iter: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, max_features=max_features,
                                         sublinear_tf=True),
                         LogisticRegression(C=C, max_iter=max_iter))


def texts(prepared, part) -> tuple:
    """The texts and labels of a part; they stay Python strings (a fixed-width copy of 25k reviews
    would take 1 GB)."""
    return prepared.part(part)


def fit_baselines(prepared, chosen: dict, metric: str, seed: int) -> dict[str, ValidatedBaseline]:
    """Fit every baseline the case names, each tuned on validation over its options' lists."""
    factories = {"tfidf_logistic_regression": _tfidf_logistic_regression}
    return fit_each(chosen, lambda name, options: ValidatedBaseline(factories[name], options, texts, metric).fit(prepared))
