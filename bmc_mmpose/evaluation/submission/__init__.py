# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CodaLab submission files for FreiHAND and HO-3D, their readers, and the config helper used by tools/test.py."""
from typing import Any, Optional

from ._io import NUM_MANO_VERTS, placeholder_vertices, read_pred_json, write_pred_json
from .freihand import (FREIHAND_NUM_EVAL, freihand_joints_from_ours, read_freihand_submission,
                       write_freihand_submission)
from .ho3d import HO3D_NUM_EVAL, ho3d_joints_from_ours, read_ho3d_submission, write_ho3d_submission

SUBMISSION_KINDS = ('freihand', 'ho3d')


def add_submission_writer(cfg: Any, kind: str, out_file: str, **writer_kwargs) -> Any:
    """Append a ``SubmissionWriter`` metric to ``cfg.test_evaluator`` (in place; also returned).

    ``test_evaluator`` may be a single metric dict, a list of them, or an ``Evaluator`` dict with ``metrics``;
    the writer is appended in each case. The writer needs no ground truth, so it also works on the unlabelled
    FreiHAND/HO-3D evaluation splits.

    Args:
        cfg (Config | dict): the loaded config.
        kind (str): ``'freihand'`` or ``'ho3d'``.
        out_file (str): ``.zip`` or ``.json`` path of the submission (json and zip are both written).
        **writer_kwargs: extra ``SubmissionWriter`` arguments (``placeholder``, ``expected_len``, ``version``).

    Returns:
        the same ``cfg``.
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(f'add_submission_writer: `kind` must be one of {SUBMISSION_KINDS}, got {kind!r}')
    writer = dict(type='SubmissionWriter', kind=kind, out_file=out_file, **writer_kwargs)
    evaluator: Optional[Any] = cfg.get('test_evaluator', None)
    if evaluator is None:
        cfg['test_evaluator'] = [writer]
    elif isinstance(evaluator, (list, tuple)):
        cfg['test_evaluator'] = list(evaluator) + [writer]
    elif isinstance(evaluator, dict) and 'metrics' in evaluator:
        metrics = evaluator['metrics']
        metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        evaluator['metrics'] = metrics + [writer]
    elif isinstance(evaluator, dict):
        cfg['test_evaluator'] = [evaluator, writer]
    else:
        raise TypeError(f'add_submission_writer: `test_evaluator` must be a dict or list, got {type(evaluator)}')
    return cfg


__all__ = [
    'NUM_MANO_VERTS', 'placeholder_vertices', 'read_pred_json', 'write_pred_json', 'FREIHAND_NUM_EVAL',
    'freihand_joints_from_ours', 'read_freihand_submission', 'write_freihand_submission', 'HO3D_NUM_EVAL',
    'ho3d_joints_from_ours', 'read_ho3d_submission', 'write_ho3d_submission', 'SUBMISSION_KINDS',
    'add_submission_writer'
]
