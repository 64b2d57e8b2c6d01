import numpy as np
import pytest

from seqcase.models.hyperparameters import ARCHITECTURES

HYPERPARAMETERS = {"learning_rate": 0.01, "units": 4, "filters": 4, "kernel_size": 2, "layers": 1, "dropout": 0.1,
                   "heads": 2}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_architecture_builds_and_predicts_the_horizon(keras_seeded, architecture):
    from seqcase.models.networks import build_network, forecasting_head

    model = build_network(architecture, (6, 3), forecasting_head(4), HYPERPARAMETERS, cell="gru", name=architecture)
    predictions = model.predict(np.zeros((5, 6, 3), dtype=np.float32), verbose=0)
    assert predictions.shape == (5, 4)
    assert model.loss == "mse"


def test_the_encoder_state_starts_a_decoder_that_unrolls_one_step_per_output(keras_seeded):
    from seqcase.models.networks import build_network, forecasting_head

    model = build_network("encoder_decoder", (6, 1), forecasting_head(5), {**HYPERPARAMETERS, "layers": 2}, cell="lstm")
    names = [layer.name for layer in model.layers]
    assert names[1:] == ["encoder_1", "encoder_dropout_1", "encoder_2", "encoder_dropout", "repeat_encoding",
                         "decoder", "step_output", "output"]
    assert model.get_layer("decoder").output.shape == (None, 5, 4)
    assert model.get_layer("step_output").count_params() == 4 + 1


