# Copyright (c) bmc_mmpose authors. All rights reserved.
import cv2
import numpy as np
import pytest
import torch

from bmc_mmpose.apis import Hand3DPredictor, inference_hand3d, init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import small_config


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    model = init_hand3d_model(small_config())
    # a non-zero refiner output, so that the refined root differs from the closed form
    torch.nn.init.normal_(model.head.zroot_refiner.mlp[-1].weight, std=0.05)
    torch.nn.init.constant_(model.head.zroot_refiner.mlp[-1].bias, 0.5)
    return model


@pytest.fixture(scope='module')
def image():
    rng = np.random.default_rng(1)
    return cv2.GaussianBlur(rng.integers(0, 255, size=(150, 200, 3), dtype=np.uint8), (7, 7), 3)


BOXES = np.array([[20.0, 10.0, 110.0, 100.0], [90.0, 40.0, 190.0, 140.0], [5.0, 60.0, 60.0, 149.0]])
K = np.array([[180.0, 0.0, 95.0], [0.0, 175.0, 70.0], [0.0, 0.0, 1.0]])


def test_batched_predictor_equals_the_single_image_api(model, image):
    """Three boxes (right, left, right) in one batched call == three calls of inference_hand3d, which runs the
    model's own test_step (data preprocessor, Hand3DEstimator.predict, add_pred_to_datasample)."""
    predictor = Hand3DPredictor(model.cfg, model=model)
    sides = ['right', 'left', 'right']
    results = predictor(image, BOXES, K=K, hand_sides=sides, ref_bone_length=[30.0, 35.0, 40.0],
                        with_joint_angles=True, plausibility_limits='literature')
    assert len(results) == 3
    for box, side, ref, res in zip(BOXES, sides, (30.0, 35.0, 40.0), results):
        single = inference_hand3d(model, image, bbox=box, K=K, hand_side=side, ref_bone_length=ref)
        assert res['hand_side'] == side and res['ref_bone_length'] == ref
        np.testing.assert_allclose(res['keypoints_2d'], single['keypoints_2d'], atol=1e-3)
        np.testing.assert_allclose(res['keypoints_3d'], single['keypoints_3d'], rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(res['keypoints_3d_norm'], single['keypoints_3d_norm'], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(res['joint_angles_rad'], single['joint_angles_rad'], atol=1e-4)
        assert res['z_root_norm'] == pytest.approx(single['z_root_norm'], rel=1e-5)
        assert res['z_root_norm'] != pytest.approx(res['z_root_closed_form_norm'], rel=1e-3)  # refiner acts
        assert res['plausibility'] == single['plausibility']
        # 3D projects with the caller's K onto the 2D keypoints (left hands mirrored back)
        hom = res['keypoints_3d'] @ K.T
        np.testing.assert_allclose(hom[:, :2] / hom[:, 2:], res['keypoints_2d'], atol=1e-2)


def test_angles_and_plausibility_only_when_asked(model, image):
    predictor = Hand3DPredictor(model.cfg, model=model)
    res = predictor(image)[0]  # defaults: no angles, no plausibility check
    assert 'joint_angles_rad' not in res and 'plausibility' not in res
    assert res['ref_bone_length'] == 40.0 and res['bbox'].tolist() == [0.0, 0.0, 199.0, 149.0]
    assert predictor(image, np.zeros((0, 4))) == []


def test_bad_arguments_name_what_is_wrong(model, image):
    predictor = Hand3DPredictor(model.cfg, model=model)
    with pytest.raises(ValueError, match='bboxes'):
        predictor(image, [[10, 10, 5, 50]])
    with pytest.raises(ValueError, match='hand_sides'):
        predictor(image, BOXES, hand_sides=['right', 'left'])
    with pytest.raises(ValueError, match='ref_bone_length'):
        predictor(image, ref_bone_length=-1.0)
    with pytest.raises(ValueError, match='K'):
        predictor(image, K=np.eye(2))
    with pytest.raises(FileNotFoundError, match='cannot read'):
        predictor('/nonexistent/x.png')
    with pytest.raises(ValueError, match='backend'):
        Hand3DPredictor(model.cfg, model=model, backend='tensorrt')
    with pytest.raises(ValueError, match='onnx_file'):
        Hand3DPredictor(model.cfg, backend='onnxruntime')
    with pytest.raises(FileNotFoundError, match='pytorch2onnx'):
        Hand3DPredictor(model.cfg, backend='onnxruntime', onnx_file='/nonexistent/model.onnx')


def test_folded_batchnorm_gives_the_same_predictions(tmp_path, image):
    """``fuse_conv_bn=True`` (demo ``--fuse-conv-bn``) changes the operations, not the function."""
    from mmengine.config import Config
    cfg_path = tmp_path / 'small.py'
    Config(small_config()).dump(str(cfg_path))
    torch.manual_seed(4)
    model = init_hand3d_model(str(cfg_path))
    for module in model.backbone.modules():  # non-trivial running statistics, so that folding has work to do
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    ckpt = tmp_path / 'w.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    plain = Hand3DPredictor.from_config(str(cfg_path), str(ckpt))(image, BOXES, K=K)
    fused_predictor = Hand3DPredictor.from_config(str(cfg_path), str(ckpt), fuse_conv_bn=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused_predictor.network.network.modules())
    for a, b in zip(plain, fused_predictor(image, BOXES, K=K)):
        np.testing.assert_allclose(b['keypoints_2d'], a['keypoints_2d'], rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(b['keypoints_3d'], a['keypoints_3d'], rtol=1e-4, atol=1e-2)
