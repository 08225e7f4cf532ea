# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Tuple

from mmpose.registry import MODELS
from torch import Tensor

from .hand25d_head import Hand25DHead


@MODELS.register_module()
class KeypointLifterHead(Hand25DHead):
    """2.5D head for a keypoint-input lifter: ``z_r`` and a correction of the input 2D, then the 2.5D lifting.

    The read-out is :class:`KeypointResidualReadout2p5D`: one linear layer maps the backbone vector
    ``(B, in_channels)`` to ``(du, dv)`` (crop-size units) added to the *input* keypoints, and ``z_r``.
    Everything after the forward pass is :class:`Hand25DHead`'s: the codec (``decoder``), the closed-form Z-root,
    the refiner, the joints ``(Z_root + z_r) K^-1 [u, v, 1]``, the loss configs (``loss_2d``, ``loss_zr``,
    ``loss_zroot``, optional ``loss_bmc`` with its ``bmc_root_depth`` placements, masked per sample for mixed 3D /
    2D-only batches) and ``predict``.

    ``forward`` takes ``feats = (features (B, C), keypoints_in (B, J, 2))``, the input keypoints in crop pixels
    (``KeypointLifter.extract_feat`` returns this pair).

    ``root_solver`` / ``bone_lengths`` (:class:`Hand25DHead` arguments): the lifters of the proxy use ``'bones'``
    (``docs/results/lifting_proxy.md`` compares both).

    Args:
        predict_uv_residual (bool): add the predicted residual to the input 2D; False keeps the input 2D as the
            output 2D (a pure lifter; the 2D loss is then constant).
        **kwargs: :class:`Hand25DHead` arguments except ``readout`` (fixed to the residual read-out).
    """

    def __init__(self, predict_uv_residual: bool = True, **kwargs):
        if 'readout' in kwargs:
            raise ValueError('KeypointLifterHead: the read-out is KeypointResidualReadout2p5D (set '
                             f'predict_uv_residual instead), got readout={kwargs["readout"]!r}')
        super().__init__(
            readout=dict(type='KeypointResidualReadout2p5D', predict_uv_residual=predict_uv_residual), **kwargs)
        self.predict_uv_residual = bool(predict_uv_residual)

    def forward(self, feats: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Predict the 2.5D pose.

        Args:
            feats (tuple[Tensor, Tensor]): ``(B, C)`` features and ``(B, J, 2)`` input keypoints (crop px).

        Returns:
            tuple[Tensor, Tensor]: ``uv`` ``(B, J, 2)`` crop pixels and ``z_r`` ``(B, J)`` (root entry 0).
        """
        if not isinstance(feats, (tuple, list)) or len(feats) != 2:
            raise ValueError('KeypointLifterHead: expected feats = (features (B, C), keypoints_in (B, J, 2)), got '
                             f'{type(feats).__name__} of length {len(feats) if hasattr(feats, "__len__") else "?"}')
        x, uv_in = feats
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'KeypointLifterHead: expected features (B, {self.in_channels}), got {tuple(x.shape)}; '
                             'set head.in_channels to the backbone width')
        if uv_in.shape != (x.shape[0], self.num_joints, 2):
            raise ValueError(f'KeypointLifterHead: expected input keypoints ({x.shape[0]}, {self.num_joints}, 2), got '
                             f'{tuple(uv_in.shape)}')
        uv, z_r = self.readout(x, uv_in)
        return uv, self.center_on_root(z_r)
