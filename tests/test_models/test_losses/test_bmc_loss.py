# Copyright (c) bmc_mmpose authors. All rights reserved.
"""BMCLoss: values, options, numerics (gradcheck, hypothesis over random and degenerate hands)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bmc_mmpose.geometry import RHD_TO_FREIHAND, inverse_permutation
from bmc_mmpose.limits import load_bmc_limits
from bmc_mmpose.models.losses.bmc_loss import BMCLoss
from bmc_mmpose.testing.bmc_hands import degenerate_hands, load_rhd_real_hands, random_fk_hands

REAL_SAMPLES = Path(__file__).resolve().parents[3] / '..' / 'shared' / 'data' / 'real_samples'
DTYPE = torch.float64


def _fk_hands(num=32, seed=0):
    return random_fk_hands(num, torch.Generator().manual_seed(seed))['joints']


def _random_hands(num=256, seed=0):
    joints = torch.randn(num, 21, 3, dtype=DTYPE, generator=torch.Generator().manual_seed(seed))
    return joints / (joints[:, 10] - joints[:, 9]).norm(dim=-1)[:, None, None]


def test_registered_and_buildable_from_a_config():
    from mmpose.registry import MODELS
    loss = MODELS.build(dict(type='BMCLoss'))
    assert isinstance(loss, BMCLoss) and loss.loss_name == 'loss_bmc'
    assert loss(_fk_hands()).dim() == 0


def test_real_rhd_hands_cost_nothing_and_random_hands_cost_far_more():
    hands = load_rhd_real_hands(REAL_SAMPLES / 'rhd' / 'test_rhd.json')
    if hands is None:
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides shared/ beside the repo)')
    loss = BMCLoss()
    real = loss.terms(torch.from_numpy(hands))['loss']
    assert (real < 1e-3).all(), real
    random = loss.terms(_random_hands())['loss']
    assert random.min() > 10 * 1e-3 and random.median() > 100 * real.max().clamp_min(1e-4)


def test_term_values_equal_the_definitions():
    loss = BMCLoss(lambda_bl=0.3, lambda_rb=0.2, lambda_a=0.05)
    joints = _random_hands(64, seed=1)
    terms = loss.terms(joints)
    limits = load_bmc_limits('literature')
    lengths = (joints[:, 1:] - joints[:, [0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19]]).norm(
        dim=-1).numpy()
    low, high = limits.bone_length_min, limits.bone_length_max
    expected_bl = (np.maximum(low - lengths, 0) + np.maximum(lengths - high, 0)).mean(1)
    np.testing.assert_allclose(terms['loss_bl'].numpy(), expected_bl, rtol=1e-6, atol=1e-9)
    c, phi = terms['root_curvature'].numpy(), terms['root_angle'].numpy()
    expected_rb = (np.maximum(limits.root_curvature_min - c, 0) + np.maximum(c - limits.root_curvature_max, 0)
                   + np.maximum(limits.root_angle_min - phi, 0) + np.maximum(phi - limits.root_angle_max, 0)).mean(1)
    np.testing.assert_allclose(terms['loss_rb'].numpy(), expected_rb, rtol=1e-6, atol=1e-9)
    total = 0.3 * terms['loss_bl'] + 0.2 * terms['loss_rb'] + 0.05 * terms['loss_a']
    assert torch.allclose(terms['loss'], total)
    assert terms['violation_bone_length'].shape == (64, 20)
    assert torch.equal(terms['violation_bone_length'], torch.from_numpy((lengths < low) | (lengths > high)))
    for key, shape in [('violation_root_curvature', (64, 4)), ('violation_root_angle', (64, 4)),
                       ('violation_joint_angle', (64, 15)), ('angles', (64, 15, 2))]:
        assert terms[key].shape == shape
    # a joint-angle term is positive exactly where the joint violates its hull
    per_joint_positive = terms['loss_a'] > 0
    assert torch.equal(per_joint_positive, terms['violation_joint_angle'].any(-1))
    assert loss(joints).item() == pytest.approx(terms['loss'].mean().item(), rel=1e-12)


def test_box_mode_is_weaker_than_hull_mode_for_the_literature_limits():
    joints = _random_hands(512, seed=2)
    hull_terms = BMCLoss(angle_limits='hull').terms(joints)
    box_terms = BMCLoss(angle_limits='box').terms(joints)
    # the literature hulls lie inside their boxes: box violations imply hull violations, not conversely
    assert (box_terms['violation_joint_angle'] <= hull_terms['violation_joint_angle']).all()
    assert (box_terms['violation_joint_angle'] != hull_terms['violation_joint_angle']).any()
    assert torch.equal(box_terms['loss_bl'], hull_terms['loss_bl'])
    with pytest.raises(ValueError, match='angle_limits'):
        BMCLoss(angle_limits='circle')


def test_keypoint_order_permutation_gives_the_same_loss():
    joints = _fk_hands(16)
    rhd_order = joints[:, list(inverse_permutation(RHD_TO_FREIHAND))]  # a model predicting RHD order
    ours = BMCLoss()(joints)
    theirs = BMCLoss(keypoint_order=RHD_TO_FREIHAND)(rhd_order)
    assert torch.allclose(ours, theirs)
    with pytest.raises(ValueError, match='keypoint_order'):
        BMCLoss(keypoint_order=[0] * 21)


def test_mm_input_with_reference_length_equals_normalised_input():
    joints = _random_hands(32, seed=3)
    ref = torch.rand(32, dtype=DTYPE, generator=torch.Generator().manual_seed(0)) * 40 + 60
    millimetres = joints * ref[:, None, None]
    normalised = BMCLoss().terms(joints)
    mm_terms = BMCLoss(input_unit='mm').terms(millimetres, ref_bone_length=ref[:, None])
    for key in ('loss', 'loss_bl', 'loss_rb', 'loss_a'):
        assert torch.allclose(mm_terms[key], normalised[key], atol=1e-10)
    predicted = BMCLoss(input_unit='mm', scale_source='predicted')(millimetres)
    assert torch.allclose(predicted, BMCLoss()(joints), atol=1e-10)  # _random_hands have bone 9->10 == 1
    unknown = BMCLoss(input_unit='mm')(millimetres, ref_bone_length=torch.zeros(32, dtype=DTYPE))
    assert torch.allclose(unknown, predicted)  # 0 = unknown falls back to the predicted bone
    with pytest.raises(ValueError, match='ref_bone_length'):
        BMCLoss(input_unit='mm')(millimetres)


def test_batch_size_one_weights_loss_weight_and_dtypes():
    joints = _random_hands(4, seed=4)
    loss = BMCLoss(loss_weight=2.0)
    single = loss(joints[:1])
    assert single.shape == () and torch.isfinite(single)
    per_sample = BMCLoss().terms(joints)['loss']
    weights = torch.tensor([1.0, 0.0, 0.5, 2.0], dtype=DTYPE)
    assert torch.allclose(loss(joints, weights=weights), 2.0 * (per_sample * weights).mean())
    for dtype in (torch.float32, torch.bfloat16):
        value = loss(joints.to(dtype))
        assert value.dtype == torch.float32 and torch.isfinite(value)
        assert value.item() == pytest.approx(loss(joints).item(), rel=0.05)
    assert loss(joints).dtype == torch.float64
    with torch.autocast('cpu', dtype=torch.bfloat16):  # mixed-precision training: still computed in float32
        mixed = loss(joints.float())
    assert mixed.dtype == torch.float32
    assert mixed.item() == pytest.approx(loss(joints).item(), rel=1e-4)


def test_buffers_follow_to_and_the_loss_follows_its_input_device():
    loss = BMCLoss(keypoint_order=RHD_TO_FREIHAND)
    names = dict(loss.named_buffers())
    assert {'hulls', 'boxes', 'bone_length_min', 'keypoint_order'} <= set(names)
    moved = loss.to('meta')
    assert moved.hulls.device.type == 'meta' and moved.keypoint_order.device.type == 'meta'
    out = moved(torch.zeros(2, 21, 3, device='meta'))
    assert out.device.type == 'meta'


def test_gradcheck_float64():
    joints = _random_hands(3, seed=5).clone().requires_grad_(True)
    loss = BMCLoss(lambda_bl=1.0, lambda_rb=1.0, lambda_a=1.0)
    assert torch.autograd.gradcheck(lambda j: loss(j), (joints, ), eps=1e-6, atol=1e-5)
    fk = _fk_hands(2, seed=6).clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda j: BMCLoss(angle_limits='box')(j), (fk, ), eps=1e-6, atol=1e-5)


def _assert_finite_loss_and_grad(joints, max_grad=None, **kwargs):
    joints = joints.clone().requires_grad_(True)
    terms = BMCLoss(**kwargs).terms(joints)
    total = terms['loss'].sum()
    total.backward()
    assert torch.isfinite(total), terms
    assert torch.isfinite(joints.grad).all()
    if max_grad is not None:
        assert joints.grad.abs().max() < max_grad
    for key in ('bone_length', 'root_curvature', 'root_angle', 'angles'):
        assert torch.isfinite(terms[key]).all(), key


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('angle_limits', ['hull', 'box'])
def test_degenerate_hands_give_finite_loss_and_gradients(dtype, angle_limits):
    # exactly degenerate configurations contribute no exploding gradient (not just a finite one)
    _assert_finite_loss_and_grad(degenerate_hands(torch.float64).to(dtype), max_grad=1.0, angle_limits=angle_limits)
    _assert_finite_loss_and_grad(degenerate_hands(torch.float64).to(dtype) * 0.0 + 1e-30,
                                 angle_limits=angle_limits)


_coordinates = st.one_of(st.floats(-3, 3, width=32), st.sampled_from([0.0, 1.0, -1.0, 1e-7, 1e6]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hands=arrays(np.float32, (4, 21, 3), elements=_coordinates),
       collapse=arrays(np.int64, (4, 21), elements=st.integers(0, 20)),
       collapse_mask=arrays(np.bool_, (4, 21)))
def test_property_finite_for_random_and_degenerate_hands(hands, collapse, collapse_mask):
    # Random hands, with random joints snapped onto other joints (coincident joints, zero bones, collinearity).
    snapped = np.where(collapse_mask[..., None], hands[np.arange(4)[:, None], collapse], hands)
    _assert_finite_loss_and_grad(torch.from_numpy(snapped))
    _assert_finite_loss_and_grad(torch.from_numpy(snapped).double(), input_unit='mm', scale_source='predicted')


def test_many_random_and_degenerate_hands_in_one_batch_are_finite():
    gen = torch.Generator().manual_seed(7)
    random = torch.randn(2000, 21, 3, generator=gen)
    snapped = random.clone()
    index = torch.randint(0, 21, (2000, 21), generator=gen)
    mask = torch.rand(2000, 21, generator=gen) < 0.5
    snapped = torch.where(mask[..., None], random[torch.arange(2000)[:, None], index], random)
    scaled = random * torch.logspace(-8, 8, 2000)[:, None, None]
    quantised = torch.round(random)  # many exactly coincident / axis-aligned joints
    for batch in (random, snapped, scaled, quantised):
        _assert_finite_loss_and_grad(batch)
        _assert_finite_loss_and_grad(batch, angle_limits='box')


def test_vectorised_loss_equals_the_loop_reference_of_the_benchmark():
    import importlib.util
    path = Path(__file__).resolve().parents[3] / 'tools' / 'benchmark_bmc.py'
    spec = importlib.util.spec_from_file_location('benchmark_bmc_tool', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    noise = torch.randn(6, 21, 3, dtype=DTYPE, generator=torch.Generator().manual_seed(9))
    joints = _fk_hands(6, seed=8) + 0.3 * noise
    loss = BMCLoss().double()
    terms = loss.terms(joints)
    assert (terms['loss_bl'] > 0).any() and (terms['loss_rb'] > 0).any() and (terms['loss_a'] > 0).any()
    assert torch.allclose(loss(joints), tool.LoopReferenceBMC(loss)(joints), rtol=1e-9, atol=1e-12)
