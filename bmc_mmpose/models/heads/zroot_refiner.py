# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from bmc_mmpose.geometry.skeleton import NUM_JOINTS


@MODELS.register_module()
class ZRootRefiner(BaseModule):
    """Residual MLP that refines the closed-form root depth (Spurr et al. 2020, Eq. 8 and supp. Tab. 6).

    ``Z_ref = Z_closed + MLP(z_r, K^-1 J2D, Z_closed)``. With ``J = 21`` joints the input has
    ``J + 3 J + 1 = 85`` values; the layers are Linear(85, 128), LeakyReLU(0.01), BatchNorm, Linear(128, 128),
    LeakyReLU(0.01), BatchNorm, Linear(128, 1) (BatchNorm optional: the paper found it better to drop it for
    cross-dataset evaluation, supp. Sec. 8).

    It is a part of the 2.5D heads, not an estimator ``neck=``: MMPose applies necks to backbone features before
    the head, while this module consumes the head's outputs. :class:`Hand25DHead` builds it from
    ``zroot_refiner=dict(type='ZRootRefiner', ...)`` (``docs/architecture.md``).

    Gradient flow (``detach_inputs``): the paper trains the refiner jointly with the network on the L1 loss of the
    refined root depth and says only that it "refines and smooths" the closed form. With ``detach_inputs=True``
    (default) the MLP sees detached inputs, so it is a pure corrector that cannot pull the 2D / ``z_r``
    predictions towards whatever makes its own job easier. With ``detach_inputs=False`` (end to end) the
    root-depth loss also reaches the 2D and ``z_r`` predictions through the MLP; on the synthetic data (a small
    backbone trained from scratch) that gradient swamped the shared backbone and the 2D loss stalled at the
    mean-pose level, while with detached inputs it kept falling. Whether the closed form itself passes
    gradients is the head's ``closed_form_gradient``.

    The last layer is zero-initialised (not specified by the paper), so training starts from the closed form.
    A training batch of a single sample uses BatchNorm's running statistics (batch statistics need two samples).

    Args:
        num_joints (int): number of joints J. Defaults to 21.
        hidden_channels (int): width of the two hidden layers. Defaults to 128.
        negative_slope (float): LeakyReLU slope. Defaults to 0.01.
        use_batchnorm (bool): BatchNorm1d after each hidden activation. Defaults to True.
        detach_inputs (bool): stop gradients into the MLP inputs (see above). Defaults to True.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 num_joints: int = NUM_JOINTS,
                 hidden_channels: int = 128,
                 negative_slope: float = 0.01,
                 use_batchnorm: bool = True,
                 detach_inputs: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.num_joints = num_joints
        self.detach_inputs = detach_inputs
        in_channels = 4 * num_joints + 1
        layers = []
        for c_in in (in_channels, hidden_channels):
            layers += [nn.Linear(c_in, hidden_channels), nn.LeakyReLU(negative_slope)]
            if use_batchnorm:
                layers.append(nn.BatchNorm1d(hidden_channels))
        layers.append(nn.Linear(hidden_channels, 1))
        self.mlp = nn.Sequential(*layers)
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, z_r: Tensor, rays: Tensor, z_root: Tensor) -> Tensor:
        """Refine the root depth.

        Args:
            z_r (Tensor): ``(B, J)`` root-relative depths (reference-bone units).
            rays (Tensor): ``(B, J, 3)`` ``K^-1 [u, v, 1]`` of the predicted 2D joints (crop K).
            z_root (Tensor): ``(B,)`` closed-form root depth (reference-bone units).

        Returns:
            Tensor: ``(B,)`` refined root depth ``z_root + residual``.
        """
        if z_r.shape[-1] != self.num_joints or rays.shape[-2:] != (self.num_joints, 3):
            raise ValueError(f'ZRootRefiner: expected z_r (B, {self.num_joints}) and rays (B, {self.num_joints}, 3), '
                             f'got {tuple(z_r.shape)} and {tuple(rays.shape)}')
        x = torch.cat((z_r, rays.flatten(-2), z_root[..., None]), dim=-1)
        if self.detach_inputs:
            x = x.detach()
        if self.training and x.shape[0] == 1:
            # BatchNorm cannot take batch statistics of one sample (e.g. the last, incomplete batch of an epoch):
            # use the running statistics for it instead of failing.
            for layer in self.mlp:
                if isinstance(layer, nn.BatchNorm1d):
                    x = F.batch_norm(x, layer.running_mean, layer.running_var, layer.weight, layer.bias, False, 0.,
                                     layer.eps)
                else:
                    x = layer(x)
            return z_root + x.squeeze(-1)
        return z_root + self.mlp(x).squeeze(-1)
