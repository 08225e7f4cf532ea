# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Add the BMC loss to any MMPose head without touching it."""
from typing import Any, Callable, Dict, Optional, Union

from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, Features, OptConfigType, OptSampleList, Predictions
from torch import Tensor

from .joints_3d_extractors import BMCJoints, build_joints_3d_extractor, find_joints_3d_extractor

_WRAPPED = 'head.'


@MODELS.register_module()
class BMCRegularizedHead(BaseHead):
    """Wrap an MMPose head and add ``loss_bmc`` (Spurr et al. 2020) on the 3D joints it predicts.

    ``forward``, ``predict`` and ``decode`` are the wrapped head's, unchanged. ``loss`` returns the wrapped head's
    losses plus ``bmc_loss(joints)``, where ``joints`` are extracted differentiably from the wrapped head's forward
    output by a *joints extractor* (``joints_3d_fn``), the only head-specific piece (see
    :mod:`bmc_mmpose.models.heads.joints_3d_extractors` for the interface and ``InternetHeadJoints3D``).

    The wrapped head's forward output is captured while its own ``loss`` runs (its ``forward`` is shadowed by a
    recording one for that call) so the head runs once per step; if its ``loss`` never calls ``forward`` the
    wrapper calls it. The first recorded output is used, and it must not be modified in place by the wrapped loss.

    Checkpoints of the unwrapped model (keys ``head.<name>``) load into the wrapped one (``head.head.<name>``), so
    ``load_from`` a pretrained model of the original config works.

    Args:
        head: Config of any MMPose head (``MODELS``), e.g. ``dict(type='InternetHead', ...)``.
        bmc_loss: Config of the loss, e.g. ``dict(type='BMCLoss', keypoint_order=..., input_unit='mm',
            scale_source='predicted')``. Its ``loss_name`` (default ``'loss_bmc'``) is the key in the loss dict.
        joints_3d_fn: The extractor: a registered name, a config ``dict(type=name, **kwargs)`` of
            ``JOINTS_3D_EXTRACTORS``, a callable ``(head, outputs, batch_data_samples) -> BMCJoints`` (or a
            ``(M, 21, 3)`` tensor), or None to look up the extractor registered for the head's class.
        init_cfg: Init config of the wrapper (the wrapped head keeps its own).
    """

    def __init__(self,
                 head: ConfigType,
                 bmc_loss: ConfigType = dict(type='BMCLoss'),
                 joints_3d_fn: Union[None, str, dict, Callable] = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        if not isinstance(head, dict) or 'type' not in head:
            raise ValueError(f'BMCRegularizedHead: head must be a head config dict with a type, got {head!r}')
        self.head = MODELS.build(head)
        self.bmc_loss = MODELS.build(bmc_loss)
        if joints_3d_fn is None:
            joints_3d_fn = find_joints_3d_extractor(self.head)
        if isinstance(joints_3d_fn, str):
            joints_3d_fn = dict(type=joints_3d_fn)
        if isinstance(joints_3d_fn, dict):
            joints_3d_fn = build_joints_3d_extractor(joints_3d_fn)
        if not callable(joints_3d_fn):
            raise TypeError(f'BMCRegularizedHead: joints_3d_fn must be a name, config dict or callable, got '
                            f'{type(joints_3d_fn).__name__}')
        self.joints_3d_fn = joints_3d_fn
        self.register_load_state_dict_pre_hook(self._accept_unwrapped_checkpoint)

    # ---- delegation ---------------------------------------------------------------------------------------------
    @property
    def decoder(self):
        """The wrapped head's codec (None if it has none)."""
        return getattr(self.head, 'decoder', None)

    @property
    def test_cfg(self) -> dict:
        return getattr(self.head, 'test_cfg', {})

    @test_cfg.setter
    def test_cfg(self, value: dict) -> None:
        # BasePoseEstimator sets ``model.head.test_cfg``: hand it to the wrapped head.
        self.head.test_cfg = value

    def forward(self, feats: Features) -> Any:
        """The wrapped head's forward, unchanged."""
        return self.head.forward(feats)

    def predict(self, feats: Features, batch_data_samples: OptSampleList, test_cfg: ConfigType = {}) -> Predictions:
        """The wrapped head's predict, unchanged."""
        return self.head.predict(feats, batch_data_samples, test_cfg=test_cfg)

    def decode(self, batch_outputs: Any):
        """The wrapped head's decode, unchanged."""
        return self.head.decode(batch_outputs)

    # ---- loss ---------------------------------------------------------------------------------------------------
    def loss(self, feats: Features, batch_data_samples: OptSampleList, train_cfg: ConfigType = {}) -> Dict[str, Tensor]:
        """The wrapped head's losses plus the BMC loss of the extracted joints.

        Returns:
            dict: the wrapped head's entries and ``{bmc_loss.loss_name: scalar}``.
        """
        recorded = []
        original_forward = self.head.forward

        def recording_forward(*args, **kwargs):
            output = original_forward(*args, **kwargs)
            recorded.append(output)
            return output

        # An instance attribute shadows the class method for the duration of the wrapped loss, so we see the
        # output the wrapped head computed instead of running the head (deconvolutions, ...) a second time.
        self.head.forward = recording_forward
        try:
            losses = self.head.loss(feats, batch_data_samples, train_cfg=train_cfg)
        finally:
            del self.head.forward
        outputs = recorded[0] if recorded else self.head.forward(feats)

        extracted = self.joints_3d_fn(self.head, outputs, batch_data_samples)
        if isinstance(extracted, Tensor):
            extracted = BMCJoints(extracted)
        name = self.bmc_loss.loss_name
        if name in losses:
            raise KeyError(f'BMCRegularizedHead: the wrapped {type(self.head).__name__} already returns {name!r}; '
                           "set bmc_loss=dict(..., loss_name='loss_<other>')")
        losses = dict(losses)
        losses[name] = self.bmc_loss(extracted.joints, extracted.ref_bone_length, extracted.weights)
        return losses

    # ---- checkpoints --------------------------------------------------------------------------------------------
    def _accept_unwrapped_checkpoint(self, module, state_dict: dict, prefix: str, *args) -> None:
        """Rename ``<prefix><name>`` to ``<prefix>head.<name>`` for keys of the wrapped head (unwrapped ckpts)."""
        inner_keys = set(self.head.state_dict().keys())
        for key in list(state_dict.keys()):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix):]
            wrapped_key = prefix + _WRAPPED + rest
            if rest in inner_keys and wrapped_key not in state_dict:
                state_dict[wrapped_key] = state_dict.pop(key)

    def extra_repr(self) -> str:
        return f'joints_3d_fn={type(self.joints_3d_fn).__name__}'


def unwrap_head_config(head_cfg: dict) -> Optional[dict]:
    """The wrapped head config of a ``BMCRegularizedHead`` config (None for any other head type)."""
    if head_cfg.get('type') in ('BMCRegularizedHead', BMCRegularizedHead):
        return head_cfg['head']
    return None
