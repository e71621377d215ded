"""lessons_lib: the helpers shared by the lessons of the CNN course.

Modules, by topic:

- :mod:`lessons_lib.conv`: 1D/2D convolution and cross-correlation from the
  definitions, and batched multi-channel convolution by im2col and one
  matrix multiply, checked against NumPy, SciPy and PyTorch.
- :mod:`lessons_lib.filters`: sliding-window image filters (sum, max, min,
  mean, median, dilation, erosion, Gaussian, Sobel, Laplacian, unsharp
  masking), checked against OpenCV and SciPy.
- :mod:`lessons_lib.noise`: Gaussian and salt-and-pepper noise; MSE and PSNR.
- :mod:`lessons_lib.pooling`: max, average and global pooling, checked
  against PyTorch.
- :mod:`lessons_lib.viz`: matrices with their numbers, kernels, image grids,
  learning curves, confusion matrices and sliding-window animations.
- :mod:`lessons_lib.data`: MNIST, Fashion-MNIST and sample photos, with
  checksums and offline sources; the source documents' worked examples
  (``seed_example``).
- :mod:`lessons_lib.layers`: the layers of a CNN in NumPy, forward and backward
  (convolution, pooling, activations, dense, losses, dropout, batch
  normalisation), and a gradient checker; checked against PyTorch autograd.
- :mod:`lessons_lib.models`: parameter counts and a layer-by-layer summary
  of PyTorch models.
- :mod:`lessons_lib.train`: a small training loop for PyTorch classifiers
  (per-epoch metrics, best checkpoint, early stopping), accuracy and
  confusion matrices.
- :mod:`lessons_lib.notebook`: one call that makes a notebook's outputs
  reproducible.
"""

__version__ = "0.1.0"
