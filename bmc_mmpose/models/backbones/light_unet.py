# Copyright (c) bmc_mmpose authors. All rights reserved.
"""LightUNet: a small encoder-decoder backbone with a stride-4 output, for 2D localisation on a CPU budget."""
from typing import Sequence, Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn


def _conv_bn_relu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False), nn.BatchNorm2d(out_channels),
                         nn.ReLU(inplace=True))


class _ResidualDown(nn.Module):
    """Two 3x3 convolutions, the first strided, with a strided 1x1 projection as the shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        self.conv1 = _conv_bn_relu(in_channels, out_channels, stride)
        self.conv2 = nn.Sequential(nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
                                   nn.BatchNorm2d(out_channels))
        self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                      nn.BatchNorm2d(out_channels))

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.conv2(self.conv1(x)) + self.shortcut(x))


@MODELS.register_module()
class LightUNet(BaseModule):
    """A small U-Net for keypoint heatmaps: a residual encoder down to stride 32 (global context, e.g. for depth)
    and a decoder that upsamples back to stride 4, adding a 1x1 projection of the encoder feature at each stride.

    A ResNet pools its last map to stride 32 (2x2 cells at 64 px input), so a global-pooling regression read-out
    has to encode positions in channels; this backbone keeps a stride-4 map for a spatial (soft-argmax) read-out,
    e.g. ``Hand25DHead(readout=dict(type='HeatmapReadout2p5D', deconv_out_channels=()), in_channels=out_channels)``.

    Args:
        in_channels: image channels.
        stem_channels: channels of the stride-2 stem.
        stage_channels: channels of the encoder stages at strides 4, 8, 16, 32.
        out_channels: channels of the stride-4 output.
        init_cfg: MMEngine initialisation config (default: the PyTorch defaults, no pretrained weights).

    Input ``(B, in_channels, H, W)`` with H, W multiples of 32; output a one-element tuple with the
    ``(B, out_channels, H / 4, W / 4)`` map.
    """

    def __init__(self, in_channels: int = 3, stem_channels: int = 24,
                 stage_channels: Sequence[int] = (32, 64, 128, 192), out_channels: int = 64, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(stage_channels) != 4:
            raise ValueError(f'LightUNet: stage_channels must give 4 stages (strides 4, 8, 16, 32), '
                             f'got {stage_channels}')
        self.stem = nn.Sequential(_conv_bn_relu(in_channels, stem_channels, 2),
                                  _conv_bn_relu(stem_channels, stem_channels))
        channels = [stem_channels] + list(stage_channels)
        self.encoder = nn.ModuleList(_ResidualDown(channels[i], channels[i + 1]) for i in range(4))
        self.top = nn.Conv2d(stage_channels[3], out_channels, 1)
        self.laterals = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in stage_channels[:3])
        self.smooth = nn.ModuleList(_conv_bn_relu(out_channels, out_channels) for _ in range(3))
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        if x.dim() != 4 or x.shape[-1] % 32 or x.shape[-2] % 32:
            raise ValueError(f'LightUNet: expected (B, C, H, W) with H and W multiples of 32, got {tuple(x.shape)}')
        skips = []
        x = self.stem(x)
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        y = self.top(skips[3])
        # strides 16, 8, 4: upsample, add the encoder's projection, smooth
        for level in (2, 1, 0):
            y = F.interpolate(y, size=skips[level].shape[-2:], mode='nearest') + self.laterals[level](skips[level])
            y = self.smooth[level](y)
        return (y, )
