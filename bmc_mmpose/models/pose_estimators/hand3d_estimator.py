# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import InstanceList, OptConfigType, PixelDataList, SampleList
from torch import Tensor


def _homogeneous(mats: np.ndarray) -> np.ndarray:
    """(B, 2, 3) affine maps -> (B, 3, 3) with last row [0, 0, 1]."""
    last = np.zeros_like(mats[:, :1])
    last[:, 0, 2] = 1
    return np.concatenate((mats, last), axis=1)


def crop_to_image_transforms(warp_mat: np.ndarray, cam_k_crop: np.ndarray,
                             cam_k_orig: np.ndarray) -> Dict[str, np.ndarray]:
    """Maps from the crop back to the original image, batched (float64).

    Args:
        warp_mat (np.ndarray): ``(B, 2, 3)`` original-image px -> crop px.
        cam_k_crop (np.ndarray): ``(B, 3, 3)`` crop intrinsics.
        cam_k_orig (np.ndarray): ``(B, 3, 3)`` original-image intrinsics.

    Returns:
        dict: ``warp_inv`` ``(B, 3, 3)`` crop px -> original px and ``crop_to_orig`` ``(B, 3, 3)`` crop camera
        frame -> original camera frame, ``K_orig^-1 warp^-1 K_crop`` (see :class:`Hand3DEstimator`).
    """
    warp_inv = np.linalg.inv(_homogeneous(np.asarray(warp_mat, np.float64)))
    crop_to_orig = np.linalg.inv(np.asarray(cam_k_orig, np.float64)) @ warp_inv @ np.asarray(cam_k_crop, np.float64)
    return dict(warp_inv=warp_inv, crop_to_orig=crop_to_orig)


def crop_predictions_to_image(keypoints_crop: np.ndarray, joints_3d: Sequence[np.ndarray], warp_inv: np.ndarray,
                              crop_to_orig: np.ndarray):
    """Apply :func:`crop_to_image_transforms` to batched predictions.

    Args:
        keypoints_crop (np.ndarray): ``(B, J, 2)`` crop px.
        joints_3d (Sequence[np.ndarray]): arrays ``(B, J, 3)`` in the crop camera frame (any unit).
        warp_inv (np.ndarray): ``(B, 3, 3)``.
        crop_to_orig (np.ndarray): ``(B, 3, 3)``.

    Returns:
        tuple: ``(B, J, 2)`` original-image px and the list of ``(B, J, 3)`` original-camera-frame arrays
        (float64).
    """
    keypoints = np.einsum('bij,bnj->bni', warp_inv[:, :2, :2], keypoints_crop) + warp_inv[:, None, :2, 2]
    return keypoints, [np.einsum('bij,bnj->bni', crop_to_orig, j) for j in joints_3d]



def _attach_prediction(pred, sample) -> None:
    """Store ``pred`` as the sample's ``pred_instances``, with the box of its ``gt_instances`` (what MMPose's
    metrics and visualisers read from the prediction)."""
    gt_instances = sample.get('gt_instances', None)
    if gt_instances is not None:
        for key in ('bboxes', 'bbox_scores'):
            if key in gt_instances:
                pred.set_field(gt_instances.get(key), key)
    sample.pred_instances = pred

