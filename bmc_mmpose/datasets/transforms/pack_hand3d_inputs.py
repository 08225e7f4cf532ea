# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Pack a hand sample into ``inputs`` + ``PoseDataSample`` as ``docs/architecture.md`` specifies."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.registry import TRANSFORMS
from mmpose.structures import PoseDataSample
from mmpose.datasets.transforms.formatting import image_to_tensor

DEFAULT_META_KEYS = ('cam_K', 'cam_K_orig', 'warp_mat', 'img_warp_mat', 'ref_bone_length', 'mirrored',
                     'dataset_name', 'img_path', 'img_id', 'sample_idx', 'input_size', 'input_center',
                     'input_scale', 'ori_shape', 'img_shape')


def _f32(value, shape) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(value, np.float32).reshape(shape))


@TRANSFORMS.register_module()
class PackHand3DInputs(PackPoseInputs):
    """Pack the output of ``HandCropAffine`` (and colour augmentation) for ``Hand3DEstimator``.

    Unlike :class:`PackPoseInputs` this transform does not use mapping tables (a codec table would replace them
    and drop fields); it writes a fixed set of fields, all float32, with leading dim N = 1:

    - ``metainfo``: ``cam_K`` (3, 3) crop K, ``cam_K_orig`` (3, 3), ``warp_mat`` (2, 3) annotation-frame px ->
      crop px, ``ref_bone_length`` (float, mm, 0 if unknown), ``mirrored``, ``dataset_name``, ``img_path``,
      ``img_id``, ``input_size``, ``ori_shape`` and, for MMPose's ``TopdownPoseEstimator`` and debugging,
      ``img_warp_mat``, ``sample_idx``, ``input_center``, ``input_scale``, ``img_shape`` (see ``meta_keys``).
    - ``gt_instances`` (numpy): ``bboxes`` (1, 4), ``bbox_scores`` (1,) (MMPose's ``add_pred_to_datasample`` reads
      it), ``keypoints`` (1, 21, 2) original-image px, ``keypoints_visible`` (1, 21), ``keypoints_3d`` (1, 21, 3)
      mm in the crop camera frame, ``has_3d`` (1,), ``has_3d_eval`` (1,), ``ref_bone_length`` (1,), plus every
      key of ``extra_instance_keys`` (e.g. HO-3D's ``root_3d``).
    - ``gt_instance_labels`` (tensors): ``keypoints_2d`` (1, 21, 2) crop px, ``keypoint_weights`` (1, 21) =
      ``keypoints_visible``, ``keypoints_3d`` (1, 21, 3) mm crop camera, ``has_3d`` (1,), ``ref_bone_length``
      (1,), ``cam_K`` (1, 3, 3) crop K.

    Args:
        meta_keys (Sequence[str]): keys copied into the metainfo when present.
        extra_instance_keys (Sequence[str]): further result keys packed into ``gt_instances`` as float32.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS, extra_instance_keys: Sequence[str] = ()):
        super().__init__(meta_keys=tuple(meta_keys))
        self.extra_instance_keys = tuple(extra_instance_keys)

    def transform(self, results: Dict) -> Dict:
        for key in ('img', 'transformed_keypoints', 'cam_K', 'keypoints', 'keypoints_visible', 'keypoints_3d',
                    'has_3d', 'has_3d_eval', 'ref_bone_length', 'bbox'):
            if key not in results:
                raise KeyError(f'PackHand3DInputs: results lack {key!r} (img_path={results.get("img_path")}); '
                               'expected a bmc_mmpose hand dataset followed by HandCropAffine')
        num_joints = np.asarray(results['keypoints']).shape[-2]
        ref = _f32(results['ref_bone_length'], (1,))
        has_3d = _f32(results['has_3d'], (1,))
        keypoints_3d = _f32(results['keypoints_3d'], (1, num_joints, 3))
        visible = _f32(results['keypoints_visible'], (1, num_joints))
        cam_K = _f32(results['cam_K'], (3, 3))

        data_sample = PoseDataSample()
        gt_instances = InstanceData()
        gt_instances.bboxes = _f32(results['bbox'], (1, 4))
        gt_instances.bbox_scores = _f32(results.get('bbox_score', np.ones(1)), (1,))
        gt_instances.keypoints = _f32(results['keypoints'], (1, num_joints, 2))
        gt_instances.keypoints_visible = visible
        gt_instances.keypoints_3d = keypoints_3d
        gt_instances.has_3d = has_3d
        gt_instances.has_3d_eval = _f32(results['has_3d_eval'], (1,))
        gt_instances.ref_bone_length = ref
        for key in self.extra_instance_keys:
            value = np.asarray(results[key], np.float32)
            gt_instances.set_field(value.reshape((1,) + value.shape[1:]) if value.ndim else value.reshape(1), key)
        data_sample.gt_instances = gt_instances

        labels = InstanceData()
        labels.keypoints_2d = torch.from_numpy(_f32(results['transformed_keypoints'], (1, num_joints, 2)))
        labels.keypoint_weights = torch.from_numpy(visible.copy())
        labels.keypoints_3d = torch.from_numpy(keypoints_3d.copy())
        labels.has_3d = torch.from_numpy(has_3d.copy())
        labels.ref_bone_length = torch.from_numpy(ref.copy())
        labels.cam_K = torch.from_numpy(cam_K.reshape(1, 3, 3).copy())
        data_sample.gt_instance_labels = labels

        meta = {k: results[k] for k in self.meta_keys if k in results}
        if 'ref_bone_length' in meta:
            meta['ref_bone_length'] = float(ref[0])
        for key in ('cam_K', 'cam_K_orig', 'warp_mat', 'img_warp_mat'):
            if key in meta:
                meta[key] = np.asarray(meta[key], np.float32)
        if 'mirrored' in meta:
            meta['mirrored'] = bool(meta['mirrored'])
        data_sample.set_metainfo(meta)
        return dict(inputs=image_to_tensor(results['img']), data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys}, extra_instance_keys={self.extra_instance_keys})'
