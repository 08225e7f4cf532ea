# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from bmc_mmpose.geometry.skeleton import NUM_JOINTS


@MODELS.register_module()
class HeatmapReadout2p5D(BaseModule):
    """Latent 2.5D heatmaps (Iqbal et al. 2018): soft-argmax ``(u, v)`` and the expected ``z_r``.

    Deconvolutions (4x4, stride 2, each doubling the resolution, + BatchNorm + ReLU) and a 1x1 convolution to
    ``J`` 2D heatmaps and ``J`` depth maps; a spatial softmax per joint, soft-argmax for ``(u, v)`` (heatmap cell
    ``x`` is input pixel ``x W / w``, MMPose's codec convention) and ``z_r = sum(softmax * depth map)``. The
    convolutions start with small weights (normal, std 1e-3; zero bias for the 1x1), i.e. flat heatmaps.

    Args:
        in_channels (int): channels of the feature map.
        num_joints (int): number of joints J.
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels.
        deconv_out_channels (Sequence[int]): output channels of the deconvolutions; ``()`` for backbones that
            already give a fine map (HRNet, LightUNet).
        init_cfg (dict, optional): mmengine init config (layers are already initialised in the constructor).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_joints: int = NUM_JOINTS,
                 input_size: Tuple[int, int] = (128, 128),
                 deconv_out_channels: Sequence[int] = (256, 256, 256),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.input_size = tuple(int(s) for s in input_size)
        layers = []
        channels = in_channels
        for out_channels in deconv_out_channels:
            deconv = nn.ConvTranspose2d(channels, out_channels, 4, stride=2, padding=1, bias=False)
            nn.init.normal_(deconv.weight, std=1e-3)
            layers += [deconv, nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
            channels = out_channels
        self.deconv_layers = nn.Sequential(*layers)
        self.final_layer = nn.Conv2d(channels, 2 * num_joints, 1)
        nn.init.normal_(self.final_layer.weight, std=1e-3)
        nn.init.zeros_(self.final_layer.bias)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``(B, C, h, w)`` features -> ``uv`` ``(B, J, 2)`` crop pixels and raw ``z_r`` ``(B, J)``."""
        uv, z_r, _ = self.forward_with_heatmaps(x)
        return uv, z_r

    def forward_with_heatmaps(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """As :meth:`forward`, plus the 2D heatmap logits ``(B, J, h', w')`` (before the spatial softmax), for a
        dense heatmap loss such as ``HeatmapDistributionLoss``."""
        maps = self.final_layer(self.deconv_layers(x))
        batch, _, h, w = maps.shape
        logits, depth = maps[:, :self.num_joints], maps[:, self.num_joints:]
        prob = F.softmax(logits.flatten(2), dim=-1).view(batch, self.num_joints, h, w)
        size = x.new_tensor(self.input_size)
        xs = torch.arange(w, dtype=x.dtype, device=x.device) * (size[0] / w)
        ys = torch.arange(h, dtype=x.dtype, device=x.device) * (size[1] / h)
        uv = torch.stack(((prob.sum(2) * xs).sum(-1), (prob.sum(3) * ys).sum(-1)), dim=-1)
        return uv, (prob * depth).flatten(2).sum(-1), logits
