"""Shared code for the notebooks of PyTorch from the Ground Up.

Each notebook builds a thing by hand first, then imports the reference version from
here; every function's docstring names the notebook that teaches it. Modules by topic:

- ``data``      MNIST from the course's checksummed files (never downloads)
- ``devices``   which device to compute on, and why
- ``env``       the environment report of notebook 00
- ``plotting``  pictures several notebooks draw
- ``graphs``    the autograd graph behind a tensor, traced and drawn
- ``models``    the MNIST CNN
- ``training``  ``train_one_epoch`` / ``evaluate`` / ``fit``
- ``distributed`` shards per rank, backend choice, accumulation steps, snapshots and torchrun launching for DDP
- ``ddp_diagrams`` notebook 09's pictures: shards, gradients, epoch times, a restart timeline
- ``drawing``   a digit drawn with the mouse, as an MNIST-style input
- ``speed``     training speed measured one way (notebook 10 and the benchmark): recipes, rounds, FLOPs, profiles
- ``checks``    automatic feedback for the exercises, one module per notebook

Importing this package does nothing but define things: no downloads, no printing,
no seeding, no style changes. Import the modules you use: ``from helpers import data``.
"""
