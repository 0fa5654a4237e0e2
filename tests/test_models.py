"""helpers.models: the MNIST CNN's shapes, parameter count, layouts, and a save/load round trip."""

import torch
import torch.nn.functional as F
from torch import nn

from helpers.models import MnistCNN, count_parameters


def _images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def _model(seed: int = 0) -> MnistCNN:
    torch.manual_seed(seed)
    return MnistCNN()


def test_logits_have_one_row_per_image_and_ten_columns():
    model = _model()
    for n in (1, 3):
        logits = model(_images(n))
        assert logits.shape == (n, 10) and logits.dtype == torch.float32


def test_feature_map_is_5x5_so_fc1_takes_1600_inputs():
    model = _model()
    X = F.max_pool2d(model.conv1(_images(2)), 2)
    X = F.max_pool2d(model.conv2(X), 2)
    assert X.shape == (2, 64, 5, 5)
    assert model.fc1.in_features == 64 * 5 * 5 == 1600


def test_parameter_count_matches_the_layers():
    model = _model()
    expected = (1 * 9 * 32 + 32) + (32 * 9 * 64 + 64) + (1600 * 128 + 128) + (128 * 10 + 10)
    assert count_parameters(model) == expected == 225_034
    model.conv1.requires_grad_(False)
    assert count_parameters(model) == expected - 320
    assert count_parameters(model, trainable_only=False) == expected


def test_same_function_as_relu_before_pool_with_view():
    """Pooling before ReLU (ours) equals the classic ReLU-then-pool network exactly."""
    model = _model()
    X = _images(4)
    h = F.max_pool2d(F.relu(model.conv1(X)), 2)
    h = F.max_pool2d(F.relu(model.conv2(h)), 2)
    classic = model.fc2(F.relu(model.fc1(h.view(-1, 64 * 5 * 5))))
    assert torch.equal(model(X), classic)


def test_channels_last_gives_the_same_logits():
    model, X = _model(), _images(4)
    expected = model(X)
    model = model.to(memory_format=torch.channels_last)
    assert model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(model(X), expected, rtol=1e-5, atol=1e-5)


def test_default_init_is_uniform_within_one_over_sqrt_fan_in_and_seeded():
    model = _model(seed=3)
    for layer in (model.conv1, model.conv2, model.fc1, model.fc2):
        bound = layer.weight[0].numel() ** -0.5
        assert 0.9 * bound < layer.weight.abs().max() <= bound
        assert layer.bias.abs().max() <= bound
    again = _model(seed=3)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    other = _model(seed=4)
    assert not torch.equal(model.fc2.weight, other.fc2.weight)


def test_state_dict_round_trip_is_exact(tmp_path):
    model = _model(seed=1).to(memory_format=torch.channels_last)
    path = tmp_path / "mnist_cnn.pt"
    torch.save(model.state_dict(), path)
    fresh = _model(seed=2).to(memory_format=torch.channels_last)
    result = fresh.load_state_dict(torch.load(path, weights_only=True))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), fresh.parameters()))
    X = _images(5)
    with torch.inference_mode():
        assert torch.equal(fresh(X), model(X))


def test_module_has_no_backward_the_loss_does():
    model = _model()
    assert not hasattr(model, "backward")
    loss = nn.CrossEntropyLoss()(model(_images(2)), torch.tensor([1, 2]))
    loss.backward()
    assert model.fc2.bias.grad is not None and model.fc2.bias.grad.shape == (10,)


def test_not_the_pytorch_examples_network():
    """The docstrings say which network this is: a pool after each convolution (fc1 takes 64·5·5), not
    pytorch/examples' mnist/main.py (one pool after both convolutions, fc1 takes 64·12·12 = 9216)."""
    model = _model()
    X = _images(1)
    one_pool = F.max_pool2d(F.relu(model.conv2(F.relu(model.conv1(X)))), 2)
    assert one_pool.flatten(1).shape == (1, 9216) and model.fc1.in_features == 1600
    assert "9216" in MnistCNN.__doc__ and "walk-through" in MnistCNN.__doc__
