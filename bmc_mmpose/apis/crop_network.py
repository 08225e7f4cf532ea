# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The network from the packed crop to the 2.5D and 3D outputs, as one traceable module (PyTorch and ONNX)."""
import warnings
from typing import Tuple

import torch
from torch import Tensor, nn

#: Names of :class:`Hand3DCropNetwork`'s inputs and outputs, in order (also the ONNX graph's names).
CROP_NETWORK_INPUTS = ('crops', 'cam_K')
CROP_NETWORK_OUTPUTS = ('keypoints_crop', 'z_r', 'z_root', 'z_root_closed_form', 'keypoints_3d_norm')


class Hand3DCropNetwork(nn.Module):
    """Crops and crop intrinsics -> 2D, root-relative depth, root depth and 3D joints, all batched.

    It chains what :meth:`Hand3DEstimator.predict` runs on a batch: the model's data preprocessor
    (``bgr_to_rgb`` channel swap, ``(x - mean) / std``), the backbone (and neck), ``Hand25DHead.forward`` and
    ``Hand25DHead.lift`` (closed-form Z-root, refiner, ``J = (Z_root + z_r) K^-1 [u, v, 1]``). Everything is
    tensor code without data-dependent Python control flow, so it traces to ONNX with a dynamic batch axis.

    Inputs:
        crops (Tensor): ``(B, 3, H, W)`` float32, the crop exactly as ``PackHand3DInputs`` packs it (channel
            order of the loaded image, BGR for OpenCV, values 0-255), ``(H, W)`` the head's ``input_size``.
        cam_K (Tensor): ``(B, 3, 3)`` float32 crop intrinsics (``metainfo['cam_K']``).

    Outputs (crop camera frame, in :data:`CROP_NETWORK_OUTPUTS` order):
        ``keypoints_crop`` (B, J, 2) crop px, ``z_r`` (B, J) and ``z_root`` (B,) refined,
        ``z_root_closed_form`` (B,) in reference-bone units, ``keypoints_3d_norm`` (B, J, 3) reference-bone
        units. Metric joints are ``keypoints_3d_norm * ref_bone_length`` (mm).

    Args:
        model (nn.Module): a ``Hand3DEstimator`` with a ``Hand25DHead`` (e.g. from ``init_hand3d_model``).
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        head = getattr(model, 'head', None)
        if head is None or not hasattr(head, 'lift') or not hasattr(head, 'forward'):
            raise TypeError('Hand3DCropNetwork: the model needs a Hand25DHead-like `head` with forward() and lift(), '
                            f'got {type(head).__name__}')
        self.model = model
        preprocessor = getattr(model, 'data_preprocessor', None)
        self.swap_channels = bool(getattr(preprocessor, '_channel_conversion', False))
        if getattr(preprocessor, '_enable_normalize', False):
            self.register_buffer('mean', preprocessor.mean.detach().clone().float().reshape(1, -1, 1, 1),
                                 persistent=False)
            self.register_buffer('std', preprocessor.std.detach().clone().float().reshape(1, -1, 1, 1),
                                 persistent=False)
        else:
            self.mean = None
            self.std = None

    @property
    def input_size(self) -> Tuple[int, int]:
        """``(w, h)`` of the crops."""
        return tuple(self.model.head.input_size)

    def forward(self, crops: Tensor, cam_K: Tensor) -> Tuple[Tensor, ...]:
        x = crops.float()
        if self.swap_channels:
            x = x.flip(1)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        feats = self.model.extract_feat(x)
        uv, z_r = self.model.head.forward(feats)
        lifted = self.model.head.lift(uv, z_r, cam_K.to(uv))
        return uv, z_r, lifted['z_root'], lifted['z_root_closed_form'], lifted['joints_3d_norm']


def export_onnx(model: nn.Module, path: str, opset: int = 17, batch_size: int = 2) -> str:
    """Export :class:`Hand3DCropNetwork` of ``model`` to ONNX with a dynamic batch axis.

    Args:
        model (nn.Module): a ``Hand3DEstimator`` in eval mode.
        path (str): output ``.onnx`` file.
        opset (int): ONNX opset version.
        batch_size (int): batch of the example input used for tracing (any value; the axis is dynamic).

    Returns:
        str: ``path``.
    """
    network = Hand3DCropNetwork(model).eval()
    width, height = network.input_size
    crops = torch.rand(batch_size, 3, height, width) * 255
    focal = float(max(width, height))
    cam_k = torch.tensor([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]]).expand(
        batch_size, 3, 3).contiguous()
    dynamic = {name: {0: 'batch'} for name in CROP_NETWORK_INPUTS + CROP_NETWORK_OUTPUTS}
    # The tracer warns about the shape checks of the head and the refiner: they compare static sizes (channels,
    # joints), which are constants of the exported graph by design; only the batch axis is dynamic.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(network, (crops, cam_k), path, input_names=list(CROP_NETWORK_INPUTS),
                          output_names=list(CROP_NETWORK_OUTPUTS), dynamic_axes=dynamic, opset_version=opset,
                          dynamo=False)
    return path
