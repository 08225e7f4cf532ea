# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Tuple

from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from bmc_mmpose.geometry.skeleton import NUM_JOINTS


@MODELS.register_module()
class RegressionReadout2p5D(BaseModule):
    """Direct regression of the 2.5D pose (Spurr et al. 2020, supp. Sec. 8).

    Global average pooling of the feature map and one linear layer with ``J x 3`` outputs ``o``: ``(u, v)``
    normalised to the crop (0 = crop centre, ``u_px = (o_u + 0.5) W``) and ``z_r``. The layer starts with small
    weights (normal, std 1e-3) and zero bias, i.e. every joint near the crop centre at depth 0.

    Args:
        in_channels (int): channels of the feature map.
        num_joints (int): number of joints J.
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels.
        init_cfg (dict, optional): mmengine init config (the layer is already initialised in the constructor).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_joints: int = NUM_JOINTS,
                 input_size: Tuple[int, int] = (128, 128),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.input_size = tuple(int(s) for s in input_size)
        self.fc = nn.Linear(in_channels, num_joints * 3)
        nn.init.normal_(self.fc.weight, std=1e-3)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``(B, C, h, w)`` features -> ``uv`` ``(B, J, 2)`` crop pixels and raw ``z_r`` ``(B, J)``."""
        out = self.fc(x.mean(dim=(2, 3))).view(-1, self.num_joints, 3)
        return (out[..., :2] + 0.5) * x.new_tensor(self.input_size), out[..., 2]
