# Copyright (c) bmc_mmpose authors. All rights reserved.
"""BMCLoss: values (against the loop reference and the geometry functions), options, numerics (gradcheck,
hypothesis over random and degenerate hands), aten-call count, torch.compile."""
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bmc_mmpose.geometry import (ROOT_BONES, RHD_TO_FREIHAND, bone_lengths, bone_vectors, hull_loss_and_inside,
                                 interval_loss, inverse_permutation, joint_angles_and_frames, palm_curvature,
                                 root_bone_angles)
from bmc_mmpose.limits import load_bmc_limits
from bmc_mmpose.models.losses.bmc_loss import BMCLoss
from bmc_mmpose.testing.hands import degenerate_hands, load_rhd_real_hands, random_fk_hands
from bmc_mmpose.testing.bmc_loop_reference import LoopReferenceBMC, count_aten_calls

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


def _perturbed_fk_hands(num, seed):
    noise = torch.randn(num, 21, 3, dtype=DTYPE, generator=torch.Generator().manual_seed(seed + 1))
    return _fk_hands(num, seed=seed) + 0.3 * noise


def test_loss_equals_the_loop_reference_to_float64_precision():
    joints = _perturbed_fk_hands(12, seed=8)
    loss = BMCLoss()
    terms = loss.terms(joints)
    assert (terms['loss_bl'] > 0).any() and (terms['loss_rb'] > 0).any() and (terms['loss_a'] > 0).any()
    reference = LoopReferenceBMC(loss)
    expected = torch.stack([reference.sample_loss(hand) for hand in joints])
    assert torch.allclose(terms['loss'], expected, rtol=1e-12, atol=1e-15)
    assert torch.allclose(loss(joints), reference(joints), rtol=1e-12, atol=1e-15)


def _reference_terms(joints, loss):
    """The terms from the per-quantity geometry functions (bones.py, palm.py, angles.py, hulls.py)."""
    lengths = bone_lengths(joints, loss.eps)
    roots = bone_vectors(joints)[:, list(ROOT_BONES)]
    curvature, root_angle = palm_curvature(roots, loss.eps), root_bone_angles(roots, loss.eps)
    angles = joint_angles_and_frames(joints, loss.eps)[0]
    hull, inside = hull_loss_and_inside(angles, loss.hulls.double())
    limit = {name: getattr(loss, name).double() for name in ('bone_length_min', 'bone_length_max',
                                                             'root_curvature_min', 'root_curvature_max',
                                                             'root_angle_min', 'root_angle_max')}
    loss_bl = interval_loss(lengths, limit['bone_length_min'], limit['bone_length_max']).mean(-1)
    loss_rb = (interval_loss(curvature, limit['root_curvature_min'], limit['root_curvature_max'])
               + interval_loss(root_angle, limit['root_angle_min'], limit['root_angle_max'])).mean(-1)
    loss_a = hull.mean(-1)
    return {'loss': loss.lambda_bl * loss_bl + loss.lambda_rb * loss_rb + loss.lambda_a * loss_a,
            'loss_bl': loss_bl, 'loss_rb': loss_rb, 'loss_a': loss_a, 'bone_length': lengths,
            'root_curvature': curvature, 'root_angle': root_angle, 'angles': angles,
            'violation_joint_angle': ~inside}


def test_every_term_and_gradient_equals_the_geometry_functions():
    joints = torch.cat([_perturbed_fk_hands(64, seed=10), _fk_hands(16, seed=11)])
    real = load_rhd_real_hands(REAL_SAMPLES / 'rhd' / 'test_rhd.json')
    if real is not None:
        joints = torch.cat([joints, torch.from_numpy(real)])
    loss = BMCLoss(lambda_bl=0.3, lambda_rb=0.2, lambda_a=0.05)
    ours, expected = loss.terms(joints), _reference_terms(joints, loss)
    for key, value in expected.items():
        if value.dtype == torch.bool:
            assert torch.equal(ours[key], value), key
        else:
            assert torch.allclose(ours[key], value, rtol=1e-11, atol=1e-12), (key, (ours[key] - value).abs().max())
    leaf = joints.clone().requires_grad_(True)
    loss(leaf).backward()
    reference_leaf = joints.clone().requires_grad_(True)
    _reference_terms(reference_leaf, loss)['loss'].mean().backward()
    assert torch.allclose(leaf.grad, reference_leaf.grad, rtol=1e-10, atol=1e-13)


def test_gradcheck_of_every_differentiable_output():
    joints = _perturbed_fk_hands(2, seed=12).clone().requires_grad_(True)
    loss = BMCLoss(lambda_bl=1.0, lambda_rb=1.0, lambda_a=1.0)
    for key in ('bone_length', 'root_curvature', 'root_angle', 'angles', 'loss_a', 'loss'):
        assert torch.autograd.gradcheck(lambda j: loss.terms(j)[key], (joints, ), eps=1e-6, atol=1e-5), key


def _counted_step(batch):
    joints = random_fk_hands(batch, torch.Generator().manual_seed(0), dtype=torch.float32)['joints']
    joints = (joints + 0.3 * torch.randn(joints.shape, generator=torch.Generator().manual_seed(1)))
    loss = BMCLoss()

    def step():
        loss(joints.clone().requires_grad_(True)).backward()

    step()
    return step


def test_forward_backward_aten_calls_at_batch_256():
    # Per-call overhead dominates BMC: pin the number of aten calls of one forward + backward (torch profiler,
    # nested calls counted; deterministic for a given torch). Before the fused computation it was 3355.
    counts = count_aten_calls(_counted_step(256))
    assert counts['total'] <= 440, sorted(counts.items(), key=lambda item: -item[1])[:20]


def test_fullgraph_tracing_has_no_graph_break():
    explanation = torch._dynamo.explain(BMCLoss())(_perturbed_fk_hands(4, seed=13).float().requires_grad_(True))
    assert explanation.graph_break_count == 0, explanation.break_reasons


@pytest.mark.slow
def test_compiled_loss_matches_eager_values_and_gradients():
    loss = BMCLoss()
    compiled = torch.compile(BMCLoss(), fullgraph=True)
    for seed in (14, 15):
        joints = _perturbed_fk_hands(16, seed=seed).float()
        eager_leaf, compiled_leaf = joints.clone().requires_grad_(True), joints.clone().requires_grad_(True)
        eager, value = loss(eager_leaf), compiled(compiled_leaf)
        eager.backward()
        value.backward()
        assert torch.allclose(value, eager, rtol=1e-5, atol=1e-7)
        assert torch.allclose(compiled_leaf.grad, eager_leaf.grad, rtol=1e-4, atol=1e-7)