def test_a_classification_head_gives_class_probabilities(keras_seeded):
    from seqcase.models.networks import build_network, classification_head

    model = build_network("gru", (10, 1), classification_head(4), HYPERPARAMETERS)
    probabilities = model.predict(np.random.default_rng(0).normal(size=(3, 10, 1)), verbose=0)
    assert probabilities.shape == (3, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert model.loss == "sparse_categorical_crossentropy"


def test_recurrent_defaults_keep_the_cudnn_kernel_eligible(keras_seeded):
    from seqcase.models.networks import build_network, forecasting_head

    for architecture in ("lstm", "gru"):
        model = build_network(architecture, (6, 3), forecasting_head(1), {**HYPERPARAMETERS, "layers": 2})
        recurrent = [layer for layer in model.layers if layer.__class__.__name__ in ("LSTM", "GRU")]
        assert len(recurrent) == 2
        assert recurrent[0].return_sequences and not recurrent[1].return_sequences
        for layer in recurrent:
            config = layer.get_config()
            assert (config["activation"], config["recurrent_activation"]) == ("tanh", "sigmoid")
            assert config["recurrent_dropout"] == 0 and not config["unroll"] and config["use_bias"]
            if architecture == "gru":
                assert config["reset_after"]


def test_bidirectional_wraps_the_chosen_cell(keras_seeded):
    from seqcase.models.networks import build_network, forecasting_head

    model = build_network("bidirectional", (6, 3), forecasting_head(1), HYPERPARAMETERS, cell="gru")
    wrapper = next(layer for layer in model.layers if layer.__class__.__name__ == "Bidirectional")
    assert wrapper.forward_layer.__class__.__name__ == "GRU"
    assert model.output_shape == (None, 1)


def test_unknown_architecture_is_a_value_error(keras_seeded):
    from seqcase.models.networks import build_network, forecasting_head

    with pytest.raises(ValueError, match="unknown architecture 'perceiver'"):
        build_network("perceiver", (6, 3), forecasting_head(1), HYPERPARAMETERS)


def test_token_inputs_are_embedded_and_padding_is_masked(keras_seeded):
    """A review padded to 8 tokens scores as the same review in a 3-token model: padding is skipped."""
    from seqcase.models.networks import build_network, classification_head

    text = {**HYPERPARAMETERS, "vocabulary_size": 20, "embedding_dim": 3}
    for architecture in ("lstm", "bidirectional", "dense"):
        long = build_network(architecture, (8,), classification_head(2), text, cell="gru")
        short = build_network(architecture, (3,), classification_head(2), text, cell="gru")
        short.set_weights(long.get_weights())
        assert long.get_layer("embedding").input_dim == 20
        padded = long.predict(np.array([[5, 9, 2, 0, 0, 0, 0, 0]]), verbose=0)
        np.testing.assert_allclose(padded, short.predict(np.array([[5, 9, 2]]), verbose=0), atol=1e-6)


@pytest.mark.parametrize("architecture", ["gru", "transformer"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_every_read_out_skips_the_padding(keras_seeded, architecture, pooling):
    """Whatever the padding's embedding holds, a padded review scores the same: the last state is
    the last word's, and the mean and maximum run over the words only (attention never reads padding)."""
    from seqcase.models.networks import build_network, classification_head

    text = {**HYPERPARAMETERS, "units": 8, "vocabulary_size": 20, "embedding_dim": 3, "pooling": pooling, "dropout": 0.0}
    model = build_network(architecture, (8,), classification_head(2), text)
    reviews = np.array([[5, 9, 2, 0, 0, 0, 0, 0], [5, 9, 2, 7, 1, 4, 3, 6]])
    before = model.predict(reviews, verbose=0)
    embedding = model.get_layer("embedding")
    weights = embedding.get_weights()
    weights[0][0] = np.random.default_rng(0).normal(scale=5.0, size=3)  # the padding id's vector
    embedding.set_weights(weights)
    np.testing.assert_allclose(before, model.predict(reviews, verbose=0), atol=1e-6)
    changed = reviews.copy()
    changed[0, 2] = 11  # the last word does count
    assert not np.allclose(before[0], model.predict(changed, verbose=0)[0])


def test_a_transformer_stacks_attention_blocks_over_learned_positions(keras_seeded):
    """Pre-norm blocks: attention and a feed-forward layer twice as wide, each added back; the order
    of the steps matters only through the positions."""
    from seqcase.models.networks import build_network, forecasting_head

    model = build_network("transformer", (6, 3), forecasting_head(2),
                          {**HYPERPARAMETERS, "units": 8, "heads": 4, "layers": 2, "dropout": 0.0})
    names = [layer.name for layer in model.layers]
    assert {"projection", "positions", "attention_1", "attention_2", "feed_forward_2", "final_norm", "last_step"} <= set(names)
    assert model.get_layer("attention_1").num_heads == 4 and model.get_layer("attention_1").key_dim == 2
    assert model.get_layer("feed_forward_1").units == 16
    assert model.get_layer("positions").get_weights()[0].shape == (6, 8)
    window = np.random.default_rng(1).normal(size=(1, 6, 3)).astype("float32")
    positions = model.get_layer("positions")
    before = model.predict(window, verbose=0)
    positions.set_weights([np.zeros((6, 8), dtype="float32")])
    # Without positions, attention is blind to order: reversing the first five steps changes nothing
    # the last step reads (self-attention is a set operation).
    reversed_start = np.concatenate([window[:, 4::-1], window[:, 5:]], axis=1)
    np.testing.assert_allclose(model.predict(window, verbose=0), model.predict(reversed_start, verbose=0), atol=1e-5)
    assert not np.allclose(before, model.predict(window, verbose=0))


def test_the_head_can_read_the_last_step_directly(keras_seeded):
    """skip_last_step: the window's last step goes to the head beside the summary (the current
    transaction, the latest reading), so a change there reaches the output through a dense path."""
    from seqcase.models.networks import build_network, classification_head

    values = {**HYPERPARAMETERS, "skip_last_step": True}
    for architecture in ("gru", "transformer", "conv1d"):
        model = build_network(architecture, (5, 3), classification_head(2), values)
        assert model.get_layer("summary_and_last_step").output.shape[-1] == model.get_layer("output").input.shape[-1]
        assert model.get_layer("output").kernel.shape[0] == {"gru": 4, "transformer": 4, "conv1d": 20}[architecture] + 3
    assert "window_last_step" not in [layer.name for layer in build_network("gru", (5, 3), classification_head(2),
                                                                              HYPERPARAMETERS).layers]


def test_a_transformer_is_saved_and_loaded_with_its_own_layers(keras_seeded, tmp_path):
    from seqcase.models.networks import build_network, classification_head, load_network

    text = {**HYPERPARAMETERS, "units": 8, "vocabulary_size": 20, "embedding_dim": 3, "pooling": "max"}
    model = build_network("transformer", (6,), classification_head(2), text)
    model.save(tmp_path / "model.keras")
    reviews = np.array([[5, 9, 2, 0, 0, 0], [1, 2, 3, 4, 5, 6]])
    np.testing.assert_allclose(load_network(tmp_path / "model.keras").predict(reviews, verbose=0),
                               model.predict(reviews, verbose=0), atol=1e-6)


def test_over_a_text_conv1d_pools_the_strongest_response_and_dense_the_mean_embedding(keras_seeded):
    from seqcase.models.networks import build_network, classification_head

    text = {**HYPERPARAMETERS, "vocabulary_size": 20, "embedding_dim": 3}
    assert "max_pool" in [layer.name for layer in build_network("conv1d", (8,), classification_head(2), text).layers]
    assert "mean_embedding" in [layer.name for layer in build_network("dense", (8,), classification_head(2), text).layers]


def test_gradient_clipping_is_set_on_the_optimizer_when_asked(keras_seeded):
    from seqcase.models.networks import build_network, classification_head

    plain = build_network("gru", (6, 3), classification_head(2), HYPERPARAMETERS)
    by_norm = build_network("gru", (6, 3), classification_head(2), {**HYPERPARAMETERS, "clipnorm": 1.0})
    by_value = build_network("gru", (6, 3), classification_head(2), {**HYPERPARAMETERS, "clipvalue": 0.5})
    assert plain.optimizer.clipnorm is None and plain.optimizer.clipvalue is None
    assert by_norm.optimizer.clipnorm == 1.0 and by_value.optimizer.clipvalue == 0.5


@pytest.mark.parametrize("architecture", ["simple_rnn", "lstm", "gru", "transformer", "conv1d", "dense"])
def test_a_language_model_predicts_every_step_from_that_step_and_the_ones_before(keras_seeded, architecture):
    """Changing a character changes no prediction before it: each step sees only its past (causal)."""
    from seqcase.models.networks import build_network, language_model_head

    model = build_network(architecture, (None,), language_model_head(9), {**HYPERPARAMETERS, "embedding_dim": 3,
                                                                          "layers": 2, "window_length": 6})
    ids = np.array([[2, 5, 7, 3, 8, 4]])
    changed = ids.copy()
    changed[0, 3] = 6
    before, after = model.predict(ids, verbose=0), model.predict(changed, verbose=0)
    assert before.shape == (1, 6, 9)
    np.testing.assert_allclose(before.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(before[:, :3], after[:, :3], atol=1e-6)
    assert not np.allclose(before[:, 3], after[:, 3])
    assert model.predict(ids[:, :2], verbose=0).shape == (1, 2, 9)  # any length: a seed of two characters
    assert model.get_layer("embedding").input_dim == 9
