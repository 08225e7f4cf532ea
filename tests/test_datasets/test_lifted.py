# Copyright (c) bmc_mmpose authors. All rights reserved.
"""bmc_mmpose.datasets.lifted (lifted-hands files as pseudo-labels) and the LoadLiftedKeypoints3D transform."""
import json

import numpy as np
import pytest
import torch

from bmc_mmpose.datasets.lifted import (LIFTED_FORMAT, bmc_residual_confidence, lifted_residuals, load_lifted,
                                        write_lifted)
from bmc_mmpose.datasets.transforms import LoadLiftedKeypoints3D


def test_residual_confidence_literal_values():
    # median 1: weights 1 / (1 + r) = 1, 1/2, 1/2, 1/4, then divided by their mean 0.5625
    w = bmc_residual_confidence(torch.tensor([0.0, 1.0, 1.0, 3.0]))
    np.testing.assert_allclose(w.numpy(), [16 / 9, 8 / 9, 8 / 9, 4 / 9], rtol=1e-6)
    # only the ratios matter
    np.testing.assert_allclose(bmc_residual_confidence(torch.tensor([0.0, 7.0, 7.0, 21.0])).numpy(), w.numpy(),
                               rtol=1e-6)
    # more than half plausible: the smallest positive residual (2) is the scale: 1, 1, 1, 1/2, 1/3 over mean 23/30
    w = bmc_residual_confidence(torch.tensor([0.0, 0.0, 0.0, 2.0, 4.0], dtype=torch.float64))
    np.testing.assert_allclose(w.numpy(), np.array([1, 1, 1, 1 / 2, 1 / 3]) * 30 / 23, rtol=1e-12)
    assert torch.equal(bmc_residual_confidence(torch.zeros(3)), torch.ones(3))


@pytest.mark.parametrize('bad', [torch.tensor([1.0, -0.1]), torch.tensor([1.0, float('nan')]), torch.zeros(0),
                                 torch.zeros(2, 2)])
def test_residual_confidence_rejects_bad_input(bad):
    with pytest.raises(ValueError, match='bmc_residual_confidence'):
        bmc_residual_confidence(bad)


def _hand(offset: float, residual: float = 0.0) -> dict:
    xyz = np.stack([np.linspace(-20, 20, 21) + offset, np.linspace(0, 30, 21), np.linspace(500, 540, 21)], -1)
    return dict(keypoints_3d_mm=xyz.tolist(), bmc_residual=residual)


def test_write_load_round_trip_and_residuals(tmp_path):
    images = {'./seq/0.png': {'right': _hand(0.0, 0.0), 'left': _hand(5.0, 2.0)}, 'seq/1.png': {'right': _hand(1.0,
                                                                                                              1.0)}}
    path = write_lifted(tmp_path / 'sub' / 'lifted.json', images, ref_bone_mm=40.0, config='x.py')
    with open(path) as f:
        raw = json.load(f)
    assert raw['format'] == LIFTED_FORMAT == 'bmc_mmpose.lifted/v1' and raw['joint_order'] == 'freihand'
    lifted = load_lifted(path)
    assert len(lifted) == 3 and lifted.ref_bone_mm == 40.0
    assert lifted.find_key('/data/root/seq/0.png') == 'seq/0.png'  # keys normalised, trailing-path lookup
    assert lifted.find_key('seq/0.png', image_root='.') == 'seq/0.png' and lifted.find_key('seq/9.png') is None
    np.testing.assert_array_equal(lifted.joints_mm('seq/0.png', 'left'), np.asarray(images['./seq/0.png']['left']
                                                                                    ['keypoints_3d_mm']))
    assert lifted_residuals(lifted) == {('seq/0.png', 'right'): 0.0, ('seq/0.png', 'left'): 2.0,
                                        ('seq/1.png', 'right'): 1.0}


def test_load_errors_name_file_and_key(tmp_path):
    path = tmp_path / 'l.json'
    path.write_text(json.dumps(dict(format='bmc_mmpose.detections/v1', images={})))
    with pytest.raises(ValueError, match=r'l\.json.*lifted/v1'):
        load_lifted(path)
    bad = _hand(0.0)
    bad['keypoints_3d_mm'] = bad['keypoints_3d_mm'][:20]
    path.write_text(json.dumps(dict(format=LIFTED_FORMAT, ref_bone_mm=40.0, images={'k.png': {'right': bad}})))
    with pytest.raises(ValueError, match=r"l\.json: images\['k\.png'\]\['right'\].*21 finite"):
        load_lifted(path)
    path.write_text(json.dumps(dict(format=LIFTED_FORMAT, ref_bone_mm=0, images={})))
    with pytest.raises(ValueError, match='ref_bone_mm'):
        load_lifted(path)
    with pytest.raises(FileNotFoundError, match='none.json'):
        load_lifted(tmp_path / 'none.json')
    unrefined = _hand(0.0)
    del unrefined['bmc_residual']
    write_lifted(path, {'k.png': {'right': unrefined}}, ref_bone_mm=40.0)
    with pytest.raises(KeyError, match=r'l\.json: images.*k\.png.*right.*bmc_residual'):
        LoadLiftedKeypoints3D(str(path), weighting='bmc_residual')


