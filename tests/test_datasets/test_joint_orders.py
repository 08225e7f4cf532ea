# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Joint orders pinned to the literal lists of ``shared/docs/datasets.md``, not to each other.

The fixture writers use the inverse permutations of the loaders' constants, so a round trip through them passes
with any permutation; these tests compare the constants, and what the loaders return, with the documented lists.
"""
import pickle

import numpy as np

from bmc_mmpose.datasets import HO3DDataset, Rhd3DDataset
from bmc_mmpose.geometry import skeleton
from bmc_mmpose.testing import dataset_fixtures as fx

# datasets.md 1.3 ("Per-hand RHD -> FH gather list") and checklist item 11.
DOC_RHD_TO_FH = [0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]
# datasets.md 3.4 ("HO-3D -> FH") and checklist item 2.
DOC_HO3D_TO_FH = [0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20]
# datasets.md 3.4 ("FH -> HO-3D, needed for submission").
DOC_FH_TO_HO3D = [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12, 16, 20]
# datasets.md 2.4: 0 wrist; 1-4 thumb; 5-8 index; 9-12 middle; 13-16 ring; 17-20 pinky, each palm -> tip.
DOC_FH_NAMES = ['wrist'] + [f'{finger}{i}' for finger in ('thumb', 'index', 'middle', 'ring', 'little')
                            for i in range(1, 5)]


def test_constants_equal_the_documented_lists():
    assert list(skeleton.RHD_TO_FREIHAND) == DOC_RHD_TO_FH
    assert list(skeleton.MANO_TO_FREIHAND) == DOC_HO3D_TO_FH
    assert list(skeleton.FREIHAND_TO_MANO) == DOC_FH_TO_HO3D
    assert list(skeleton.JOINT_NAMES) == DOC_FH_NAMES
    # the reference bone is the middle MCP -> PIP (datasets.md 1.3 and 2.3)
    assert tuple(skeleton.REF_BONE_JOINTS) == (9, 10)
    assert [skeleton.JOINT_NAMES[j] for j in skeleton.REF_BONE_JOINTS] == ['middle1', 'middle2']


def test_rhd_loader_order_is_the_documented_one(tmp_path):
    """Each RHD joint's u carries its RHD index; the loaded FreiHAND-order joint k must carry DOC_RHD_TO_FH[k]."""
    rng = np.random.RandomState(0)
    anno = fx.make_rhd_annotation(rng, 'right', 320)
    anno['uv_vis'][21:, 0] = 100.0 + np.arange(21)      # right hand, RHD index j at u = 100 + j
    anno['uv_vis'][21:, 2] = 1.0
    anno['xyz'][21:, 0] = 0.001 * np.arange(21)         # x = j mm
    fx.write_rhd(tmp_path / 'rhd', 'training', {0: anno})
    info = Rhd3DDataset(data_root=str(tmp_path / 'rhd'), split='training', hand='right',
                        pipeline=[]).get_data_info(0)
    np.testing.assert_allclose(info['keypoints'][0, :, 0], 100.0 + np.asarray(DOC_RHD_TO_FH), atol=1e-4)
    np.testing.assert_allclose(info['keypoints_3d'][0, :, 0], np.asarray(DOC_RHD_TO_FH, np.float64), atol=1e-3)


def test_ho3d_loader_order_is_the_documented_one(tmp_path):
    """Each HO-3D joint's x carries its HO-3D index; the loaded joint k must carry DOC_HO3D_TO_FH[k]."""
    root = tmp_path / 'ho3d'
    fx.write_synthetic_ho3d(root, 'train', num_frames=1, seed=0)
    meta_path = root / 'train' / 'ABF10' / 'meta' / '0000.pkl'
    meta = pickle.loads(meta_path.read_bytes())
    joints = np.asarray(meta['handJoints3D'], np.float64)
    joints[:, 0] = 0.001 * np.arange(21)                # OpenGL x = OpenCV x, index j at j mm
    meta['handJoints3D'] = joints.astype(np.float32)
    meta_path.write_bytes(pickle.dumps(meta, protocol=2))
    info = HO3DDataset(data_root=str(root), split='train', pipeline=[]).get_data_info(0)
    np.testing.assert_allclose(info['keypoints_3d'][0, :, 0], np.asarray(DOC_HO3D_TO_FH, np.float64), atol=1e-3)


def test_ho3d_submission_order_is_the_documented_one():
    """Our joint k carries x = k mm; HO-3D submission slot i must hold our joint DOC_FH_TO_HO3D[i] (OpenGL x = x)."""
    from bmc_mmpose.evaluation.submission.ho3d import ho3d_joints_from_ours
    ours = np.stack([np.arange(21.0), np.zeros(21), np.full(21, 500.0)], -1)[None]
    submitted = ho3d_joints_from_ours(ours)[0]
    np.testing.assert_allclose(submitted[:, 0] * 1000.0, np.asarray(DOC_FH_TO_HO3D, np.float64), atol=1e-9)
    np.testing.assert_allclose(submitted[:, 2], -0.5)  # OpenGL: z towards the viewer
