# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Small, fast configs (ResNet-18, 64x64 input), one builder per use:

- :func:`small_config`: an in-memory model config for API / demo tests, built from the contract's names;
- :func:`write_tiny_config` (with :func:`write_tiny_data`): a config file inheriting a paper experiment, for
  end-to-end tool tests (train, resume, torchrun, test) on tiny original-format datasets.
"""
import copy
from pathlib import Path
from typing import Dict

#: The repository holding ``configs/`` (the tiny config files inherit from there).
REPO = Path(__file__).resolve().parents[2]

INPUT_SIZE = (64, 64)

SMALL_CONFIG = dict(
    default_scope='mmpose',
    model=dict(
        type='Hand3DEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=18, init_cfg=None),
        head=dict(type='Hand25DHead', in_channels=512, input_size=INPUT_SIZE,
                  readout=dict(type='RegressionReadout2p5D'), zroot_refiner=dict(type='ZRootRefiner'),
                  default_ref_bone_length=40.0),
        test_cfg=dict(flip_test=False)),
    test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='LoadImage'),
        dict(type='HandCropAffine', input_size=INPUT_SIZE, padding=1.4),
        dict(type='PackHand3DInputs'),
    ])),
)


def small_config() -> dict:
    """A fresh copy of :data:`SMALL_CONFIG`."""
    return copy.deepcopy(SMALL_CONFIG)


def write_tiny_data(root: Path, num: int = 8) -> Dict[str, Path]:
    """RHD (3D) and FreiHAND (2D + 3D for eval) fixtures in their original on-disk formats."""
    from .dataset_fixtures import write_synthetic_freihand, write_synthetic_rhd
    rhd, fh = root / 'rhd', root / 'freihand'
    write_synthetic_rhd(rhd, split='training', num_samples=num, seed=1, image_size=160)
    write_synthetic_freihand(fh, num_unique=num, num_versions=1, seed=2, image_size=128)
    return dict(rhd=rhd, freihand=fh)


_PIPELINES = f"""
input_size = {INPUT_SIZE}
_pipeline = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size=input_size, padding=1.4),
    dict(type='PackHand3DInputs'),
]
"""


def write_tiny_config(path: Path, data: Dict[str, Path], mixed: bool = True, max_epochs: int = 2,
                      extra: str = '') -> Path:
    """A config inheriting the flagship (``mixed``) or the RHD-only experiment with a ResNet-18 at 64 px.

    No augmentation, so that two runs over the same data are bit-identical on the CPU.
    """
    base = 'rhd3d_fh2d.py' if mixed else 'rhd3d.py'
    rhd = dict(type='Rhd3DDataset', data_root=str(data['rhd']), split='training', hand='auto', supervision='3d')
    fh2d = dict(type='FreiHand3DDataset', data_root=str(data['freihand']), split='all', versions=(0, ),
                supervision='2d')
    fh_val = dict(type='FreiHand3DDataset', data_root=str(data['freihand']), split='all', versions=(0, ),
                  supervision='3d', test_mode=True)
    if mixed:
        train_dataset = f"""dict(type='CombinedDataset', _delete_=True,
        metainfo=dict(from_file='{REPO}/configs/_base_/datasets/hand21_metainfo.py'),
        datasets=[dict(**{rhd!r}, pipeline=[]), dict(**{fh2d!r}, pipeline=[])], pipeline=_pipeline)"""
        sampler = "dict(type='MultiSourceSampler', batch_size=4, source_ratio=[1, 1], shuffle=True)"
    else:
        train_dataset = f'dict(_delete_=True, **{rhd!r}, pipeline=_pipeline)'
        sampler = "dict(type='DefaultSampler', shuffle=True)"
    text = f"""_base_ = ['{REPO}/configs/bmc/{base}']
{_PIPELINES}
model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(in_channels=512, input_size=input_size))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(_delete_=True, **{sampler}), dataset={train_dataset})
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, **{fh_val!r}, pipeline=_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={max_epochs}, val_interval=1)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
{extra}
"""
    if mixed:
        text += "model['head']['loss_bmc'] = dict(type='BMCLoss', limits='literature')\n"
    path.write_text(text)
    return path

