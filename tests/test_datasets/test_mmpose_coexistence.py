# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Importing bmc_mmpose leaves MMPose, MMEngine and torch as they were: MMPose's own FreiHAND 2D and RHD 2D
configs still build MMPose's classes with ``custom_imports=['bmc_mmpose']``, and no registry entry, checkpoint
loader or torch serialization setting is replaced."""
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

REPO = Path(__file__).resolve().parents[2]

_SNAPSHOT = r'''
import json, sys
import torch
import mmpose.datasets, mmpose.models, mmpose.evaluation, mmpose.visualization, mmpose.engine  # noqa
import mmengine.registry as root_registry
import mmpose.registry as pose_registry
from mmengine.registry import Registry
from mmengine.runner.checkpoint import CheckpointLoader

def snapshot():
    entries = {}
    for module in (root_registry, pose_registry):
        for attr, reg in vars(module).items():
            if isinstance(reg, Registry):
                for name, obj in reg.module_dict.items():
                    entries[f'{module.__name__}.{attr}:{name}'] = f'{obj.__module__}.{obj.__qualname__}'
    schemes = {k: f'{v.__module__}.{v.__qualname__}' for k, v in CheckpointLoader._schemes.items()}
    return dict(entries=entries, schemes=schemes, safe_globals=sorted(map(str, torch.serialization.get_safe_globals())),
                torch_load=f'{torch.load.__module__}.{torch.load.__qualname__}')

before = snapshot()
import bmc_mmpose  # noqa
after = snapshot()
print(json.dumps(dict(before=before, after=after)))
'''


def test_import_replaces_nothing():
    proc = subprocess.run([sys.executable, '-c', _SNAPSHOT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = result['before'], result['after']
    replaced = {k: (v, after['entries'].get(k)) for k, v in before['entries'].items() if after['entries'].get(k) != v}
    assert not replaced, replaced
    assert after['schemes'] == before['schemes']
    assert after['safe_globals'] == before['safe_globals']
    assert after['torch_load'] == before['torch_load']
    added = sorted(k for k in after['entries'] if k not in before['entries'])
    assert 'mmpose.registry.DATASETS:FreiHand3DDataset' in added and 'mmpose.registry.MODELS:BMCLoss' in added
    # our names do not shadow MMEngine's root registries either (MMPose's registries are their children)
    shadowing = [k for k in added if k.replace('mmpose.registry.', 'mmengine.registry.') in before['entries']]
    assert not shadowing, shadowing


def _stock_config(pattern: str) -> Path:
    import mmpose
    root = Path(mmpose.__file__).parent / '.mim' / 'configs' / 'hand_2d_keypoint' / 'topdown_heatmap'
    found = sorted(root.glob(pattern))
    if not found:
        pytest.fail(f'MMPose stock config {pattern} not found under {root}; the installed mmpose 1.3.2 ships it')
    return found[0]


def _write_coco_hand(root: Path, size: int) -> None:
    """One hand image and a COCO-style annotation file as MMPose's hand datasets read them."""
    rng = np.random.RandomState(0)
    (root / 'images').mkdir(parents=True)
    cv2.imwrite(str(root / 'images' / '00000000.jpg'), rng.randint(0, 255, (size, size, 3), np.uint8))
    kpts = np.concatenate([rng.uniform(0.3 * size, 0.7 * size, (21, 2)), np.full((21, 1), 2.0)], 1)
    x1, y1 = kpts[:, :2].min(0)
    x2, y2 = kpts[:, :2].max(0)
    ann = dict(
        images=[dict(id=0, file_name='00000000.jpg', width=size, height=size)],
        annotations=[dict(id=0, image_id=0, category_id=1, iscrowd=0, num_keypoints=21,
                          bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                          area=float((x2 - x1) * (y2 - y1)), segmentation=[], keypoints=kpts.reshape(-1).tolist())],
        categories=[dict(id=1, name='hand', supercategory='hand', keypoints=[str(i) for i in range(21)],
                         skeleton=[])])
    (root / 'ann.json').write_text(json.dumps(ann))


@pytest.mark.parametrize('pattern,class_name,size', [
    ('freihand2d/td-hm_res50_8xb64-100e_freihand2d-224x224.py', 'FreiHandDataset', 224),
    ('rhd2d/td-hm_res50_8xb64-210e_rhd2d-256x256.py', 'Rhd2DDataset', 320),
])
def test_stock_mmpose_hand_configs_build_mmpose_classes(tmp_path, pattern, class_name, size):
    import mmpose.datasets.datasets.hand as mmpose_hand
    from mmpose.registry import DATASETS, MODELS
    cfg = Config.fromfile(str(_stock_config(pattern)))
    cfg.custom_imports = dict(imports=['bmc_mmpose'], allow_failed_imports=False)  # what a BMCLoss user adds
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    _write_coco_hand(tmp_path, size)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(data_root=str(tmp_path), ann_file='ann.json', data_prefix=dict(img='images/'))
    dataset = DATASETS.build(dataset_cfg)
    assert type(dataset) is getattr(mmpose_hand, class_name)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape[1:]) == tuple(cfg.codec.input_size[::-1])
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'TopdownPoseEstimator'
