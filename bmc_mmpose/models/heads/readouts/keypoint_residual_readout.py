# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Tuple

from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from bmc_mmpose.geometry.skeleton import NUM_JOINTS


@MODELS.register_module()
class KeypointResidualReadout2p5D(BaseModule):
    """2.5D read-out of a keypoint-input lifter: ``z_r`` and a correction of the input 2D keypoints.

    The lifter network sees 2D keypoints, not an image, so instead of predicting ``(u, v)`` from scratch one linear
    layer maps the feature vector to ``J x 3`` values, ``(du, dv)`` in units of the crop size and ``z_r``, and the
    residual is added to the input keypoints (noisy detections can be corrected; with the small initial weights,
    normal std 1e-3 and zero bias, an untrained read-out reproduces its input).

    Args:
        in_channels (int): width of the feature vector.
        num_joints (int): number of joints J.
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels (the unit of the residual).
        predict_uv_residual (bool): add the residual; False returns the input 2D unchanged (a pure lifter).
        init_cfg (dict, optional): mmengine init config (the layer is already initialised in the constructor).
    """

    def __init__(self,
                 in_channels: int = 512,
                 num_joints: int = NUM_JOINTS,
                 input_size: Tuple[int, int] = (128, 128),
                 predict_uv_residual: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.input_size = tuple(int(s) for s in input_size)
        self.predict_uv_residual = bool(predict_uv_residual)
        self.fc = nn.Linear(in_channels, num_joints * 3)
        nn.init.normal_(self.fc.weight, std=1e-3)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: Tensor, uv_in: Tensor) -> Tuple[Tensor, Tensor]:
        """``(B, C)`` features and ``(B, J, 2)`` input keypoints (crop px) -> ``uv`` ``(B, J, 2)`` crop pixels and
        raw ``z_r`` ``(B, J)``."""
        out = self.fc(x).view(-1, self.num_joints, 3)
        uv = uv_in + out[..., :2] * uv_in.new_tensor(self.input_size) if self.predict_uv_residual else uv_in
        return uv, out[..., 2]
