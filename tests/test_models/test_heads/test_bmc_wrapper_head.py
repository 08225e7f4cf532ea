# Copyright (c) bmc_mmpose authors. All rights reserved.
"""BMC added to MMPose's InterNet (``InternetHead``) through ``BMCRegularizedHead``, and the generic wrapper."""
import copy
from pathlib import Path

import mmpose
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict as mmengine_load_state_dict
from mmengine.structures import InstanceData
from mmpose.codecs.utils import pixel_to_camera
from mmpose.datasets.datasets.hand3d.interhand_3d_dataset import InterHand3DDataset
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample
from mmpose.structures.bbox import get_warp_matrix
from scipy.spatial.transform import Rotation

import bmc_mmpose.models  # noqa: F401  (registers BMCLoss)
from bmc_mmpose.geometry.skeleton import PARENTS, inverse_permutation
from bmc_mmpose.models.heads.bmc_wrapper_head import BMCRegularizedHead, unwrap_head_config
from bmc_mmpose.models.heads.joints_3d_extractors import (INTERHAND_TO_FREIHAND, JOINTS_3D_EXTRACTORS, BMCJoints,
                                                          InternetHeadJoints3D, crop_to_image_pixels,
                                                          find_joints_3d_extractor)
from bmc_mmpose.testing.hands import random_fk_hands

init_default_scope('mmpose')

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / 'configs' / 'bmc_in_mmpose' / 'internet_res50_bmc_interhand3d-256x256.py'
MMPOSE_CONFIGS = Path(mmpose.__file__).resolve().parent / '.mim' / 'configs'
MMPOSE_INTERNET = MMPOSE_CONFIGS / 'hand_3d_keypoint' / 'internet' / 'interhand3d' / \
    'internet_res50_4xb16-20e_interhand3d-256x256.py'
FREIHAND_TO_INTERHAND = inverse_permutation(INTERHAND_TO_FREIHAND)
# InterHand metainfo flip pairs: right joint i <-> left joint i + 21
FLIP_INDICES = list(range(21, 42)) + list(range(21))


