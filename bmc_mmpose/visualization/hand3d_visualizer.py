# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A visualiser for 3D hand predictions that works with MMPose's ``PoseVisualizationHook``."""
from typing import Dict, List, Optional

import mmcv
import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer

from .hand3d_figure import draw_hand3d_figure


def _first_instance(instances, key: str) -> Optional[np.ndarray]:
    if instances is None or key not in instances:
        return None
    value = instances.get(key)
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    return value[0] if value.ndim >= 2 and value.shape[0] == 1 else value


@VISUALIZERS.register_module()
class Hand3DVisualizer(PoseLocalVisualizer):
    """2D overlay plus the 3D skeleton from the camera and from above, for ``tools/test.py --show-dir``.

    MMPose's ``Pose3dLocalVisualizer`` cannot be used with ``PoseVisualizationHook`` because the hook passes
    ``draw_heatmap=...`` (guide §2.1); this class accepts every keyword the hook and ``PoseLocalVisualizer`` pass
    (``draw_heatmap``, ``draw_bbox``, ``show_kpt_idx``, ``skeleton_style``, ``kpt_thr`` and anything else) and
    ignores those that do not apply to the figure.

    It reads ``pred_instances.keypoints`` (1, 21, 2) original-image px and ``keypoints_3d`` (1, 21, 3) mm, and,
    with ``draw_gt``, ``gt_instances.keypoints``/``keypoints_visible`` and ``keypoints_3d`` when ``has_3d_eval``.
    The hook always passes ``draw_gt=False``; set ``always_draw_gt=True`` to show the ground truth anyway.
    Samples flagged ``mirrored`` (left hands the dataset mirrored) are drawn on the mirrored image, the frame
    their predictions and labels live in.

    Args:
        name (str): instance name (mmengine's ManagerMixin).
        always_draw_gt (bool): draw available ground truth even when the caller passes ``draw_gt=False``.
        panel_size (float): inches per panel of the figure.
        **kwargs: :class:`PoseLocalVisualizer` arguments (``name``, ``vis_backends``, ``save_dir``, ...).
    """

    def __init__(self, name: str = 'visualizer', always_draw_gt: bool = False, panel_size: float = 3.2,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.always_draw_gt = always_draw_gt
        self.panel_size = panel_size

    def set_dataset_meta(self, dataset_meta: Optional[Dict], skeleton_style: str = 'mmpose') -> None:
        """Accept a missing dataset meta (the figure uses the fixed 21-joint skeleton)."""
        if dataset_meta:
            super().set_dataset_meta(dataset_meta, skeleton_style)

    def draw_figure(self, image: np.ndarray, data_sample: PoseDataSample, draw_gt: bool = True) -> np.ndarray:
        """Return the RGB figure for one data sample (``image`` RGB, original image)."""
        pred = data_sample.get('pred_instances', None)
        kpts_2d = _first_instance(pred, 'keypoints')
        kpts_3d = _first_instance(pred, 'keypoints_3d')
        if kpts_2d is None or kpts_3d is None:
            raise KeyError('Hand3DVisualizer: `pred_instances.keypoints` and `pred_instances.keypoints_3d` are '
                           'required (docs/architecture.md)')
        gt_3d = gt_2d = None
        lines: List[str] = []
        gt = data_sample.get('gt_instances', None)
        if draw_gt and gt is not None:
            has_3d = _first_instance(gt, 'has_3d_eval')
            if has_3d is not None and float(np.asarray(has_3d).reshape(-1)[0]) > 0:
                gt_3d = _first_instance(gt, 'keypoints_3d')
                err = np.linalg.norm((kpts_3d - kpts_3d[:1]) - (gt_3d - gt_3d[:1]), axis=-1).mean()
                lines.append(f'root-relative EPE {err:.1f} mm')
            visible = _first_instance(gt, 'keypoints_visible')
            if visible is not None and np.asarray(visible).reshape(-1).any():
                gt_2d = _first_instance(gt, 'keypoints')
        img_path = data_sample.get('img_path', None)
        title = str(img_path).rsplit('/', 1)[-1] if img_path else None
        if data_sample.get('mirrored', False):
            # Predictions and labels of a mirrored (left) hand live in the mirrored image frame.
            image = np.ascontiguousarray(image[:, ::-1])
            title = (title or '') + ' (mirrored left hand)'
        return draw_hand3d_figure(image, kpts_2d, kpts_3d, gt_3d=gt_3d, gt_2d=gt_2d, title=title, text_lines=lines,
                                  panel_size=self.panel_size)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: PoseDataSample,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       **kwargs) -> np.ndarray:
        """Draw one sample and show it, save it to ``out_file``, or send it to the backends (PoseLocalVisualizer
        semantics). ``image`` is RGB, as the hook reads it. Extra keywords (``draw_heatmap``, ``draw_bbox``,
        ``kpt_thr``, ...) are accepted and ignored.

        Returns:
            np.ndarray: the drawn RGB image.
        """
        drawn = self.draw_figure(image, data_sample, draw_gt=draw_gt or self.always_draw_gt)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        else:
            self.add_image(name, drawn, step)
        return self.get_image()
