# Copyright (c) bmc_mmpose authors. All rights reserved.
"""HO-3D's format module: write -> read gives the same arrays, and the joint order / OpenGL frame / units match
datasets.md 3.4-3.5 (literal values)."""
import os

import numpy as np
import pytest

from bmc_mmpose.datasets.formats import ho3d

#: datasets.md 3.4: ``fh = ho3d[perm]``, as printed there.
HO3D_TO_FH_LITERAL = [0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20]
#: datasets.md 3.4: ``ho3d = fh[perm]`` for the submission.
FH_TO_HO3D_LITERAL = [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12, 16, 20]


def test_write_read_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    K = np.array([[617.3, 0., 312.4], [0., 617.1, 241.4], [0., 0., 1.]])
    hand = rng.uniform(-80., 80., (21, 3)) + [0., 0., 600.]
    frames = [('ABF10', '0000', ho3d.make_train_meta(hand, K)), ('ABF10', '0001', ho3d.make_none_meta()),
              ('MC1', '0002', ho3d.make_eval_meta(hand[0], [10., 20., 110., 140.], K))]
    images = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in frames]
    eval_xyz = ho3d.joints_from_internal(hand)[None]
    ho3d.write_split(str(tmp_path), 'train', frames, images, image_ext='.png', eval_xyz_m=eval_xyz)

    split_file, lines = ho3d.read_split_lines(str(tmp_path), 'train')
    assert split_file == os.path.join(str(tmp_path), 'train.txt')
    assert lines == ['ABF10/0000', 'ABF10/0001', 'MC1/0002']
    for line_idx, (line, (seq, fid, meta)) in enumerate(zip(lines, frames)):
        assert ho3d.parse_line(line, split_file, line_idx) == (seq, fid)
        read = ho3d.read_meta(ho3d.meta_path(str(tmp_path), 'train', seq, fid))
        assert sorted(read) == sorted(meta)
        for key, value in meta.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(read[key], value)
            else:
                assert read[key] == value
        rgb_dir = os.path.dirname(ho3d.rgb_path(str(tmp_path), 'train', seq, fid, '.png'))
        assert ho3d.find_image(rgb_dir, fid, 'v3') == '.png'  # v3 tries .jpg first, then .png
    np.testing.assert_array_equal(np.asarray(ho3d.read_eval_xyz(str(tmp_path), 1)), eval_xyz)
    with pytest.raises(ValueError, match='evaluation.txt has 2 lines'):
        ho3d.read_eval_xyz(str(tmp_path), 2)
    with pytest.raises(ValueError, match="expected '<SEQ>/<fid>'"):
        ho3d.parse_line('ABF10_0000', split_file, 0)
    # internal -> stored -> internal
    np.testing.assert_allclose(ho3d.joints_to_internal(ho3d.joints_from_internal(hand)), hand, atol=1e-9)


def test_order_frame_and_units_match_datasets_md():
    # Stored joint k (MANO order + tips, metres, OpenGL) = (k, k + 100, k + 200) mm.
    k = np.arange(21, dtype=np.float64)
    stored = np.stack([k, k + 100., k + 200.], 1) / 1000.
    internal = ho3d.joints_to_internal(stored)
    p = np.array(HO3D_TO_FH_LITERAL, np.float64)
    # OpenCV = (x, -y, -z) of OpenGL; mm.
    np.testing.assert_allclose(internal, np.stack([p, -(p + 100.), -(p + 200.)], 1), atol=1e-9)
    # The inverse order (the submission's) is the literal FH -> HO-3D list.
    fh = np.stack([k, k + 100., k + 200.], 1)  # internal joint i = (i, i + 100, i + 200) mm, OpenCV
    q = np.array(FH_TO_HO3D_LITERAL, np.float64)
    np.testing.assert_allclose(ho3d.joints_from_internal(fh), np.stack([q, -(q + 100.), -(q + 200.)], 1) / 1000.,
                               atol=1e-12)
    # The evaluation split's wrist: 3 values, metres, OpenGL (hands in front of the camera have z < 0).
    np.testing.assert_allclose(ho3d.points_to_internal([0.01, 0.02, -0.5]), [10., -20., 500.])
    meta = ho3d.make_eval_meta(np.array([10., -20., 500.]), [1., 2., 3., 4.], np.eye(3))
    np.testing.assert_allclose(meta['handJoints3D'], [0.01, 0.02, -0.5], rtol=1e-6)
    assert meta['handBoundingBox'] == [1., 2., 3., 4.]


def test_layout_literals():
    # datasets.md 3.1-3.2: <split>.txt, <split>/<SEQ>/meta/<fid>.pkl, <split>/<SEQ>/rgb/<fid>.png|jpg.
    assert ho3d.split_file('H', 'evaluation') == os.path.join('H', 'evaluation.txt')
    assert ho3d.meta_path('H', 'train', 'ABF10', '0007') == os.path.join('H', 'train', 'ABF10', 'meta', '0007.pkl')
    assert ho3d.rgb_path('H', 'train', 'ABF10', '0007', '.jpg') == os.path.join('H', 'train', 'ABF10', 'rgb',
                                                                               '0007.jpg')
    assert ho3d.IMAGE_EXTENSIONS == {'v2': ('.png', '.jpg'), 'v3': ('.jpg', '.png')}
