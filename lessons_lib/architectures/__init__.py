"""The architectures of Part V, one readable builder each, at any scale.

Every builder takes the input channels, the input size, a width and a depth,
so that the same code builds the full-size ImageNet network (checked against
torchvision's definition, parameter for parameter) and the small version a
lesson trains on a laptop CPU.

Modules:

- :mod:`lessons_lib.architectures.alexnet`: AlexNet (2012).
- :mod:`lessons_lib.architectures.vgg`: VGG-11/13/16/19 from one configuration
  list (2014).
- :mod:`lessons_lib.architectures.inception`: the Inception block and GoogLeNet
  (2014).
- :mod:`lessons_lib.architectures.resnet`: ResNet with basic and bottleneck blocks,
  the CIFAR-style 6n+2 family, and plain (no-shortcut) twins (2015).
- :mod:`lessons_lib.architectures.mobile`: depthwise separable convolutions and
  inverted residual blocks (MobileNet, EfficientNet).
"""
