# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Tuple

from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn


class _ResidualBlock(nn.Module):
    """Two (Linear, BatchNorm, ReLU, Dropout) layers with an identity shortcut (Martinez et al. 2017, Fig. 1)."""

    def __init__(self, channels: int, dropout: float, use_batchnorm: bool):
        super().__init__()
        layers = []
        for _ in range(2):
            layers.append(nn.Linear(channels, channels))
            if use_batchnorm:
                layers.append(nn.BatchNorm1d(channels))
            layers += [nn.ReLU(inplace=True), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.layers(x)


@MODELS.register_module()
class ResidualMLP(BaseModule):
    """The fully connected lifting baseline of Martinez et al., ICCV 2017 ("A simple yet effective baseline for 3D
    human pose estimation"): an input Linear layer to ``hidden_channels``, then ``num_blocks`` residual blocks of
    two ``Linear -> BatchNorm -> ReLU -> Dropout`` layers each.

    It maps a flat vector of keypoint features ``(B, in_channels)`` to ``(B, hidden_channels)``; the head adds
    the output layer. The paper's body model uses 1024 channels, 2 blocks and dropout 0.5; hands have 21 joints
    and the lifter here is meant to train in minutes on a CPU, hence smaller defaults.

    Args:
        in_channels (int): input features per sample.
        hidden_channels (int): width of every layer.
        num_blocks (int): residual blocks.
        dropout (float): dropout probability after every activation.
        use_batchnorm (bool): BatchNorm1d after every hidden Linear layer.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 512,
                 num_blocks: int = 2,
                 dropout: float = 0.1,
                 use_batchnorm: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if in_channels <= 0 or hidden_channels <= 0 or num_blocks < 0:
            raise ValueError(f'ResidualMLP: in_channels ({in_channels}) and hidden_channels ({hidden_channels}) '
                             f'must be > 0 and num_blocks ({num_blocks}) >= 0')
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f'ResidualMLP: dropout must be in [0, 1), got {dropout}')
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        stem = [nn.Linear(in_channels, hidden_channels)]
        if use_batchnorm:
            stem.append(nn.BatchNorm1d(hidden_channels))
        stem += [nn.ReLU(inplace=True), nn.Dropout(dropout)]
        self.stem = nn.Sequential(*stem)
        self.blocks = nn.Sequential(*[_ResidualBlock(hidden_channels, dropout, use_batchnorm)
                                      for _ in range(num_blocks)])

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """``(B, in_channels) -> ((B, hidden_channels),)`` (a tuple, as MMPose backbones return)."""
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'ResidualMLP: expected input of shape (B, {self.in_channels}), got {tuple(x.shape)}')
        return (self.blocks(self.stem(x)), )
