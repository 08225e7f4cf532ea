# Copyright (c) bmc_mmpose authors. All rights reserved.
"""One image with the 2D overlay and the 3D hand seen from the camera and from above (supp. Fig. 3 style)."""
from typing import Dict, Optional, Sequence

import numpy as np

from bmc_mmpose.geometry.skeleton import FINGERS, NUM_JOINTS, PARENTS

#: RGB colours (0-1) of the wrist and the five fingers, thumb..little.
FINGER_COLOURS = ((0.85, 0.1, 0.1), (0.95, 0.6, 0.0), (0.2, 0.7, 0.2), (0.1, 0.5, 0.9), (0.6, 0.2, 0.8))
WRIST_COLOUR = (0.2, 0.2, 0.2)


def _joint_colours() -> np.ndarray:
    colours = np.zeros((NUM_JOINTS, 3))
    colours[0] = WRIST_COLOUR
    for finger, joints in enumerate(FINGERS):
        colours[list(joints)] = FINGER_COLOURS[finger]
    return colours


def _check(points: Optional[np.ndarray], dim: int, name: str) -> Optional[np.ndarray]:
    if points is None:
        return None
    points = np.asarray(points, dtype=np.float64)
    if points.size != NUM_JOINTS * dim:
        raise ValueError(f'draw_hand3d_figure: `{name}` must hold {NUM_JOINTS} x {dim} values, got {points.shape}')
    points = points.reshape(NUM_JOINTS, dim)
    return points


def _draw_skeleton_2d(ax, kpts: np.ndarray, colours: np.ndarray, style: str = '-', alpha: float = 1.0) -> None:
    for child in range(1, NUM_JOINTS):
        parent = PARENTS[child]
        ax.plot(kpts[[parent, child], 0], kpts[[parent, child], 1], style, color=colours[child], lw=2, alpha=alpha)
    ax.scatter(kpts[:, 0], kpts[:, 1], c=colours, s=12, zorder=3, alpha=alpha)


def _to_plot_axes(joints: np.ndarray) -> np.ndarray:
    """OpenCV camera frame (x right, y down, z forward) -> matplotlib 3D axes (x right, y depth, z up)."""
    return np.stack([joints[:, 0], joints[:, 2], -joints[:, 1]], axis=1)


def _draw_skeleton_3d(ax, joints: np.ndarray, colours: np.ndarray, style: str = '-', alpha: float = 1.0) -> None:
    pts = _to_plot_axes(joints)
    for child in range(1, NUM_JOINTS):
        parent = PARENTS[child]
        seg = pts[[parent, child]]
        ax.plot(seg[:, 0], seg[:, 1], seg[:, 2], style, color=colours[child], lw=2, alpha=alpha)
    ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], c=colours, s=10, alpha=alpha, depthshade=False)


def draw_hand3d_figure(image: np.ndarray,
                       kpts_2d: np.ndarray,
                       kpts_3d: np.ndarray,
                       gt_3d: Optional[np.ndarray] = None,
                       gt_2d: Optional[np.ndarray] = None,
                       title: Optional[str] = None,
                       text_lines: Sequence[str] = (),
                       panel_size: float = 3.2,
                       dpi: int = 100) -> np.ndarray:
    """Render the 2D overlay and two views of the 3D skeleton into one RGB image (matplotlib Agg, no display).

    Panels: (1) the image with the predicted 2D skeleton (ground truth 2D dashed, if given); (2) the 3D skeleton
    seen from the camera; (3) the same seen from above (looking down the camera's -y axis: x right, depth up the
    page). Both 3D views are root-relative, share one scale, and show the ground truth dashed in grey, if given.

    Args:
        image (np.ndarray): (H, W, 3) uint8 **RGB** image (the original image the 2D keypoints refer to).
        kpts_2d (np.ndarray): (21, 2) predicted keypoints in pixels of ``image``.
        kpts_3d (np.ndarray): (21, 3) predicted joints, camera frame (mm or scale-normalised; any unit).
        gt_3d (np.ndarray, optional): (21, 3) ground-truth joints, same frame and unit.
        gt_2d (np.ndarray, optional): (21, 2) ground-truth keypoints, pixels.
        title (str, optional): figure title.
        text_lines (Sequence[str]): extra lines printed under the image (e.g. errors, plausibility).
        panel_size (float): inches per panel.
        dpi (int): resolution.

    Returns:
        np.ndarray: (H', W', 3) uint8 RGB rendering.
    """
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'draw_hand3d_figure: `image` must be (H, W, 3) RGB, got {image.shape}')
    kpts_2d = _check(kpts_2d, 2, 'kpts_2d')
    kpts_3d = _check(kpts_3d, 3, 'kpts_3d')
    gt_3d = _check(gt_3d, 3, 'gt_3d')
    gt_2d = _check(gt_2d, 2, 'gt_2d')
    colours = _joint_colours()

    fig = Figure(figsize=(3 * panel_size, panel_size + 0.25 * (len(text_lines) + (1 if title else 0))), dpi=dpi)
    FigureCanvasAgg(fig)
    ax_img = fig.add_subplot(1, 3, 1)
    ax_img.imshow(image)
    if gt_2d is not None:
        _draw_skeleton_2d(ax_img, gt_2d, np.full((NUM_JOINTS, 3), 0.85), style='--', alpha=0.9)
    _draw_skeleton_2d(ax_img, kpts_2d, colours)
    ax_img.set_xlim(0, image.shape[1])
    ax_img.set_ylim(image.shape[0], 0)
    ax_img.set_axis_off()
    ax_img.set_title('2D overlay', fontsize=9)

    pred_rel = kpts_3d - kpts_3d[:1]
    sets = [pred_rel]
    gt_rel = None
    if gt_3d is not None:
        gt_rel = gt_3d - gt_3d[:1]
        sets.append(gt_rel)
    finite = np.concatenate([_to_plot_axes(s) for s in sets])
    finite = finite[np.isfinite(finite).all(axis=1)]
    centre = (finite.max(0) + finite.min(0)) / 2 if len(finite) else np.zeros(3)
    half = max(float(np.abs(finite - centre).max()) if len(finite) else 1.0, 1e-6) * 1.1

    views: Dict[str, tuple] = {'3D, camera view': (0.0, -90.0), '3D, view from above': (90.0, -90.0)}
    for index, (name, (elev, azim)) in enumerate(views.items()):
        ax = fig.add_subplot(1, 3, index + 2, projection='3d')
        if gt_rel is not None:
            _draw_skeleton_3d(ax, gt_rel, np.full((NUM_JOINTS, 3), 0.55), style='--', alpha=0.8)
        _draw_skeleton_3d(ax, pred_rel, colours)
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_zlim(centre[2] - half, centre[2] + half)
        ax.set_proj_type('ortho')
        ax.set_box_aspect((1, 1, 1), zoom=1.25)
        ax.view_init(elev=elev, azim=azim)
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_zticklabels([])
        ax.set_title(name + (' (gt dashed)' if gt_rel is not None else ''), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    if text_lines:
        fig.text(0.01, 0.01, '\n'.join(text_lines), fontsize=7, family='monospace', va='bottom')
    fig.tight_layout(rect=(0, 0.03 * len(text_lines), 1, 1))
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[..., :3])
