# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A "metric" that writes the FreiHAND or HO-3D CodaLab submission file from the test predictions."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

from ..submission import FREIHAND_NUM_EVAL, SUBMISSION_KINDS, write_freihand_submission, write_ho3d_submission
from ._common import get_field, to_numpy


@METRICS.register_module()
class SubmissionWriter(BaseMetric):
    """Collect ``pred_instances.keypoints_3d`` (mm, camera frame) and write ``pred.json`` + ``pred.zip``.

    Enabled by ``tools/test.py --dump-submission freihand|ho3d`` through
    :func:`bmc_mmpose.evaluation.submission.add_submission_writer`. Needs no ground truth.

    Order: the server expects evaluation-index order (FreiHAND) or ``evaluation.txt`` order (HO-3D). When every
    sample carries ``sample_idx`` (mmengine's dataset index) the entries are sorted by it; otherwise the order
    in which mmengine collects the results is kept, which is the dataset order for the (unshuffled) test
    dataloader. Samples flagged ``mirrored`` (left hands mirrored by the dataset) are mirrored back.

    The model predicts no mesh: 778 placeholder vertices are written; the server's mesh scores are meaningless.

    Args:
        kind (str): ``'freihand'`` or ``'ho3d'``.
        out_file (str): ``.zip`` or ``.json`` path; both files are written with the same stem.
        placeholder (str): ``'root'`` or ``'zeros'`` placeholder vertices.
        expected_len (int, optional): FreiHAND only: raise if the number of samples differs. Default None: a
            mismatch with the official 3960 is only logged (so subsets can be written for local evaluation).
        version (str, optional): HO-3D only: ``'v2'``/``'v3'`` to enforce the official length.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): default ``'submission'``.
    """
    default_prefix: Optional[str] = 'submission'

    def __init__(self,
                 kind: str,
                 out_file: str,
                 placeholder: str = 'root',
                 expected_len: Optional[int] = None,
                 version: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if kind not in SUBMISSION_KINDS:
            raise ValueError(f'SubmissionWriter: `kind` must be one of {SUBMISSION_KINDS}, got {kind!r}')
        self.kind = kind
        self.out_file = out_file
        self.placeholder = placeholder
        self.expected_len = expected_len
        self.version = version

    def process(self, data_batch: Optional[dict], data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = get_field(sample, 'pred_instances', 'data_sample')
            joints = to_numpy(get_field(pred, 'keypoints_3d', 'pred_instances'), 'pred_instances.keypoints_3d')
            self.results.append(
                dict(joints_mm=joints.reshape(21, 3), sample_idx=sample.get('sample_idx', None),
                     mirrored=bool(sample.get('mirrored', False))))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            return {}
        if all(r['sample_idx'] is not None for r in results):
            results = sorted(results, key=lambda r: int(r['sample_idx']))
        joints = np.stack([r['joints_mm'] for r in results])
        mirrored = np.array([r['mirrored'] for r in results], dtype=bool)
        if self.kind == 'freihand':
            if self.expected_len is None and len(joints) != FREIHAND_NUM_EVAL:
                print_log(f'SubmissionWriter: writing {len(joints)} FreiHAND entries; the server expects '
                          f'{FREIHAND_NUM_EVAL} (fine for local evaluation of a subset)', logger='current')
            json_path, zip_path = write_freihand_submission(joints, self.out_file, mirrored, self.placeholder,
                                                            expected_len=self.expected_len)
        else:
            json_path, zip_path = write_ho3d_submission(joints, self.out_file, mirrored, self.version,
                                                        self.placeholder)
        print_log(f'SubmissionWriter: wrote {self.kind} submission {zip_path or json_path} ({len(joints)} entries; '
                  f'placeholder mesh, mesh scores are meaningless)', logger='current')
        return dict(num_samples=float(len(joints)))
