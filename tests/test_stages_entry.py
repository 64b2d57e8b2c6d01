"""The stage entry point: known-harmless noise is silenced, everything else still shows."""

import logging
import os
import warnings

from seqcase.stages.entry import quiet_known_noise


def test_known_harmless_messages_are_silenced_and_other_warnings_still_show(monkeypatch, caplog):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "true")  # a user's own choice stays
    logger = logging.getLogger("mlflow.pyfunc")
    filters = list(logger.filters)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            quiet_known_noise()
            warnings.warn("Skipping variable loading for optimizer 'adam', because it has 2 variables", UserWarning)
            warnings.warn("\x1b[33mAn input example was not provided when logging the model. To ensure", UserWarning)
            warnings.warn("Skipping the layer's weights: shapes differ", UserWarning)
        assert [str(warning.message) for warning in caught] == ["Skipping the layer's weights: shapes differ"]
        with caplog.at_level(logging.WARNING, logger="mlflow.pyfunc"):
            logger.warning("Passing a Python object as `python_model` causes it to be serialized using CloudPickle")
            logger.warning("Failed to log the model's requirements")
        assert [record.getMessage() for record in caplog.records] == ["Failed to log the model's requirements"]
    finally:
        logger.filters[:] = filters
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1" and os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] == "true"
