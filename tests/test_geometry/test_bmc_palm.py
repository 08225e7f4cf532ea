# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Root-bone curvature (Eqs. 1-2), root angles (Eq. 3) and first-layer frames (Eq. 4)."""
import numpy as np
import torch

from bmc_mmpose.geometry import (first_layer_frames, first_layer_x_axes, palm_curvature, root_bone_angles,
                                 root_bone_normals, root_bones, template_root_bones)
from bmc_mmpose.testing.hands import random_fk_hands

DTYPE = torch.float64


def _paper_curvature_numpy(roots):
    """Eqs. 1-2 transcribed literally (numpy, one palm)."""
    b = [np.asarray(r, dtype=np.float64) for r in roots]

    def norm(v):
        return v / np.linalg.norm(v)

    n = [norm(np.cross(b[i + 1], b[i])) for i in range(4)]
    e = [n[0]] + [norm(n[i] + n[i - 1]) for i in (1, 2, 3)] + [n[3]]
    return np.array([(e[i + 1] - e[i]) @ (b[i + 1] - b[i]) / np.linalg.norm(b[i + 1] - b[i])**2 for i in range(4)])


def test_flat_palm_has_zero_curvature():
    flat = template_root_bones(DTYPE).clone()
    flat[:, 2] = 0.0
    curvature = palm_curvature(flat)
    assert torch.allclose(curvature, torch.zeros(4, dtype=DTYPE), atol=1e-12)
    normals = root_bone_normals(flat)
    assert torch.allclose(normals[:, 2].abs(), torch.ones(4, dtype=DTYPE))


def test_arched_palm_has_positive_curvature():
    flat = template_root_bones(DTYPE).clone()
    flat[:, 2] = 0.0
    # the template's palm faces +z (the Eq. 4 x-axes point there); move thumb and little base towards it
    assert (first_layer_x_axes(root_bone_normals(flat))[:, 2] > 0.99).all()
    for depth in (0.1, 0.3, 0.6):
        arched = flat.clone()
        arched[[0, 4], 2] += depth
        arched[[1, 3], 2] += depth / 3
        curvature = palm_curvature(arched)
        assert (curvature > 0).all(), curvature
        hyperextended = flat.clone()
        hyperextended[[0, 4], 2] -= depth
        hyperextended[[1, 3], 2] -= depth / 3
        assert (palm_curvature(hyperextended) < 0).all()


def test_curvature_and_root_angles_match_the_literal_equations():
    roots = root_bones(random_fk_hands(50, torch.Generator().manual_seed(8), shape_noise=0.2)['joints'])
    ours = palm_curvature(roots).numpy()
    reference = np.stack([_paper_curvature_numpy(r) for r in roots.numpy()])
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    a, b = roots[:, :-1].numpy(), roots[:, 1:].numpy()
    cosine = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    np.testing.assert_allclose(root_bone_angles(roots).numpy(), np.arccos(cosine), atol=1e-10)


def test_curvature_is_scale_covariant_and_rotation_invariant():
    roots = root_bones(random_fk_hands(10, torch.Generator().manual_seed(9))['joints'])
    q, _ = torch.linalg.qr(torch.randn(3, 3, dtype=DTYPE, generator=torch.Generator().manual_seed(1)))
    assert torch.allclose(palm_curvature(roots @ q.T), palm_curvature(roots), atol=1e-10)
    assert torch.allclose(palm_curvature(2.0 * roots), palm_curvature(roots) / 2.0, atol=1e-10)


def test_first_layer_frames_follow_eq4():
    roots = root_bones(random_fk_hands(20, torch.Generator().manual_seed(10), shape_noise=0.2)['joints'])
    normals = root_bone_normals(roots)
    frames = first_layer_frames(roots)
    x, y, z = frames.unbind(-1)
    unit = roots / roots.norm(dim=-1, keepdim=True)
    assert torch.allclose(z, unit, atol=1e-12)

    def norm(v):
        return v / v.norm(dim=-1, keepdim=True)

    expected_x = torch.stack([-normals[:, 0], -normals[:, 1], -norm(normals[:, 2] + normals[:, 1]),
                              -norm(normals[:, 3] + normals[:, 2]), -normals[:, 3]], 1)
    assert torch.allclose(x, expected_x, atol=1e-12)  # Eq. 4 x-axes are already orthogonal to z
    assert torch.allclose(y, norm(torch.cross(z, x, dim=-1)), atol=1e-12)
