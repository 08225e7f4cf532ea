# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict

import numpy as np
import torch
from mmpose.registry import TRANSFORMS

from .pack_hand3d_inputs import PackHand3DInputs

#: A 1x1 stand-in for the image :class:`PackHand3DInputs` packs; the lifter never reads it (its input is
#: ``lifter_inputs``), and passing it keeps every other field of the data contract in one place.
_NO_IMAGE = np.zeros((1, 1, 1), np.uint8)


@TRANSFORMS.register_module()
class PackKeypointLifterInputs(PackHand3DInputs):
    """Pack a keypoint-lifter sample: ``inputs`` is the ``(J, 5)`` ``lifter_inputs`` tensor of
    :class:`KeypointLifterInputs`; the ``PoseDataSample`` is exactly :class:`PackHand3DInputs`'s (metainfo with the
    virtual crop's ``cam_K`` / ``warp_mat``, ``gt_instances``, ``gt_instance_labels``), plus ``gt_instances``
    ``keypoints_input`` (1, J, 2) and ``keypoints_input_confidence`` (1, J), the 2D the lifter was given.

    Args: see :class:`PackHand3DInputs`.
    """

    def transform(self, results: Dict) -> Dict:
        if 'lifter_inputs' not in results:
            raise KeyError(f'PackKeypointLifterInputs: results lack "lifter_inputs" (img_path='
                           f'{results.get("img_path")}); put KeypointLifterInputs before it')
        if 'img' in results:
            raise ValueError('PackKeypointLifterInputs: the sample holds an image; a keypoint lifter pipeline must '
                             'not load images (remove LoadImage)')
        packed = super().transform(dict(results, img=_NO_IMAGE))
        gt = packed['data_samples'].gt_instances
        for key in ('keypoints_input', 'keypoints_input_confidence'):
            if key in results:
                value = np.asarray(results[key], np.float32)
                gt.set_field(value.reshape((1, ) + value.shape[-(value.ndim - 1):]), key)
        packed['inputs'] = torch.from_numpy(np.ascontiguousarray(results['lifter_inputs'], np.float32))
        return packed
