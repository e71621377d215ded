"""lessons_lib: the helpers shared by the lessons of the CNN course.

Modules, by topic:

- :mod:`lessons_lib.conv`: 1D/2D convolution and cross-correlation from the
  definitions, checked against NumPy, SciPy and PyTorch.
- :mod:`lessons_lib.viz`: matrices with their numbers, kernels, image grids
  and sliding-window animations.
- :mod:`lessons_lib.data`: MNIST, Fashion-MNIST and sample photos, with
  checksums and offline sources; the source documents' worked examples
  (``seed_example``).
- :mod:`lessons_lib.notebook`: one call that makes a notebook's outputs
  reproducible.
"""

__version__ = "0.1.0"
