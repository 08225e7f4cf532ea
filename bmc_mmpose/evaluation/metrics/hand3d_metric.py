# Copyright (c) bmc_mmpose authors. All rights reserved.
"""3D hand pose metric: EPE, PCK/AUC (FreiHAND and D+O protocols), Procrustes, and the paper's Tab. 2 split."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

from ..functional import (DO_THRESHOLDS_MM, FREIHAND_THRESHOLDS_MM, epe_summary, error_decomposition, errors_3d,
                          pck_auc)
from ._common import dump_json, get_field, resolve_out_dir, to_numpy

#: 2D PCK thresholds in original-image pixels (0-30 px, 20 values, as Zimmermann & Brox's 2D evaluation).
THRESHOLDS_2D_PX = np.linspace(0.0, 30.0, 20)
ALIGNMENTS = ('rel', 'aligned', 'abs')


@METRICS.register_module()
class Hand3DMetric(BaseMetric):
    """3D hand pose metric in millimetres, following the FreiHAND evaluator and the BMC paper.

    Reads, per data sample (``docs/architecture.md``): ``pred_instances.keypoints`` (1, 21, 2) original-image px and
    ``pred_instances.keypoints_3d`` (1, 21, 3) mm camera frame; ``gt_instances.keypoints`` (1, 21, 2),
    ``keypoints_visible`` (1, 21), ``keypoints_3d`` (1, 21, 3) mm and ``has_3d_eval`` (1,). The ground truth
    3D is in the camera frame of the crop; at val/test time the crop has no rotation augmentation, so that is
    the original camera frame the prediction lives in.

    Which samples are scored:

    * ``has_3d_eval`` = 1: every metric (all 21 joints, as the official evaluators);
    * only 2D labels (``has_3d_eval`` = 0, some ``keypoints_visible`` > 0): only the 2D metrics;
    * no label at all: predicted and written to the predictions file, not scored.

    Reported (keys ``<prefix>/<name>``, mm unless noted; a key is left out when no sample supports it):

    * ``EPE_{rel,aligned,abs}_{mean,median}``: root-relative, Procrustes-aligned (similarity, fitted on valid
      joints), unaligned absolute; per keypoint then averaged, like the official evaluator;
    * ``AUC_{rel,aligned,abs}``: PCK AUC over 0-50 mm, 100 thresholds (FreiHAND protocol, paper Tab. 3-7);
    * ``AUC_{rel,aligned,abs}_20_50``: PCK AUC over 20-50 mm, 20 thresholds (D+O protocol, paper Tab. 8);
    * ``Tab2_2d_px``, ``Tab2_z_mm``, ``Tab2_3d_mm``: paper Tab. 2 (2D error in original-image px over labelled
      joints; root-relative depth error; root-relative 3D error) and ``Tab2_z_abs_mm`` (absolute depth error);
    * ``EPE_2d_px``, ``AUC_2d``: 2D error and 2D PCK AUC over 0-30 px on every 2D-labelled sample;
    * ``num_3d``, ``num_2d_only``, ``num_unlabelled``: sample counts.

    Each evaluation writes ``<prefix>_metrics.json`` (all numbers, pooled and per-keypoint values, the curves,
    and a per-dataset breakdown when several datasets are evaluated together), ``<prefix>_pck.png`` (the PCK
    curves) and, if ``write_predictions``, ``<prefix>_predictions.json`` (every sample, labelled or not) into
    ``out_dir``; the files of the latest evaluation replace those of the previous one.

    Args:
        out_dir (str, optional): where to write; None = the Runner's work dir (found through the Runner's log
            file), or nothing is written (with a log line) when there is no Runner.
        write_predictions (bool): also write the per-sample predictions. Default True.
        allow_reflection (bool): let the Procrustes fit mirror (the servers' ``align_w_scale`` does). Default
            False.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): metric name prefix. Default ``'hand3d'``.
    """
    default_prefix: Optional[str] = 'hand3d'

    def __init__(self,
                 out_dir: Optional[str] = None,
                 write_predictions: bool = True,
                 allow_reflection: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir
        self.write_predictions = write_predictions
        self.allow_reflection = allow_reflection

    def process(self, data_batch: Optional[dict], data_samples: Sequence[dict]) -> None:
        """Store what the metric needs from each data sample (numpy, one hand per sample)."""
        for sample in data_samples:
            pred = get_field(sample, 'pred_instances', 'data_sample')
            gt = sample.get('gt_instances', None) or {}
            pred_2d = to_numpy(get_field(pred, 'keypoints', 'pred_instances'), 'pred_instances.keypoints')
            pred_3d = to_numpy(get_field(pred, 'keypoints_3d', 'pred_instances'), 'pred_instances.keypoints_3d')
            if pred_2d.shape[-2:] != (21, 2) or pred_3d.shape[-2:] != (21, 3):
                raise ValueError(f'Hand3DMetric: expected pred keypoints (1, 21, 2) and keypoints_3d (1, 21, 3), got '
                                 f'{pred_2d.shape} and {pred_3d.shape}')
            visible = to_numpy(gt.get('keypoints_visible', np.zeros((1, 21))), 'gt_instances.keypoints_visible')
            has_3d_eval = bool(to_numpy(gt.get('has_3d_eval', np.zeros(1)), 'gt_instances.has_3d_eval').reshape(-1)[0])
            gt_2d = to_numpy(gt.get('keypoints', np.zeros((1, 21, 2))), 'gt_instances.keypoints')
            gt_3d = to_numpy(gt.get('keypoints_3d', np.zeros((1, 21, 3))), 'gt_instances.keypoints_3d')
            self.results.append(
                dict(
                    pred_2d=pred_2d.reshape(21, 2),
                    pred_3d=pred_3d.reshape(21, 3),
                    gt_2d=gt_2d.reshape(21, 2),
                    gt_3d=gt_3d.reshape(21, 3),
                    visible=visible.reshape(21) > 0,
                    has_3d_eval=has_3d_eval,
                    dataset_name=str(sample.get('dataset_name', 'unknown')),
                    img_path=str(sample.get('img_path', '')),
                    sample_idx=int(sample.get('sample_idx', sample.get('img_id', -1))),
                    mirrored=bool(sample.get('mirrored', False))))

    def _summarise(self, results: List[dict]) -> Dict:
        """All numbers for one set of stored samples (keys without prefix) plus curves for the JSON/PNG."""
        has_3d = np.array([r['has_3d_eval'] for r in results], dtype=bool)
        visible = np.stack([r['visible'] for r in results])
        has_2d = visible.any(axis=1)
        out = dict(num_3d=int(has_3d.sum()), num_2d_only=int((has_2d & ~has_3d).sum()),
                   num_unlabelled=int((~has_2d & ~has_3d).sum()))
        details: Dict = dict(curves={})

        if has_2d.any():
            pred_2d = np.stack([r['pred_2d'] for r in results])[has_2d]
            gt_2d = np.stack([r['gt_2d'] for r in results])[has_2d]
            err_2d = np.linalg.norm(pred_2d - gt_2d, axis=-1)
            summary = epe_summary(err_2d, visible[has_2d])
            pck_2d = pck_auc(err_2d, visible[has_2d], THRESHOLDS_2D_PX)
            out['EPE_2d_px'] = summary['mean_pooled']
            out['AUC_2d'] = pck_2d['auc']
            details['epe_2d_px'] = summary
            details['curves']['2d_px'] = pck_2d

        if has_3d.any():
            pred_3d = np.stack([r['pred_3d'] for r in results])[has_3d]
            gt_3d = np.stack([r['gt_3d'] for r in results])[has_3d]
            mask_3d = np.ones(gt_3d.shape[:2], dtype=bool)
            errs = errors_3d(pred_3d, gt_3d, mask_3d, allow_reflection=self.allow_reflection)
            for name in ALIGNMENTS:
                mask = errs['mask_rel'] if name == 'rel' else mask_3d
                summary = epe_summary(errs[name], mask)
                curve = pck_auc(errs[name], mask, FREIHAND_THRESHOLDS_MM)
                curve_do = pck_auc(errs[name], mask, DO_THRESHOLDS_MM)
                out[f'EPE_{name}_mean'] = summary['mean']
                out[f'EPE_{name}_median'] = summary['median']
                out[f'AUC_{name}'] = curve['auc']
                out[f'AUC_{name}_20_50'] = curve_do['auc']
                details[f'epe_{name}_mm'] = summary
                details['curves'][name] = curve
                details['curves'][f'{name}_20_50'] = curve_do

            pred_2d_all = np.stack([r['pred_2d'] for r in results])[has_3d]
            gt_2d_all = np.stack([r['gt_2d'] for r in results])[has_3d]
            decomp = error_decomposition(pred_2d_all, gt_2d_all, pred_3d, gt_3d, visible[has_3d], mask_3d)
            if visible[has_3d].any():
                out['Tab2_2d_px'] = decomp['mean_2d_px']
            out['Tab2_z_mm'] = decomp['mean_z_rel_mm']
            out['Tab2_z_abs_mm'] = decomp['mean_z_abs_mm']
            out['Tab2_3d_mm'] = decomp['mean_3d_rel_mm']
        # Drop NaN entries instead of logging them (e.g. a statistic without a single valid joint).
        out = {k: v for k, v in out.items() if not (isinstance(v, float) and not np.isfinite(v))}
        return dict(metrics=out, details=details)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics (keys without prefix) and write the JSON/PNG/predictions files."""
        if not results:
            return {}
        summary = self._summarise(results)
        metrics = {k: float(v) for k, v in summary['metrics'].items()}
        names = sorted({r['dataset_name'] for r in results})
        per_dataset = {}
        if len(names) > 1:
            for name in names:
                subset = [r for r in results if r['dataset_name'] == name]
                per_dataset[name] = self._summarise(subset)['metrics']

        out_dir = resolve_out_dir(self.out_dir, 'Hand3DMetric')
        if out_dir is not None:
            stem = osp.join(out_dir, self.prefix or 'hand3d')
            report = dict(metrics=metrics, per_dataset=per_dataset, details=summary['details'],
                          notes=dict(units='mm; 2D in original-image px',
                                     auc='trapezoid over thresholds / (t_max - t_min), per keypoint then averaged',
                                     thresholds_0_50='np.linspace(0, 50, 100) mm',
                                     thresholds_20_50='np.linspace(20, 50, 20) mm',
                                     procrustes='similarity, fitted on valid joints, proper rotations only'
                                     if not self.allow_reflection else 'similarity, reflections allowed'))
            dump_json(report, stem + '_metrics.json')
            self._plot_curves(summary['details']['curves'], stem + '_pck.png')
            if self.write_predictions:
                dump_json([dict(img_path=r['img_path'], sample_idx=r['sample_idx'], dataset_name=r['dataset_name'],
                                mirrored=r['mirrored'], has_3d_eval=r['has_3d_eval'],
                                labelled_2d=bool(r['visible'].any()), keypoints_px=r['pred_2d'],
                                keypoints_3d_mm=r['pred_3d']) for r in results], stem + '_predictions.json')
            print_log(f'Hand3DMetric: wrote {stem}_metrics.json and {stem}_pck.png', logger='current')
        return metrics

    @staticmethod
    def _plot_curves(curves: Dict, path: str) -> None:
        """Save the 0-50 mm 3D PCK curves (and the 2D curve, if any) as one PNG."""
        import matplotlib
        matplotlib.use('Agg', force=False)
        from matplotlib.figure import Figure
        has_2d = '2d_px' in curves
        fig = Figure(figsize=(10 if has_2d else 5.5, 4.5), dpi=100)
        ax = fig.add_subplot(1, 2 if has_2d else 1, 1)
        labels = dict(rel='root-relative', aligned='Procrustes-aligned', abs='unaligned (absolute)')
        for name in ALIGNMENTS:
            if name in curves:
                c = curves[name]
                ax.plot(c['thresholds'], c['curve'], label=f'{labels[name]} (AUC {c["auc"]:.3f})')
        ax.set_xlabel('threshold (mm)')
        ax.set_ylabel('PCK')
        ax.set_xlim(0, 50)
        ax.set_ylim(0, 1.01)
        ax.grid(alpha=0.3)
        ax.set_title('3D PCK (0-50 mm, 100 thresholds)')
        if any(n in curves for n in ALIGNMENTS):
            ax.legend(loc='lower right', fontsize=8)
        else:
            ax.text(25, 0.5, 'no sample with 3D ground truth', ha='center')
        if has_2d:
            ax2 = fig.add_subplot(1, 2, 2)
            c = curves['2d_px']
            ax2.plot(c['thresholds'], c['curve'], color='k', label=f'2D (AUC {c["auc"]:.3f})')
            ax2.set_xlabel('threshold (px, original image)')
            ax2.set_ylabel('PCK')
            ax2.set_ylim(0, 1.01)
            ax2.grid(alpha=0.3)
            ax2.legend(loc='lower right', fontsize=8)
            ax2.set_title('2D PCK (0-30 px)')
        fig.tight_layout()
        fig.savefig(path)