def test_transform_sets_mirrored_3d_label_and_residual_weight(tmp_path):
    images = {'seq/0.png': {'right': _hand(0.0, 0.0), 'left': _hand(5.0, 3.0)}, 'seq/1.png': {'right': _hand(1.0,
                                                                                                             1.0)}}
    path = str(write_lifted(tmp_path / 'lifted.json', images, ref_bone_mm=42.0))
    transform = LoadLiftedKeypoints3D(path, weighting='bmc_residual')
    right = transform(dict(img_path='/data/seq/0.png', mirrored=False, has_3d=np.zeros(1, np.float32)))
    np.testing.assert_allclose(right['keypoints_3d'][0], np.asarray(images['seq/0.png']['right']['keypoints_3d_mm']),
                               rtol=1e-6)
    assert right['ref_bone_length'].tolist() == [42.0]
    # the left hand of the same image, which the dataset mirrored: x -> -x
    left = transform(dict(img_path='/data/seq/0.png', mirrored=True, has_3d=np.zeros(1, np.float32)))
    expected = np.asarray(images['seq/0.png']['left']['keypoints_3d_mm'])
    np.testing.assert_allclose(left['keypoints_3d'][0], expected * [-1, 1, 1], rtol=1e-6)
    other = transform(dict(img_path='seq/1.png', mirrored=False))
    # residuals 0, 3, 1 -> median 1 -> 1, 1/4, 1/2 over mean 7/12
    np.testing.assert_allclose([right['has_3d'][0], left['has_3d'][0], other['has_3d'][0]],
                               np.array([1, 1 / 4, 1 / 2]) * 12 / 7, rtol=1e-6)
    assert LoadLiftedKeypoints3D(path)(dict(img_path='seq/0.png', mirrored=True))['has_3d'].tolist() == [1.0]


def test_transform_missing_hands_and_placement(tmp_path):
    path = str(write_lifted(tmp_path / 'lifted.json', {'seq/0.png': {'right': _hand(0.0)}}, ref_bone_mm=40.0))
    with pytest.raises(KeyError, match=r'lifted\.json: entry .*seq/0\.png.* has no left hand'):
        LoadLiftedKeypoints3D(path)(dict(img_path='seq/0.png', mirrored=True))
    with pytest.raises(KeyError, match=r'lifted\.json: no entry for img_path=.*seq/5\.png'):
        LoadLiftedKeypoints3D(path)(dict(img_path='seq/5.png'))
    keep = LoadLiftedKeypoints3D(path, on_missing='keep')
    sample = dict(img_path='seq/5.png', has_3d=np.zeros(1, np.float32), keypoints_3d=np.zeros((1, 21, 3)))
    out = keep(dict(sample))
    assert out['has_3d'].tolist() == [0.0] and keep.num_missing == 1
    with pytest.raises(RuntimeError, match='before the crop transform'):
        keep(dict(img_path='seq/0.png', transformed_keypoints=np.zeros((1, 21, 2))))
    with pytest.raises(ValueError, match='weighting'):
        LoadLiftedKeypoints3D(path, weighting='softmax')


def test_pseudo_label_config_labels_domain_b_and_leaves_domain_a_alone(tmp_path):
    """configs/synthetic/lifting/rhd3d_fh2d_lifter_pseudo.py: the transform runs on the combined dataset with
    ``image_root`` = domain B's data_root, so a domain-A image is kept even when its trailing path equals a B key."""
    from mmengine.config import Config

    from bmc_mmpose.testing.small_hand3d_config import REPO
    cfg = Config.fromfile(str(REPO / 'configs' / 'synthetic' / 'lifting' / 'rhd3d_fh2d_lifter_pseudo.py'))
    load, *rest = cfg.train_dataloader.dataset.pipeline
    domain_a, domain_b = cfg.train_dataloader.dataset.datasets
    assert load['type'] == 'LoadLiftedKeypoints3D' and load['image_root'] == domain_b['data_root']
    assert domain_b['supervision'] == '2d' and domain_a['supervision'] == '3d'
    assert [t['type'] for t in rest] == ['KeypointLifterInputs', 'PackKeypointLifterInputs']
    path = write_lifted(tmp_path / 'lifted.json', {'training/rgb/00000000.jpg': {'right': _hand(0.0)}},
                        ref_bone_mm=40.0)
    kwargs = {k: v for k, v in load.items() if k != 'type'}
    kwargs.update(lifted_file=str(path), image_root=str(tmp_path / 'b'))
    transform = LoadLiftedKeypoints3D(**kwargs)
    b_sample = transform(dict(img_path=str(tmp_path / 'b' / 'training/rgb/00000000.jpg'), mirrored=False))
    assert b_sample['has_3d'].tolist() == [1.0]
    a_label = np.ones((1, 21, 3), np.float32)
    a_sample = transform(dict(img_path=str(tmp_path / 'a' / 'training/rgb/00000000.jpg'), mirrored=False,
                              keypoints_3d=a_label, has_3d=np.ones(1, np.float32)))
    assert a_sample['keypoints_3d'] is a_label and transform.num_missing == 1
