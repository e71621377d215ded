"""Tests for :mod:`lessons_lib.architectures.resnet` and data/make_resnet_fashion.py."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest
import torch
import torchvision

from lessons_lib.architectures.resnet import (
    BasicBlock,
    Bottleneck,
    IdentityShortcut,
    augment_batch,
    cifar_resnet,
    load_fashion_resnet,
    resnet,
)

ROOT = Path(__file__).resolve().parents[1]


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    "depth, expected", [(18, 11_689_512), (34, 21_797_672), (50, 25_557_032)]
)
def test_full_size_counts_match_torchvision(depth, expected):
    ours = resnet(depth)
    theirs = getattr(torchvision.models, f"resnet{depth}")(weights=None)
    assert n_params(ours) == n_params(theirs) == expected


@pytest.mark.parametrize("depth", [18, 50])
def test_torchvision_state_dict_loads_and_gives_same_logits(depth):
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, f"resnet{depth}")(weights=None).eval()
    ours = resnet(depth).eval()
    ours.load_state_dict(theirs.state_dict())  # strict: same names and shapes
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


def test_small_resnet_shapes_and_plain_twin():
    small = resnet(18, num_classes=10, in_channels=1, width=8, stem="small")
    assert small(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    plain = resnet(18, num_classes=10, in_channels=1, width=8, stem="small", plain=True)
    # the plain twin drops only the three projection shortcuts (conv 1x1 + BN)
    projections = sum(
        n_params(m.downsample)
        for m in small.modules()
        if isinstance(m, BasicBlock) and m.downsample is not None
    )
    assert projections > 0
    assert n_params(plain) == n_params(small) - projections


@pytest.mark.parametrize("n, depth", [(1, 8), (3, 20), (5, 32)])
def test_cifar_family_depth_and_counts(n, depth):
    net = cifar_resnet(n, shortcut="identity")
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert len(convs) + len(linears) == depth
    # option A adds no parameters: identity = plain
    assert n_params(net) == n_params(cifar_resnet(n, plain=True))
    assert n_params(cifar_resnet(n)) > n_params(net)
    assert net(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_resnet20_has_the_papers_027_million():
    assert round(n_params(cifar_resnet(3, shortcut="identity")) / 1e6, 2) == 0.27


def test_plain_block_differs_from_residual_block_only_by_the_addition():
    torch.manual_seed(0)
    res, plain = BasicBlock(4, 4), BasicBlock(4, 4, plain=True)
    plain.load_state_dict(res.state_dict())
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        res_out, plain_branch = (
            res(x),
            plain.bn2(plain.conv2(plain.relu(plain.bn1(plain.conv1(x))))),
        )
    torch.testing.assert_close(res_out, torch.relu(plain_branch + x))


@pytest.mark.parametrize("block", [BasicBlock(8, 8), Bottleneck(32, 8)])
def test_zero_init_residual_block_is_identity_on_nonnegative_input(block):
    torch.nn.init.zeros_(block.last_bn.weight)
    block.eval()
    x = torch.rand(2, block.conv1.in_channels, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)


def test_zero_init_residual_flag():
    net = cifar_resnet(1, zero_init_residual=True)
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert all(float(b.bn2.weight.detach().abs().sum()) == 0 for b in blocks)


def test_identity_shortcut():
    s = IdentityShortcut(2, 4, stride=2)
    x = torch.arange(32.0).reshape(1, 2, 4, 4)
    out = s(x)
    torch.testing.assert_close(out[:, :2], x[:, :, ::2, ::2])
    assert float(out[:, 2:].abs().sum()) == 0
    with pytest.raises(ValueError, match="out_channels"):
        IdentityShortcut(4, 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth must be one of"):
        resnet(19)
    with pytest.raises(TypeError, match="depth must be an int"):
        resnet("18")
    with pytest.raises(ValueError, match="stem must be one of"):
        resnet(18, stem="tiny")
    with pytest.raises(ValueError, match="shortcut must be one of"):
        cifar_resnet(3, shortcut="zero")
    with pytest.raises(ValueError, match="n must be at least 1"):
        cifar_resnet(0)
    with pytest.raises(TypeError, match="plain must be True or False"):
        cifar_resnet(1, plain=1)
    with pytest.raises(ValueError, match="width must be at least 1"):
        resnet(18, width=0)
    with pytest.raises(TypeError, match="in_channels must be an int"):
        BasicBlock(2.0, 4)


def test_augment_batch_crops_and_flips():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 1, 6, 6) + 1.0  # strictly positive: zeros come from padding
    out = augment_batch(x, g, pad=2)
    assert out.shape == x.shape
    # every output image is a shifted (maybe mirrored) copy of its input
    for img, src in zip(out, x):
        inside = img[img > 0]
        assert torch.isin(inside, src).all()
    assert torch.equal(augment_batch(x, g, pad=0, flip=False), x)
    flipped = augment_batch(x, torch.Generator().manual_seed(1), pad=0)
    n_flipped = sum(bool(torch.equal(a, b.flip(2))) for a, b in zip(flipped, x))
    assert 10 < n_flipped < 54
    with pytest.raises(TypeError, match="generator"):
        augment_batch(x, 0)
    with pytest.raises(ValueError, match="pad"):
        augment_batch(x, g, pad=-1)
    with pytest.raises(TypeError, match="4-D"):
        augment_batch(x[0], g)


def test_checkpoint_checksum_is_verified(tmp_path):
    bad = tmp_path / "resnet_fashion.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="make_resnet_fashion.py"):
        load_fashion_resnet(bad)
    with pytest.raises(FileNotFoundError, match="make_resnet_fashion.py"):
        load_fashion_resnet(tmp_path / "missing.pt")


def test_training_script_runs_a_few_steps(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_resnet_fashion", ROOT / "data" / "make_resnet_fashion.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rows, ckpt, digest = script.run(tmp_path, max_steps=2, epochs=1, val_size=200)
    assert len(rows) == 1 and 0.0 <= rows[0]["val_accuracy"] <= 1.0
    with open(tmp_path / "resnet_fashion_log.csv") as f:
        logged = list(csv.DictReader(f))
    assert [r["epoch"] for r in logged] == ["1"] and logged[0]["saved"] == "1"
    model = load_fashion_resnet(ckpt, sha256=digest)
    assert model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_committed_checkpoint_loads_with_its_checksum():
    model = load_fashion_resnet()
    assert model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    assert (ROOT / "data" / "resnet_fashion.pt").stat().st_size <= 5 * 2**20


def test_training_script_command_line_runs_a_few_steps(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "make_resnet_fashion", ROOT / "data" / "make_resnet_fashion.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.SETTINGS["epochs"] == 15  # the committed run
    argv = ["--epochs", "1", "--max-steps", "2", "--out", str(tmp_path)]
    assert script.main(argv) == 0
    digest = capsys.readouterr().out.split("SHA-256 ")[-1].strip()
    assert load_fashion_resnet(tmp_path / "resnet_fashion.pt", sha256=digest)
    assert (tmp_path / "resnet_fashion_settings.json").is_file()