@MODELS.register_module()
class Hand3DEstimator(TopdownPoseEstimator):
    """Top-down 3D hand estimator: backbone + :class:`Hand25DHead`, predictions in the original image's frame.

    Training and the network forward are :class:`TopdownPoseEstimator`'s. :meth:`add_pred_to_datasample` maps
    the head's crop-level predictions back to the image the annotations live in (``docs/architecture.md``):

    - 2D: ``keypoints = warp_mat^-1 (keypoints_crop)`` with the (2, 3) ``metainfo['warp_mat']`` (annotation-frame
      pixels -> crop pixels); ``keypoints_crop`` keeps the crop pixels.
    - 3D: the crop camera differs from the original one by the augmentation rotation about the optical axis,
      ``X_crop = R_z X`` with ``K_crop = H K_orig R_z^T`` (``HandCropAffine``), hence
      ``X = K_orig^-1 H^-1 K_crop X_crop``. This matrix is the identity without rotation (always at test time,
      where the crop is a pure scale + shift) and reduces to ``R_z^T`` otherwise; in all cases the result
      projects with ``K_orig`` exactly onto the mapped 2D keypoints and keeps every depth unchanged (its last
      row is [0, 0, 1]). It is applied to ``keypoints_3d_norm`` and ``keypoints_3d``.
    - Left hands mirrored by the dataset stay mirrored: ``warp_mat`` and ``cam_K_orig`` describe the (mirrored)
      annotation frame, the frame of ``gt_instances`` and of the metrics.

    ``keypoints_visible`` is set from the scores; ``bboxes`` / ``bbox_scores`` are copied from ``gt_instances``
    when present. Flip test-time augmentation is rejected (a flipped right hand is a left hand).

    Args: see :class:`mmpose.models.TopdownPoseEstimator`.
    """

    def __init__(self,
                 backbone: dict,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None,
                 metainfo: Optional[dict] = None):
        if test_cfg and test_cfg.get('flip_test', False):
            raise ValueError('Hand3DEstimator: test_cfg.flip_test=True is not supported: flipping the image turns '
                             'the right hand the model predicts into a left hand. Set flip_test=False.')
        super().__init__(backbone=backbone, neck=neck, head=head, train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg, metainfo=metainfo)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Batched prediction: backbone, head and lifting on the whole batch as tensors, one conversion to
        numpy, then the per-sample ``pred_instances`` of :meth:`add_pred_to_datasample`.

        ``test_cfg.output_joint_angles=True`` adds ``joint_angles`` (off by default: they cost a sizeable share
        of a small backbone's time and only the demo and the API ask for them); ``test_cfg.bmc_refine`` refines
        each hand's depths with L_BMC (:meth:`Hand25DHead.refine_with_bmc`).

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` preprocessed crops.
            data_samples (list[PoseDataSample]): metainfo as :meth:`add_pred_to_datasample` documents.

        Returns:
            list[PoseDataSample]: the samples with ``pred_instances``.
        """
        if getattr(self.head, 'predict_tensors', None) is None:  # a head of another kind: MMPose's path
            return super().predict(inputs, data_samples)
        self.head.check_test_cfg(self.test_cfg)
        return self.predict_from_features(self.extract_feat(inputs), data_samples)

    def predict_from_features(self, feats: Tuple[Tensor, ...], data_samples: SampleList) -> SampleList:
        """Everything :meth:`predict` does after the backbone (and neck): head, lifting, mapping, numpy."""
        K, ref = self.head.batch_camera_inputs(data_samples)
        outputs = self.head.predict_tensors(feats, torch.from_numpy(K), torch.from_numpy(ref),
                                            with_joint_angles=bool(self.test_cfg.get('output_joint_angles', False)),
                                            bmc_refine=self.test_cfg.get('bmc_refine'))
        return self._add_batched_pred(self.head.outputs_to_numpy(outputs), data_samples)

    @staticmethod
    def _crop_to_image_maps(data_samples: SampleList) -> Dict[str, np.ndarray]:
        """:func:`crop_to_image_transforms` of the samples' metainfo (identity where ``warp_mat`` is absent)."""
        metas = [d.metainfo for d in data_samples]
        has_warp = ['warp_mat' in m for m in metas]
        for i, m in enumerate(metas):
            if has_warp[i] and ('cam_K' not in m or 'cam_K_orig' not in m):
                raise KeyError(f'Hand3DEstimator: sample {i} ({m.get("img_path")}) has "warp_mat" but lacks '
                               '"cam_K" / "cam_K_orig" in its metainfo; expected PackHand3DInputs after '
                               'HandCropAffine')
        eye = np.eye(3)
        warp = np.stack([np.asarray(m['warp_mat'], np.float64).reshape(2, 3) if has_warp[i] else eye[:2]
                         for i, m in enumerate(metas)])
        k_crop = np.stack([np.asarray(m['cam_K'], np.float64).reshape(3, 3) if has_warp[i] else eye
                           for i, m in enumerate(metas)])
        k_orig = np.stack([np.asarray(m['cam_K_orig'], np.float64).reshape(3, 3) if has_warp[i] else eye
                           for i, m in enumerate(metas)])
        return crop_to_image_transforms(warp, k_crop, k_orig)

    def _add_batched_pred(self, arrays: Dict[str, np.ndarray], data_samples: SampleList) -> SampleList:
        maps = self._crop_to_image_maps(data_samples)
        keypoints, (joints_norm, joints_mm) = crop_predictions_to_image(
            arrays['keypoints_crop'], (arrays['keypoints_3d_norm'], arrays['keypoints_3d']), maps['warp_inv'],
            maps['crop_to_orig'])
        arrays = dict(arrays, keypoints=keypoints.astype(np.float32), keypoints_3d_norm=joints_norm.astype(np.float32),
                      keypoints_3d=joints_mm.astype(np.float32), keypoints_visible=arrays['keypoint_scores'])
        for pred, sample in zip(self.head.split_outputs(arrays), data_samples):
            _attach_prediction(pred, sample)
        return data_samples

    def add_pred_to_datasample(self, batch_pred_instances: InstanceList, batch_pred_fields: Optional[PixelDataList],
                               batch_data_samples: SampleList) -> SampleList:
        """Map crop-level predictions to the original image and camera and store them in ``pred_instances``.

        Args:
            batch_pred_instances (list[InstanceData]): head outputs, crop frame (see :meth:`Hand25DHead.predict`).
            batch_pred_fields (list[PixelData], optional): unused (no pixel outputs); kept for the signature.
            batch_data_samples (list[PoseDataSample]): with ``metainfo`` ``warp_mat`` (2, 3), ``cam_K`` (3, 3)
                crop K and ``cam_K_orig`` (3, 3); without ``warp_mat`` the crop is taken to be the image.

        Returns:
            list[PoseDataSample]: the samples with ``pred_instances`` per the contract.
        """
        if len(batch_pred_instances) != len(batch_data_samples):
            raise ValueError(f'Hand3DEstimator: {len(batch_pred_instances)} predictions for '
                             f'{len(batch_data_samples)} samples')
        maps = self._crop_to_image_maps(batch_data_samples)
        keypoints_crop = np.concatenate([p.keypoints_crop for p in batch_pred_instances]).astype(np.float64)
        keypoints, joints = crop_predictions_to_image(
            keypoints_crop, [np.concatenate([getattr(p, key) for p in batch_pred_instances]).astype(np.float64)
                             for key in ('keypoints_3d_norm', 'keypoints_3d')], maps['warp_inv'],
            maps['crop_to_orig'])
        rotated = dict(keypoints_3d_norm=joints[0], keypoints_3d=joints[1])
        for i, (pred, sample) in enumerate(zip(batch_pred_instances, batch_data_samples)):
            pred.keypoints = keypoints[i:i + 1].astype(np.float32)
            for key, value in rotated.items():
                pred.set_field(value[i:i + 1].astype(np.float32), key)
            if 'keypoints_visible' not in pred:
                pred.keypoints_visible = pred.keypoint_scores
            _attach_prediction(pred, sample)
        return batch_data_samples
