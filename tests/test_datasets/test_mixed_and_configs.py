# Copyright (c) bmc_mmpose authors. All rights reserved.
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from bmc_mmpose.datasets import HAND21_DATASET_INFO
from bmc_mmpose.testing import dataset_fixtures as fx

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'


def _small_loader(cfg_loader, batch_size, source_ratio=None):
    cfg_loader = cfg_loader.copy()
    cfg_loader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    if source_ratio is not None:
        cfg_loader.sampler.update(batch_size=batch_size, source_ratio=source_ratio, seed=0)
    return Runner.build_dataloader(cfg_loader.to_dict() if hasattr(cfg_loader, 'to_dict') else cfg_loader)


@pytest.mark.parametrize('ratio,expected', [([1, 1], (4, 4)), ([3, 1], (6, 2))])
def test_rhd3d_fh2d_batches_follow_the_ratio(tmp_path, ratio, expected):
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=5, seed=10)
    fx.write_synthetic_freihand(tmp_path / 'fh', num_unique=6, num_versions=2, seed=11)
    cfg = Config.fromfile(str(CONFIG_DIR / 'rhd3d_fh2d.py'))
    datasets = cfg.train_dataloader.dataset.datasets
    datasets[0].data_root = str(tmp_path / 'rhd')
    datasets[1].data_root = str(tmp_path / 'fh')
    datasets[1].versions = (0, 1)
    datasets[1].num_val = 0
    loader = _small_loader(cfg.train_dataloader, 8, ratio)
    for batch_idx, batch in enumerate(loader):
        names = Counter(s.dataset_name for s in batch['data_samples'])
        assert (names['rhd'], names['freihand']) == expected
        assert len(batch['inputs']) == 8 and batch['inputs'][0].shape == (3, 128, 128)
        for sample in batch['data_samples']:
            has_3d = sample.gt_instance_labels.has_3d.item()
            # RHD is 3D-supervised; FreiHAND is 2D-only but keeps its 3D ground truth for evaluation.
            assert has_3d == (1. if sample.dataset_name == 'rhd' else 0.)
            assert sample.gt_instances.has_3d_eval[0] == 1
        if batch_idx == 2:
            break


def test_three_source_config(tmp_path):
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=3, seed=12)
    fx.write_synthetic_freihand(tmp_path / 'fh', num_unique=3, num_versions=1, seed=13)
    fx.write_synthetic_ho3d(tmp_path / 'ho', 'train', num_frames=4, none_frames=(0, ), seed=14)
    cfg = Config.fromfile(str(CONFIG_DIR / 'rhd3d_fh2d_ho3d2d.py'))
    datasets = cfg.train_dataloader.dataset.datasets
    for ds_cfg, root in zip(datasets, ('rhd', 'fh', 'ho')):
        ds_cfg.data_root = str(tmp_path / root)
    datasets[1].versions = (0, )
    batch = next(iter(_small_loader(cfg.train_dataloader, 8, [2, 1, 1])))
    names = Counter(s.dataset_name for s in batch['data_samples'])
    assert (names['rhd'], names['freihand'], names['ho3d']) == (4, 2, 2)
    assert sum(s.gt_instance_labels.has_3d.item() for s in batch['data_samples']) == 4


@pytest.mark.parametrize('name', ['rhd', 'freihand', 'ho3d', 'rhd3d_fh2d', 'rhd3d_fh2d_ho3d2d'])
def test_dataset_configs(name):
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    assert 'data_root' in cfg and cfg.input_size == (128, 128)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert key in cfg
    crop = [t for t in cfg.train_pipeline if t['type'] == 'HandCropAffine'][0]
    assert tuple(crop['input_size']) == (128, 128)
    assert not any('Flip' in t['type'] for t in cfg.train_pipeline)


def test_metainfo_file_matches_package():
    cfg = Config.fromfile(str(CONFIG_DIR / 'hand21_metainfo.py'))
    from_file = parse_pose_metainfo(dict(from_file=str(CONFIG_DIR / 'hand21_metainfo.py')))
    from_package = parse_pose_metainfo(dict(HAND21_DATASET_INFO))
    assert cfg.dataset_info['dataset_name'] == 'hand21'
    for key in ('num_keypoints', 'keypoint_id2name', 'skeleton_links', 'flip_indices'):
        assert from_file[key] == from_package[key], key
    for key in ('keypoint_colors', 'skeleton_link_colors', 'dataset_keypoint_weights', 'sigmas'):
        np.testing.assert_array_equal(from_file[key], from_package[key])
    assert from_file['flip_indices'] == list(range(21))