def small_config(image=64, heatmap=16, channels=32) -> Config:
    """Our config with a ResNet-18, a small input and small heatmaps (speed); everything else as shipped."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.codec.update(image_size=[image, image], heatmap_size=[heatmap] * 3, depth_size=heatmap,
                     root_heatmap_size=heatmap)
    cfg.model.backbone = dict(type='ResNet', depth=18, init_cfg=None)
    inner = cfg.model.head.head
    inner.keypoint_head_cfg.update(in_channels=512, out_channels=21 * heatmap, depth_size=heatmap,
                                   deconv_out_channels=(channels, ) * 3)
    inner.root_head_cfg.update(in_channels=512, heatmap_size=heatmap)
    inner.hand_type_head_cfg.update(in_channels=512)
    inner.decoder = copy.deepcopy(cfg.codec)
    for step in cfg.train_pipeline:
        if step.type == 'TopdownAffine':
            step.input_size = cfg.codec.image_size
        if step.type == 'GenerateTarget':
            step.encoder = copy.deepcopy(cfg.codec)
    return cfg


def interhand_data_info(rng: np.random.RandomState, hand_type: str = 'interacting') -> dict:
    """One InterHand3DDataset-style ``data_info`` of two plausible hands (mm), without an image file.

    Right hand = a forward-kinematics hand (FreiHAND order) -> InterHand order; left hand = another one mirrored.
    """
    hands = random_fk_hands(2, torch.Generator().manual_seed(int(rng.randint(1 << 30))))['joints'].numpy()
    cam = []
    for k, (x, y, z) in enumerate(((-45., 15., 560.), (60., -10., 720.))):
        joints = (hands[k] - hands[k][0]) * rng.uniform(30., 38.)
        joints = joints @ Rotation.random(random_state=rng).as_matrix().T
        if k == 1:
            joints[:, 0] *= -1  # a left hand
        cam.append(joints[list(FREIHAND_TO_INTERHAND)] + np.array([x, y, z]))
    keypoints_cam = np.concatenate(cam).astype(np.float32)  # (42, 3) InterHand order, camera frame
    focal = np.array([1000., 980.], np.float32)
    principal_pt = np.array([220., 250.], np.float32)
    uv = keypoints_cam[:, :2] / keypoints_cam[:, 2:] * focal + principal_pt
    keypoints = np.concatenate([uv, keypoints_cam[:, 2:]], axis=1)
    keypoints[:21, 2] -= keypoints_cam[20, 2]
    keypoints[21:, 2] -= keypoints_cam[41, 2]
    lo, hi = uv.min(0) - 10, uv.max(0) + 10
    return dict(
        img=np.zeros((480, 640, 3), np.uint8), img_shape=(480, 640), ori_shape=(480, 640), img_path='fake.jpg',
        img_id=0, id=0, rotation=0, keypoints=keypoints[None], keypoints_cam=keypoints_cam[None],
        keypoints_visible=np.ones((1, 42), np.float32), hand_type=InterHand3DDataset.encode_handtype(hand_type),
        hand_type_valid=np.array([1.]), rel_root_depth=float(keypoints_cam[41, 2] - keypoints_cam[20, 2]),
        rel_root_valid=1., abs_depth=[float(keypoints_cam[20, 2]), float(keypoints_cam[41, 2])], focal=focal,
        principal_pt=principal_pt, bbox=np.concatenate([lo, hi])[None].astype(np.float32),
        bbox_score=np.ones(1, np.float32), flip_indices=FLIP_INDICES, dataset_keypoint_weights=np.ones(42))


def pack_batch(cfg: Config, flips, seed=0, hand_types=None):
    """Run ``cfg.train_pipeline`` (minus LoadImage) with a forced flip per sample and a strong crop rotation."""
    rng = np.random.RandomState(seed)
    np.random.seed(seed)
    samples = []
    for i, flip in enumerate(flips):
        steps = []
        for step in copy.deepcopy(cfg.train_pipeline):
            if step.type == 'LoadImage':
                continue
            if step.type == 'HandRandomFlip':
                step.prob = float(flip)
            if step.type == 'RandomBBoxTransform':  # always rotate; keep the hands inside the crop
                step.update(rotate_prob=1.0, shift_prob=0., scale_factor=(1.3, 1.4))
            steps.append(step)
        info = interhand_data_info(rng, hand_types[i] if hand_types else 'interacting')
        samples.append(Compose(steps)(info))
    return samples


def model_inputs(model, packed):
    return model.data_preprocessor(dict(inputs=[p['inputs'] for p in packed],
                                        data_samples=[p['data_samples'] for p in packed]), training=True)


def expected_right_hands(sample: PoseDataSample) -> np.ndarray:
    """Ground truth as the extractor should return it: per slot root-relative, left slot mirrored."""
    cam = sample.gt_instances.keypoints_cam[0].astype(np.float64)
    hands = np.stack([cam[:21] - cam[20], cam[21:] - cam[41]])
    hands[1, :, 0] *= -1
    if sample.metainfo['flip']:
        # the flipped image shows each hand mirrored, in the other slot; the right slot holds the mirrored left
        # hand (already mirrored above), the left slot the right hand mirrored (the extractor mirrors it back)
        hands = hands[::-1]
    return hands


# ---- joint order and config ---------------------------------------------------------------------------------
def test_interhand_order_matches_mmpose_metainfo():
    meta_file = MMPOSE_CONFIGS / '_base_' / 'datasets' / 'interhand3d.py'
    if not meta_file.is_file():
        pytest.skip(f'MMPose dataset metainfo not installed at {meta_file}')
    info = Config.fromfile(str(meta_file)).dataset_info
    names = {v['name']: k for k, v in info.keypoint_info.items()}
    assert names['right_wrist'] == INTERHAND_TO_FREIHAND[0] and names['left_wrist'] == 41
    ours = inverse_permutation(INTERHAND_TO_FREIHAND)
    right_links = [(names[a], names[b]) for a, b in (s['link'] for s in info.skeleton_info.values())
                   if a.startswith('right')]
    assert len(right_links) == 20
    for a, b in right_links:  # every MMPose bone is one of ours, parent first
        assert PARENTS[ours[b]] == ours[a], (a, b)
    assert tuple(Config.fromfile(str(CONFIG)).model.head.bmc_loss.keypoint_order) == INTERHAND_TO_FREIHAND


def test_config_is_mmposes_internet_with_the_head_wrapped():
    if not MMPOSE_INTERNET.is_file():
        pytest.skip(f'MMPose InterNet config not installed at {MMPOSE_INTERNET}')
    ours, theirs = Config.fromfile(str(CONFIG)), Config.fromfile(str(MMPOSE_INTERNET))
    base_line = next(line for line in CONFIG.read_text().splitlines() if line.startswith('_base_'))
    assert 'mmpose::' not in base_line.split('#')[0]
    assert ours.model.head.type == 'BMCRegularizedHead'
    assert ours.model.head.joints_3d_fn.type == 'InternetHeadJoints3D'
    bmc = ours.model.head.bmc_loss
    assert (bmc.type, bmc.input_unit, bmc.scale_source) == ('BMCLoss', 'mm', 'predicted')
    model = copy.deepcopy(ours.model)
    model.head = unwrap_head_config(model.head)
    assert model.to_dict() == theirs.model.to_dict()
    for key in ('codec', 'val_pipeline', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
                'optim_wrapper', 'param_scheduler', 'auto_scale_lr', 'visualizer'):
        if key == 'train_dataloader':
            ours[key].dataset.pipeline = theirs[key].dataset.pipeline = None
        assert ours[key] == theirs[key], key
    assert ours.train_pipeline[:-1] == theirs.train_pipeline[:-1]
    assert ours.train_pipeline[-1].meta_keys == theirs.train_pipeline[-1].meta_keys + ('bbox_rotation', )
    assert ours.train_cfg.max_epochs == theirs.train_cfg.max_epochs
    assert ours.default_hooks.checkpoint.save_best == theirs.default_hooks.checkpoint.save_best
    assert 'bmc_mmpose' in ours.custom_imports.imports


# ---- geometry of the extractor ----------------------------------------------------------------------------------
def test_crop_to_image_pixels_inverts_topdown_affine():
    rng = np.random.RandomState(1)
    B = 4
    center = rng.uniform(100, 400, (B, 2))
    input_size = np.array([[64., 80.]] * B)
    scale = rng.uniform(80, 300, (B, 1)) * input_size / input_size[:, :1]  # aspect ratio of the input
    rotation = rng.uniform(-120, 120, B)
    crop = rng.uniform(0, 64, (B, 21, 2))
    expected = np.stack([
        np.concatenate([crop[b], np.ones((21, 1))], 1)
        @ get_warp_matrix(center[b], scale[b], rotation[b], input_size[b], inv=True).T for b in range(B)
    ])
    got = crop_to_image_pixels(*(torch.as_tensor(a) for a in (crop, center, scale, input_size, rotation)))
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-6 * 400)


def test_extractor_reproduces_the_codec_decode_exactly_on_sharp_heatmaps():
    """One-hot heatmaps: soft-argmax == the codec's argmax; the metric conversion == InterHandMetric's."""
    W, H, D = 20, 16, 12  # distinct sizes catch swapped axes
    codec_cfg = dict(type='Hand3DHeatmap', image_size=[80, 64], heatmap_size=[W, H, D], depth_size=D,
                     root_heatmap_size=16, max_bound=255)
    codec = KEYPOINT_CODECS.build(codec_cfg)
    head = MODELS.build(dict(type='InternetHead', keypoint_head_cfg=dict(in_channels=8, out_channels=21 * D,
                                                                         depth_size=D, deconv_out_channels=()),
                             root_head_cfg=dict(in_channels=8, heatmap_size=16),
                             hand_type_head_cfg=dict(in_channels=8), decoder=codec_cfg))
    rng = np.random.RandomState(2)
    B = 3
    heatmaps = np.zeros((B, 42, D, H, W))
    idx = rng.randint(0, [D, H, W], size=(B, 42, 3))
    for b in range(B):
        heatmaps[b, np.arange(42), idx[b, :, 0], idx[b, :, 1], idx[b, :, 2]] = 255.
    samples, expected = [], []
    for b in range(B):
        meta = dict(focal=rng.uniform(500, 1500, 2), principal_pt=rng.uniform(200, 400, 2),
                    abs_depth=list(rng.uniform(400, 900, 2)), input_center=rng.uniform(100, 500, 2),
                    input_scale=rng.uniform(100, 300) * np.array([1.25, 1.]), input_size=np.array([80, 64]))
        samples.append(PoseDataSample(metainfo=meta))
        keypoints, _, _, _ = codec.decode(heatmaps[b], np.zeros(1), np.zeros(2))  # (1, 42, 3) crop px, z_rel mm
        # TopdownPoseEstimator.add_pred_to_datasample, then InterHandMetric's MPJPE branch
        kpt = keypoints[0].astype(np.float64)
        kpt[:, :2] = kpt[:, :2] / meta['input_size'] * meta['input_scale'] + meta['input_center'] - \
            0.5 * meta['input_scale']
        kpt[:21, 2] += meta['abs_depth'][0]
        kpt[21:, 2] += meta['abs_depth'][1]
        cam = pixel_to_camera(kpt, meta['focal'][0], meta['focal'][1], meta['principal_pt'][0],
                              meta['principal_pt'][1])
        hands = np.stack([cam[:21] - cam[20], cam[21:] - cam[41]])
        hands[1, :, 0] *= -1
        expected.append(hands)
    outputs = [torch.as_tensor(heatmaps), torch.zeros(B, 1), torch.zeros(B, 2)]  # float64: exact comparison
    got = InternetHeadJoints3D()(head, outputs, samples)
    assert got.joints.shape == (2 * B, 21, 3) and got.weights is None
    # the codec decodes in float32: agreement to its precision (0.1 micrometre)
    np.testing.assert_allclose(got.joints.numpy(), np.concatenate(expected), rtol=0, atol=1e-4)

    # root_depth_source='predicted': the left wrist depth comes from the root head (bins -> mm with the codec's
    # root_heatmap_size / root_depth_bound) instead of abs_depth[1]
    rel = np.array([s.metainfo['abs_depth'][1] - s.metainfo['abs_depth'][0] for s in samples])
    root_bins = torch.tensor((rel / codec.root_depth_bound + 0.5) * codec.root_heatmap_size, requires_grad=True)
    for s in samples:
        s.set_metainfo(dict(abs_depth=[s.metainfo['abs_depth'][0], -1e4]))  # must not be used
    outputs[1] = root_bins[:, None]
    predicted = InternetHeadJoints3D(root_depth_source='predicted')(head, outputs, samples).joints
    np.testing.assert_allclose(predicted.detach().numpy(), np.concatenate(expected), rtol=0, atol=1e-4)
    predicted.reshape(B, 2, 21, 3)[:, 1].sum().backward()
    assert torch.all(root_bins.grad != 0)


@pytest.mark.parametrize('flip', [False, True])
def test_extractor_recovers_ground_truth_through_mmposes_training_pipeline(flip):
    """Targets the codec encodes after a flip and a strong crop rotation decode back to the metric hands."""
    cfg = small_config(image=128, heatmap=32)
    packed = pack_batch(cfg, flips=[flip, flip], seed=3)
    samples = [p['data_samples'] for p in packed]
    assert all(bool(s.metainfo['flip']) == flip and abs(s.metainfo['bbox_rotation'][0]) > 1 for s in samples)
    assert all(s.gt_instance_labels.keypoint_weights.min() == 1 for s in samples), 'test hands left the volume'
    D = cfg.codec.depth_size
    heatmaps = torch.stack([s.gt_fields.heatmaps.reshape(42, D, 32, 32) for s in samples]).double()
    head = MODELS.build(cfg.model).head.head
    outputs = [heatmaps, torch.zeros(2, 1), torch.zeros(2, 2)]
    got = InternetHeadJoints3D()(head, outputs, samples).joints.reshape(2, 2, 21, 3).numpy()
    want = np.stack([expected_right_hands(s) for s in samples])
    error = np.linalg.norm(got - want, axis=-1)
    # One voxel (4 crop px here) in mm at the hands' depth. The soft-argmax of the encoded Gaussians is sub-voxel
    # accurate; ignoring the crop rotation costs ~3.5 voxels on average, ignoring the flip (principal point and
    # depth swap) ~1.3 voxels.
    voxel_mm = np.mean([4 * s.metainfo['input_scale'][0] / 128 / s.metainfo['focal'][0] *
                        np.mean(s.metainfo['abs_depth']) for s in samples])
    assert error.mean() < 0.25 * voxel_mm and error.max() < 0.5 * voxel_mm, (error.mean(), error.max(), voxel_mm)

    # the extracted hands are plausible right hands for BMC; the same hands with a shuffled joint order are not
    bmc = MODELS.build(cfg.model.head.bmc_loss)
    right = torch.as_tensor(got.reshape(4, 21, 3))
    shuffled = right[:, torch.as_tensor(np.random.RandomState(0).permutation(21))]
    assert bmc(right) < 0.05 * bmc(shuffled)


# ---- the wrapped model ------------------------------------------------------------------------------------------
def test_config_model_loss_step_predict_and_checkpoint():
    cfg = small_config()
    wrapped = MODELS.build(cfg.model)
    assert isinstance(wrapped.head, BMCRegularizedHead)
    assert isinstance(wrapped.head.joints_3d_fn, InternetHeadJoints3D)
    unwrapped_cfg = copy.deepcopy(cfg.model)
    unwrapped_cfg.head = unwrap_head_config(unwrapped_cfg.head)
    plain = MODELS.build(unwrapped_cfg)
    # an unwrapped (MMPose) checkpoint loads into the wrapped model
    missing, unexpected = wrapped.load_state_dict(plain.state_dict(), strict=True)
    assert not missing and not unexpected
    other = MODELS.build(cfg.model)
    mmengine_load_state_dict(other, plain.state_dict(), strict=True)  # the path of `load_from` (raises on mismatch)
    torch.testing.assert_close(other.head.head.right_hand_head.final_layer.weight,
                               plain.head.right_hand_head.final_layer.weight)
    assert wrapped.head.head.test_cfg == plain.head.test_cfg == dict(flip_test=False)

    data = model_inputs(wrapped, pack_batch(cfg, flips=[False, True], seed=4,
                                            hand_types=['interacting', 'right']))
    calls = []
    hook = wrapped.head.head.right_hand_head.register_forward_hook(lambda *args: calls.append(1))
    losses = wrapped(data['inputs'], data['data_samples'], mode='loss')
    hook.remove()
    assert len(calls) == 1, 'the wrapped head must run once per loss step'
    assert 'forward' not in vars(wrapped.head.head)
    plain.train()
    plain_losses = plain(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == set(plain_losses) | {'loss_bmc'}
    for key, value in plain_losses.items():
        torch.testing.assert_close(losses[key], value)
    assert torch.isfinite(losses['loss_bmc']) and losses['loss_bmc'] > 0

    wrapped.zero_grad()
    losses['loss_bmc'].backward()
    grad = wrapped.backbone.conv1.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0

    # predict is the InternetHead's, unchanged (the codec's instance table drops bboxes in training samples; the
    # val pipeline has them)
    for sample in data['data_samples']:
        sample.gt_instances.bboxes = np.zeros((1, 4), np.float32)
        sample.gt_instances.bbox_scores = np.ones(1, np.float32)
    wrapped.eval()
    plain.eval()
    with torch.no_grad():
        ours = wrapped(data['inputs'], data['data_samples'], mode='predict')
        theirs = plain(data['inputs'], data['data_samples'], mode='predict')
    for a, b in zip(ours, theirs):
        for key in ('keypoints', 'keypoint_scores', 'rel_root_depth', 'hand_type'):
            np.testing.assert_array_equal(a.pred_instances[key], b.pred_instances[key])


def test_absent_hands_get_zero_weight():
    cfg = small_config()
    samples = [p['data_samples'] for p in pack_batch(cfg, flips=[False, True], seed=5, hand_types=['right'] * 2)]
    head = MODELS.build(cfg.model).head
    D = cfg.codec.depth_size
    outputs = [torch.randn(2, 42, D, 16, 16), torch.zeros(2, 1), torch.zeros(2, 2)]
    weights = head.joints_3d_fn(head.head, outputs, samples).weights
    # sample 0: right hand only; sample 1 is flipped, so its single hand now sits in the left slot
    assert weights.tolist() == [1., 0., 0., 1.]


def test_missing_metainfo_is_a_clear_error():
    cfg = small_config()
    head = MODELS.build(cfg.model).head
    D = cfg.codec.depth_size
    outputs = [torch.randn(1, 42, D, 16, 16), torch.zeros(1, 1), torch.zeros(1, 2)]
    with pytest.raises(KeyError, match="'focal'.*meta_keys"):
        head.joints_3d_fn(head.head, outputs, [PoseDataSample(metainfo=dict(principal_pt=np.zeros(2)))])


# ---- extractor lookup and user heads ---------------------------------------------------------------------------
def _regression_batch(B=2):
    samples = []
    for _ in range(B):
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(keypoint_labels=torch.rand(1, 21, 2),
                                            keypoint_weights=torch.ones(1, 21))
        samples.append(s)
    return samples


def test_lookup_errors_and_user_extractors():
    regression = dict(type='RegressionHead', in_channels=8, num_joints=21)
    with pytest.raises(KeyError, match="no joints extractor.*'RegressionHead'"):
        BMCRegularizedHead(head=regression)
    with pytest.raises(KeyError, match='not a registered joints extractor'):
        BMCRegularizedHead(head=regression, joints_3d_fn='NoSuchExtractor')
    assert find_joints_3d_extractor(MODELS.build(small_config().model.head.head)) == 'InternetHeadJoints3D'

    def lift(head, outputs, batch_data_samples):
        """A user's extractor: the 2D regression output with a constant depth (toy geometry)."""
        return torch.cat([outputs * 100., torch.full_like(outputs[..., :1], 500.)], dim=-1)

    feats = (torch.randn(2, 8, 1, 1, requires_grad=True), )
    wrapper = BMCRegularizedHead(head=regression, joints_3d_fn=lift,
                                 bmc_loss=dict(type='BMCLoss', input_unit='mm', scale_source='predicted'))
    losses = wrapper.loss(feats, _regression_batch())
    assert set(losses) == {'loss_kpt', 'acc_pose', 'loss_bmc'} and torch.isfinite(losses['loss_bmc'])
    losses['loss_bmc'].backward()
    assert torch.isfinite(feats[0].grad).all()

    # a registered extractor class is found from the head type
    class RegressionHeadLift:
        head_types = ('RegressionHead', )

        def __init__(self, depth=500.):
            self.depth = depth

        def __call__(self, head, outputs, batch_data_samples):
            return BMCJoints(lift(head, outputs, batch_data_samples), weights=torch.ones(outputs.shape[0]))

    JOINTS_3D_EXTRACTORS.register_module(module=RegressionHeadLift)
    try:
        wrapper = BMCRegularizedHead(head=regression)
        assert isinstance(wrapper.joints_3d_fn, RegressionHeadLift)
        assert torch.isfinite(wrapper.loss(feats, _regression_batch())['loss_bmc'])
    finally:
        JOINTS_3D_EXTRACTORS.module_dict.pop('RegressionHeadLift')


def test_loss_name_clash_is_an_error():
    wrapper = BMCRegularizedHead(head=dict(type='RegressionHead', in_channels=8, num_joints=21),
                                 joints_3d_fn=lambda head, out, samples: torch.zeros(out.shape[0], 21, 3),
                                 bmc_loss=dict(type='BMCLoss', loss_name='loss_kpt'))
    with pytest.raises(KeyError, match="already returns 'loss_kpt'"):
        wrapper.loss((torch.randn(2, 8, 1, 1), ), _regression_batch())
