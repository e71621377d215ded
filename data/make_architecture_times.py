"""Seconds per epoch and test accuracy of lesson 19's small networks, over seeds.

Lesson 19 trains five small networks (AlexNet, VGG-11, ResNet, GoogLeNet and
a mobile network, all from ``lessons_lib.architectures``) side by side on one
fixed budget, once each (seed 0). To know which differences between them are
larger than chance, this script repeats the same runs with the seeds 0, 1 and
2 and writes one row per (network, seed) to ``data/architecture_times.csv``:
parameters, multiply-adds per image, seconds per epoch, the last epoch's
training loss and test accuracy. Training goes through
:func:`lessons_lib.train.fit`, as in the lesson, so that the two runs of seed 0
are the same computation. The lesson prints the range per network and checks
that its own seed-0 run falls inside it.

Run from the repository root (about 7 minutes of training on 2 free cores,
GoogLeNet taking half of it, and longer when the machine is busy; the seconds
are only comparable between runs on the same machine, so the lesson's own
timings are measured live)::

    nice -n 10 .venv/bin/python data/make_architecture_times.py

``--seeds 0 --train-size 256 --output /tmp/check.csv`` is a quick check of the
script itself.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "data" / "architecture_times.csv"

#: The fixed budget of lesson 19 (the notebook states the same numbers).
TRAIN_SIZE, EPOCHS, BATCH, LR, SUBSET_SEED = 8_000, 2, 128, 2e-3, 19
MEAN, STD = 0.2860, 0.3530


def small_models():
    """Name -> builder of each small network, 1 grey channel, 10 classes, 28x28."""
    from lessons_lib.architectures.alexnet import alexnet
    from lessons_lib.architectures.inception import googlenet
    from lessons_lib.architectures.mobile import SMALL_28, mobilenet
    from lessons_lib.architectures.resnet import fashion_resnet
    from lessons_lib.architectures.vgg import vgg

    return {
        "AlexNet": lambda: alexnet(
            num_classes=10, in_channels=1, input_size=28, width=0.25
        ),
        "VGG-11": lambda: vgg(
            11, num_classes=10, in_channels=1, input_size=28, width=0.25
        ),
        "ResNet-8": fashion_resnet,
        "GoogLeNet": lambda: googlenet(
            num_classes=10, in_channels=1, input_size=28, width=0.25, blocks=(1, 2, 1)
        ),
        "MobileNet": lambda: mobilenet(
            SMALL_28, 10, 1, 28, stem_channels=16, head_channels=256
        ),
    }


def fashion_data(train_size=TRAIN_SIZE):
    """The training subset and the test set, standardised, as tensors."""
    from lessons_lib.data import dataset_tensors, load_fashion_mnist

    x, y = dataset_tensors(load_fashion_mnist(train=True))
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(SUBSET_SEED))
    part = order[:train_size]
    test_x, test_y = dataset_tensors(load_fashion_mnist(train=False))
    return ((x[part] - MEAN) / STD, y[part]), ((test_x - MEAN) / STD, test_y)


def train_and_test(make, train, test, seed):
    """The lesson's recipe: Adam, cosine over the epochs, no augmentation."""
    from lessons_lib.models import count_multiply_adds, count_parameters
    from lessons_lib.train import fit

    torch.manual_seed(seed)
    model = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*train),
        batch_size=BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    history = fit(
        model,
        loader,
        epochs=EPOCHS,
        optimizer=optimizer,
        scheduler=scheduler,
        monitor="train_loss",
        restore_best=False,
        progress=False,
    )
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test[1]), 500):
            scores = model(test[0][i : i + 500])
            correct += int((scores.argmax(1) == test[1][i : i + 500]).sum())
    return {
        "parameters": count_parameters(model),
        "multiply_adds": count_multiply_adds(model, (1, 1, 28, 28)),
        "seconds_per_epoch": float(history["seconds"].mean()),
        "train_loss": float(history["train_loss"].iloc[-1]),
        "test_accuracy": correct / len(test[1]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--train-size", type=int, default=TRAIN_SIZE, help="for a quick check only"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    from lessons_lib.notebook import setup_notebook

    setup_notebook()
    train, test = fashion_data(args.train_size)
    rows = []
    for seed in args.seeds:
        for name, make in small_models().items():
            row = {"network": name, "seed": seed, "threads": torch.get_num_threads()}
            row.update(train_and_test(make, train, test, seed))
            rows.append(row)
            print(
                f"{name:10} seed {seed}: test accuracy {row['test_accuracy']:.4f}, "
                f"{row['seconds_per_epoch']:.1f} s per epoch",
                flush=True,
            )
    with open(args.output, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
