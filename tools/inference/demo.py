# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Predict 3D hands in an image, a folder of images, a video file or a camera stream.

    python tools/inference/demo.py INPUT --config CFG [--checkpoint CKPT] [--backend pytorch|onnxruntime --onnx FILE]
        [--fuse-conv-bn] [--bbox X1 Y1 X2 Y2 [--bbox ...] | --detections FILE | --det-config DCFG
        --det-checkpoint DCKPT]
        [--track] [--hand right|left] [--K FX FY CX CY] [--ref-bone-length MM] [--limits literature|none]
        [--smooth [--smooth-min-cutoff HZ --smooth-beta B]] [--out-dir DIR] [--fps F] [--max-frames N]
        [--style figure|overlay] [--no-progress] [--device cpu] [--cfg-options KEY=VALUE ...]

INPUT is an image file, a folder (its images, sorted, recursively), a video file (by extension: mp4, avi, mov,
mkv, webm, m4v, mpg, mpeg) or a camera index (``0``).

Boxes of the hands, per frame, from (first that applies):

- ``--track``: the previous frame's prediction (the tight box of its 2D keypoints, clipped to the frame; the crop
  adds its padding as in training), from the second frame on, for every hand of the previous frame whose box
  stays at least 8 px wide and high (a smaller one counts as lost); when none is left, the next source below;
- ``--bbox`` (repeatable, one box per hand, the same in every frame);
- ``--detections FILE``: JSON ``{"format": "bmc_mmpose.boxes/v1", "frames": {KEY: [{"bbox": [x1, y1, x2, y2],
  "hand": "right", "score": 1.0}, ...]}}`` with KEY the frame index for videos (``"0"``, ``"1"``, ...) or the
  image path relative to the folder (or its file name) for images; ``"hand"`` and ``"score"`` are optional. A
  frame without an entry has no hands (counted and reported);
- ``--det-config`` / ``--det-checkpoint``: an MMDetection detector (as MMPose's top-down demos take it), boxes of
  class ``--det-cat-id`` with score >= ``--bbox-thr``, at most ``--max-hands`` per frame;
- otherwise the whole frame is one box.

Outputs in ``--out-dir``: for a video or camera, ``<name>_hand3d.mp4`` (2D skeleton, box and root depth drawn on
every frame); for images, ``<name>_hand3d.png`` per image (``--style figure``, the default for one image: 2D
overlay and the 3D skeleton from the camera and from above; ``overlay``, the default for folders: the drawn frame);
always ``<name>_hand3d.jsonl``, one JSON line per frame or image with every hand's 2D keypoints (px), 3D joints
(mm and reference-bone units, OpenCV camera frame), joint angles and the BMC plausibility check; for a single image
also ``<name>_hand3d.json`` (its first hand, indented). ``--smooth`` filters each hand's 3D joints over time with
a One-Euro filter (Casiez et al. 2012; ``dt = 1 / fps``); the 2D keypoints are left as predicted.

Without ``--K`` the camera has focal length max(H, W) px and its principal point at the image centre, so the
metric depth is only indicative; without ``--ref-bone-length`` the model's default bone length (40 mm) sets the
scale. Without ``--checkpoint`` (PyTorch backend) the model keeps its initial (random) weights: a smoke test only.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
import warnings
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's bmc_mmpose first
from bmc_mmpose.utils.cli import add_model_loading_args  # noqa: E402

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
BOXES_FORMAT = 'bmc_mmpose.boxes/v1'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='bmc_mmpose 3D hand demo: image, folder, video or camera')
    parser.add_argument('input', help='image file, folder of images, video file or camera index')
    parser.add_argument('--config', required=True, help='model config (its test pipeline is used)')
    parser.add_argument('--checkpoint', default=None, help='checkpoint file (omit: random weights, smoke test)')
    parser.add_argument('--backend', choices=['pytorch', 'onnxruntime'], default='pytorch',
                        help='run the network in PyTorch or run its ONNX export (--onnx) in onnxruntime')
    parser.add_argument('--onnx', default=None, help='ONNX file of tools/deployment/pytorch2onnx.py (onnxruntime)')
    parser.add_argument('--bbox', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'), action='append',
                        default=None, help='hand box in pixels, repeatable (default: the whole frame)')
    parser.add_argument('--detections', default=None, help=f'boxes per frame, JSON ("{BOXES_FORMAT}")')
    parser.add_argument('--det-config', default=None, help='MMDetection config of a hand detector')
    parser.add_argument('--det-checkpoint', default=None, help='its checkpoint (omit: random weights, smoke test)')
    parser.add_argument('--det-cat-id', type=int, default=0, help='detector class index of hands')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='detector score threshold')
    parser.add_argument('--max-hands', type=int, default=2, help='at most this many detector boxes per frame')
    parser.add_argument('--track', action='store_true', help="boxes from the previous frame's keypoints")
    parser.add_argument('--hand', choices=['right', 'left'], default='right',
                        help='which hand the boxes show (unless the detections file says)')
    parser.add_argument('--K', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'), default=None,
                        help='camera intrinsics (default: f = max(H, W), principal point at the centre)')
    parser.add_argument('--ref-bone-length', type=float, default=None,
                        help='middle-finger MCP->PIP bone length in mm (default: the model default)')
    parser.add_argument('--limits', default='literature', help="BMC limits for the plausibility check ('none' "
                        'to skip)')
    parser.add_argument('--smooth', action='store_true', help='One-Euro filter on the 3D joints over time')
    parser.add_argument('--smooth-min-cutoff', type=float, default=1.0, help='One-Euro cut-off at rest, Hz')
    parser.add_argument('--smooth-beta', type=float, default=0.01, help='One-Euro speed coefficient, 1/mm')
    parser.add_argument('--fps', type=float, default=None,
                        help='frame rate for smoothing and the output video (default: the video\'s, else 30)')
    parser.add_argument('--max-frames', type=int, default=None, help='stop after this many frames')
    parser.add_argument('--style', choices=['figure', 'overlay'], default=None,
                        help='image output: 3-panel figure (default for one image) or the drawn frame')
    parser.add_argument('--out-dir', default='demo_out', help='where the outputs go')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--device', default='cpu', help='torch device (PyTorch backend and detector)')
    parser.add_argument('--fuse-conv-bn', action='store_true',
                        help='fold BatchNorm into the convolutions (PyTorch backend; same outputs, faster)')
    add_model_loading_args(parser)
    args = parser.parse_args(argv)
    if args.backend == 'onnxruntime' and not args.onnx:
        parser.error('--backend onnxruntime needs --onnx FILE')
    if args.det_checkpoint and not args.det_config:
        parser.error('--det-checkpoint needs --det-config')
    sources = [name for name, used in (('--bbox', args.bbox), ('--detections', args.detections),
                                       ('--det-config', args.det_config)) if used]
    if len(sources) > 1:
        parser.error(f'give one box source, got {" and ".join(sources)}')
    return args


# ----------------------------------------------------------------------------------------------------------
# inputs
class FrameSource:
    """Frames of an image, a folder, a video file or a camera: ``(key, frame BGR, index)``.

    Attributes:
        kind (str): ``'image'``, ``'folder'``, ``'video'`` or ``'camera'``.
        name (str): stem for the output files.
        fps (float | None): the video's frame rate when known.
        total (int | None): number of frames when known.
    """

    def __init__(self, spec: str, max_frames: Optional[int] = None):
        import cv2
        self.spec = spec
        self.max_frames = max_frames
        self.fps: Optional[float] = None
        self.total: Optional[int] = None
        self._capture = None
        if spec.isdigit() and not osp.exists(spec):
            self.kind, self.name = 'camera', f'camera{spec}'
            self._capture = cv2.VideoCapture(int(spec))
            if not self._capture.isOpened():
                raise FileNotFoundError(f'demo: cannot open camera {spec}')
        elif osp.isdir(spec):
            self.kind, self.name = 'folder', osp.basename(osp.normpath(spec)) or 'images'
            self.files = sorted(
                osp.relpath(osp.join(d, f), spec) for d, _, files in os.walk(spec) for f in files
                if f.lower().endswith(IMAGE_EXTENSIONS))
            if not self.files:
                raise FileNotFoundError(f'demo: folder {spec!r} holds no images ({", ".join(IMAGE_EXTENSIONS)})')
            self.total = len(self.files)
        elif osp.isfile(spec):
            self.name = osp.splitext(osp.basename(spec))[0]
            if spec.lower().endswith(VIDEO_EXTENSIONS):
                self.kind = 'video'
                self._capture = cv2.VideoCapture(spec)
                if not self._capture.isOpened():
                    raise ValueError(f'demo: cannot decode video {spec!r}')
                fps = self._capture.get(cv2.CAP_PROP_FPS)
                self.fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else None
                count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
                self.total = count if count > 0 else None
            else:
                self.kind, self.total = 'image', 1
        else:
            raise FileNotFoundError(f'demo: input {spec!r} is neither an image, a folder, a video file nor a camera '
                                    'index')
        if self.total is not None and max_frames is not None:
            self.total = min(self.total, max_frames)

    def __iter__(self) -> Iterator[Tuple[str, np.ndarray, int]]:
        import cv2
        limit = self.max_frames if self.max_frames is not None else float('inf')
        if self.kind == 'image':
            img = cv2.imread(self.spec, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f'demo: cannot read image {self.spec!r}')
            yield osp.basename(self.spec), img, 0
        elif self.kind == 'folder':
            for index, rel in enumerate(self.files):
                if index >= limit:
                    break
                img = cv2.imread(osp.join(self.spec, rel), cv2.IMREAD_COLOR)
                if img is None:
                    raise ValueError(f'demo: cannot read image {osp.join(self.spec, rel)!r}')
                yield rel, img, index
        else:
            index = 0
            try:
                while index < limit:
                    ok, frame = self._capture.read()
                    if not ok:
                        break
                    yield str(index), frame, index
                    index += 1
            finally:
                self._capture.release()


# ----------------------------------------------------------------------------------------------------------
# boxes
def load_boxes_file(path: str) -> Dict[str, List[Dict[str, Any]]]:
    """Read a ``bmc_mmpose.boxes/v1`` file: ``{key: [{"bbox": (4,), "hand": side, "score": s}, ...]}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'demo: detections file {path!r} does not exist')
    with open(path) as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get('format') != BOXES_FORMAT or not isinstance(data.get('frames'), dict):
        raise ValueError(f'{path}: expected {{"format": "{BOXES_FORMAT}", "frames": {{KEY: [{{"bbox": [x1, y1, x2, '
                         'y2], "hand": "right"}}, ...]}}}}')
    frames: Dict[str, List[Dict[str, Any]]] = {}
    for key, entries in data['frames'].items():
        hands = []
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            where = f'{path}: frames[{key!r}][{i}]'
            if not isinstance(entry, dict) or 'bbox' not in entry:
                raise ValueError(f'{where}: expected a dict with "bbox": [x1, y1, x2, y2], got {entry!r}')
            box = np.asarray(entry['bbox'], np.float64).reshape(-1)
            if box.shape != (4, ) or not np.isfinite(box).all() or not (box[2] > box[0] and box[3] > box[1]):
                raise ValueError(f'{where}: "bbox" must be finite [x1, y1, x2, y2] with x2 > x1, y2 > y1, got '
                                 f'{entry["bbox"]!r}')
            side = entry.get('hand', None)
            if side not in (None, 'right', 'left'):
                raise ValueError(f'{where}: "hand" must be "right" or "left", got {side!r}')
            hands.append(dict(bbox=box, hand=side, score=float(entry.get('score', 1.0))))
        frames[str(key).replace('\\', '/')] = hands
    return frames


def track_box(keypoints_2d: np.ndarray, image_shape: Tuple[int, int], min_size: float = 8.0) -> Optional[np.ndarray]:
    """Tight box of last frame's 2D keypoints, clipped to the image; None when (almost) outside of it."""
    height, width = image_shape
    lo, hi = keypoints_2d.min(0), keypoints_2d.max(0)
    box = np.array([max(lo[0], 0.0), max(lo[1], 0.0), min(hi[0], width - 1.0), min(hi[1], height - 1.0)])
    if not np.isfinite(box).all() or box[2] - box[0] < min_size or box[3] - box[1] < min_size:
        return None
    return box


class DetectorBoxes:
    """Hand boxes from an MMDetection detector (``mmdet.apis.init_detector`` / ``inference_detector``).

    The checkpoint is read as the pose model's (``bmc_mmpose.utils.load_model_weights``: ``weights_only=True``,
    keys must fit exactly unless ``allow_partial``; ``trusted`` for a legacy file you trust).
    """

    def __init__(self, config: str, checkpoint: Optional[str], device: str, cat_id: int, score_thr: float,
                 max_hands: int, allow_partial: bool = False, trusted: bool = False):
        try:
            from mmdet.apis import init_detector
        except ImportError as err:
            raise ImportError('demo: --det-config needs MMDetection (mmdet 3.x; tools/install.sh installs it)') from err
        from mmengine.registry import DefaultScope
        if not osp.isfile(config):
            raise FileNotFoundError(f'demo: detector config {config!r} does not exist')
        with DefaultScope.overwrite_default_scope('mmdet'), warnings.catch_warnings():
            # the weights are loaded below, safely; mmdet's "checkpoint is None" warning would mislead
            warnings.filterwarnings('ignore', message='checkpoint is None')
            # palette given: init_detector then needs no dataset class (only the boxes are used here)
            self.model = init_detector(config, None, palette='random', device=device)
        if checkpoint is None:
            print('demo: no --det-checkpoint given, the detector has random weights (smoke test only)')
        else:
            from bmc_mmpose.utils.checkpoint import load_model_weights
            load_model_weights(self.model, checkpoint, allow_partial=allow_partial, trusted=trusted)
        self.cat_id, self.score_thr, self.max_hands = cat_id, score_thr, max_hands

    def __call__(self, frame: np.ndarray) -> List[Dict[str, Any]]:
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope('mmdet'):
            pred = inference_detector(self.model, frame).pred_instances
        boxes = pred.bboxes.cpu().numpy().astype(np.float64)
        scores = pred.scores.cpu().numpy().astype(np.float64)
        labels = pred.labels.cpu().numpy()
        keep = (labels == self.cat_id) & (scores >= self.score_thr) & (boxes[:, 2] > boxes[:, 0]) & (
            boxes[:, 3] > boxes[:, 1])
        order = np.argsort(-scores[keep])[:self.max_hands]
        return [dict(bbox=b, hand=None, score=float(s)) for b, s in zip(boxes[keep][order], scores[keep][order])]


# ----------------------------------------------------------------------------------------------------------
# outputs
def result_to_json(result: Dict[str, Any], image_path: str) -> Dict[str, Any]:
    """The JSON-serialisable part of an :func:`inference_hand3d` / :class:`Hand3DPredictor` result."""
    out = dict(
        image=image_path,
        hand_side=result['hand_side'],
        joint_order='FreiHAND (0 wrist, 1-4 thumb, 5-8 index, 9-12 middle, 13-16 ring, 17-20 little)',
        joint_names=result['joint_names'],
        frame='OpenCV camera frame (x right, y down, z forward)',
        keypoints_2d_px=np.round(result['keypoints_2d'], 3).tolist(),
        keypoints_3d_mm=np.round(result['keypoints_3d'], 3).tolist(),
        keypoints_3d_norm=np.round(result['keypoints_3d_norm'], 5).tolist(),
        ref_bone_length_mm=result['ref_bone_length'],
        z_root_mm=result['z_root'],
        K=np.asarray(result['K']).tolist(),
        bbox_xyxy=np.asarray(result['bbox']).tolist())
    if 'joint_angles_deg' in result:
        angles_deg = np.asarray(result['joint_angles_deg'])
        angles_rad = np.asarray(result['joint_angles_rad'])
        out['joint_angles'] = {
            name: dict(flexion_deg=float(angles_deg[i, 0]), abduction_deg=float(angles_deg[i, 1]),
                       flexion_rad=float(angles_rad[i, 0]), abduction_rad=float(angles_rad[i, 1]))
            for i, name in enumerate(result['angle_bones'])
        }
    if 'plausibility' in result:
        out['plausibility'] = result['plausibility']
    if 'smoothed' in result:
        out['smoothed_3d'] = result['smoothed']
    return out


def draw_overlay(frame: np.ndarray, results: List[Dict[str, Any]]) -> np.ndarray:
    """The frame with every hand's box, 2D skeleton (finger colours of the figure) and root depth."""
    import cv2

    from bmc_mmpose.geometry.skeleton import FINGERS, PARENTS
    from bmc_mmpose.visualization.hand3d_figure import FINGER_COLOURS, WRIST_COLOUR
    canvas = frame.copy()
    scale = max(1, int(round(max(frame.shape[:2]) / 400)))
    colour_of = {0: WRIST_COLOUR}
    for finger, joints in enumerate(FINGERS):
        colour_of.update({j: FINGER_COLOURS[finger] for j in joints})

    def bgr(rgb):
        return tuple(int(255 * c) for c in rgb[::-1])

    for res in results:
        x1, y1, x2, y2 = (int(round(v)) for v in res['bbox'])
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (255, 255, 255), scale)
        pts = np.round(res['keypoints_2d']).astype(int)
        for child, parent in enumerate(PARENTS):
            if parent >= 0:
                cv2.line(canvas, tuple(pts[parent]), tuple(pts[child]), bgr(colour_of[child]), 2 * scale, cv2.LINE_AA)
        for j, p in enumerate(pts):
            cv2.circle(canvas, tuple(p), 2 * scale, bgr(colour_of[j]), -1, cv2.LINE_AA)
        label = f'{res["hand_side"]} Z={res["z_root"]:.0f}mm'
        if 'plausibility' in res:
            label += ' plausible' if res['plausibility']['plausible'] else ' implausible'
        cv2.putText(canvas, label, (x1, max(y1 - 4 * scale, 10 * scale)), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale,
                    (255, 255, 255), scale, cv2.LINE_AA)
    return canvas


def draw_figure(frame: np.ndarray, result: Dict[str, Any], title: str) -> np.ndarray:
    """Three-panel figure (2D overlay, 3D from the camera and from above) of one hand, BGR."""
    from bmc_mmpose.visualization import draw_hand3d_figure
    lines = [f'hand: {result["hand_side"]}   root depth {result["z_root"]:.0f} mm   ref. bone '
             f'{result["ref_bone_length"]:.1f} mm']
    if 'plausibility' in result:
        p = result['plausibility']
        lines.append(f'BMC violations: bone length {p["num_violations_bone_length"]}/20, root curvature '
                     f'{p["num_violations_root_curvature"]}/4, root angle {p["num_violations_root_angle"]}/4, '
                     f'joint angle {p["num_violations_joint_angle"]}/15')
    figure = draw_hand3d_figure(frame[..., ::-1], result['keypoints_2d'], result['keypoints_3d'], title=title,
                                text_lines=lines)
    return np.ascontiguousarray(figure[..., ::-1])


# ----------------------------------------------------------------------------------------------------------
def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    import cv2

    from bmc_mmpose.apis import Hand3DPredictor, OneEuroFilter

    source = FrameSource(args.input, args.max_frames)
    if args.backend == 'pytorch' and args.checkpoint is None:
        print('demo: no --checkpoint given, the model has random weights (smoke test only)')
    from bmc_mmpose.utils.config_options import load_config
    cfg = load_config(args.config, args.cfg_options)  # an unknown --cfg-options key is an error naming it
    predictor = Hand3DPredictor.from_config(cfg, args.checkpoint, backend=args.backend, onnx_file=args.onnx,
                                            device=args.device, allow_partial=args.allow_partial_checkpoint,
                                            trust_checkpoint=args.trust_checkpoint, fuse_conv_bn=args.fuse_conv_bn)
    boxes_file = load_boxes_file(args.detections) if args.detections else None
    detector = DetectorBoxes(args.det_config, args.det_checkpoint, args.device, args.det_cat_id, args.bbox_thr,
                             args.max_hands, allow_partial=args.allow_partial_checkpoint,
                             trusted=args.trust_checkpoint) if args.det_config else None
    cam_k = None
    if args.K is not None:
        fx, fy, cx, cy = args.K
        cam_k = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
        from bmc_mmpose.datasets import validate_intrinsics
        validate_intrinsics(cam_k, 'demo: --K FX FY CX CY')  # fx, fy > 0 and finite, else a clear error
    limits = None if str(args.limits).lower() == 'none' else args.limits
    fps = args.fps or source.fps or 30.0
    style = args.style or ('figure' if source.kind == 'image' else 'overlay')
    os.makedirs(args.out_dir, exist_ok=True)
    jsonl_path = osp.join(args.out_dir, f'{source.name}_hand3d.jsonl')
    video_path = osp.join(args.out_dir, f'{source.name}_hand3d.mp4') if source.kind in ('video', 'camera') else None

    progress = None
    if not args.no_progress:
        from tqdm import tqdm
        progress = tqdm(total=source.total, unit='frame', desc='demo', file=sys.stderr)
    writer = None
    filters: List[OneEuroFilter] = []
    previous: List[Dict[str, Any]] = []
    stats = dict(frames=0, hands=0, frames_without_hands=0, frames_without_detections_entry=0)
    image_paths: List[str] = []
    first_result: Optional[Dict[str, Any]] = None
    start = time.perf_counter()
    with open(jsonl_path, 'w') as jsonl:
        for key, frame, index in source:
            height, width = frame.shape[:2]
            hands: List[Dict[str, Any]] = []
            if args.track and previous:
                hands = [dict(bbox=b, hand=r['hand_side'], score=1.0) for r in previous
                         for b in [track_box(r['keypoints_2d'], (height, width))] if b is not None]
            if not hands:
                if args.bbox:
                    hands = [dict(bbox=np.asarray(b, np.float64), hand=None, score=1.0) for b in args.bbox]
                elif boxes_file is not None:
                    entry = boxes_file.get(key.replace('\\', '/'))
                    if entry is None:
                        entry = boxes_file.get(osp.basename(key))
                    if entry is None:
                        stats['frames_without_detections_entry'] += 1
                    hands = entry or []
                elif detector is not None:
                    hands = detector(frame)
                else:
                    hands = [dict(bbox=np.array([0.0, 0.0, width - 1.0, height - 1.0]), hand=None, score=1.0)]
            results = predictor(frame, bboxes=np.array([h['bbox'] for h in hands]).reshape(-1, 4), K=cam_k,
                                hand_sides=[h['hand'] or args.hand for h in hands],
                                ref_bone_length=args.ref_bone_length, with_joint_angles=True,
                                plausibility_limits=limits) if hands else []
            for res, hand in zip(results, hands):
                res['box_score'] = hand['score']
            if args.smooth:
                if len(filters) != len(results):  # hands appeared or disappeared: restart the filters
                    filters = [OneEuroFilter(args.smooth_min_cutoff, args.smooth_beta) for _ in results]
                for res, filt in zip(results, filters):
                    res['keypoints_3d'] = filt(res['keypoints_3d'], 1.0 / fps)
                    res['keypoints_3d_norm'] = res['keypoints_3d'] / res['ref_bone_length']
                    res['z_root'] = float(res['keypoints_3d'][0, 2])
                    res['smoothed'] = 'one-euro'
            previous = results
            stats['frames'] += 1
            stats['hands'] += len(results)
            stats['frames_without_hands'] += int(not results)
            line = dict(frame=index, image=key, hands=[dict(result_to_json(r, key), box_score=r['box_score'])
                                                       for r in results])
            if source.kind in ('video', 'camera'):
                line['time_s'] = round(index / fps, 6)
            jsonl.write(json.dumps(line) + '\n')
            if first_result is None and results:
                first_result = results[0]

            if source.kind in ('video', 'camera'):
                drawn = draw_overlay(frame, results)
                if writer is None:
                    writer = cv2.VideoWriter(video_path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
                    if not writer.isOpened():
                        raise RuntimeError(f'demo: cannot write video {video_path!r} (OpenCV without an mp4v encoder?)')
                writer.write(drawn)
            else:
                drawn = draw_figure(frame, results[0], osp.basename(key)) if (style == 'figure' and results) else \
                    draw_overlay(frame, results)
                png = osp.join(args.out_dir, f'{osp.splitext(key)[0]}_hand3d.png')
                os.makedirs(osp.dirname(png), exist_ok=True)
                cv2.imwrite(png, drawn)
                image_paths.append(png)
            if progress is not None:
                progress.update(1)
    if writer is not None:
        writer.release()
    if progress is not None:
        progress.close()
    seconds = time.perf_counter() - start
    outputs: Dict[str, Any] = dict(jsonl=jsonl_path, stats=stats, seconds=seconds)
    if video_path is not None and writer is not None:
        outputs['video'] = video_path
    if image_paths:
        outputs['images'] = image_paths
    if source.kind == 'image':
        outputs['png'] = image_paths[0]
        if first_result is not None:
            json_path = osp.join(args.out_dir, f'{source.name}_hand3d.json')
            with open(json_path, 'w') as f:
                json.dump(result_to_json(first_result, args.input), f, indent=1)
            outputs['json'] = json_path
    print(f'demo: {stats["frames"]} frames, {stats["hands"]} hands, {stats["frames_without_hands"]} frames without '
          f'hands ({stats["frames_without_detections_entry"]} without an entry in --detections) in {seconds:.1f} s '
          f'({stats["frames"] / max(seconds, 1e-9):.1f} frames/s, {args.backend}); wrote '
          + ', '.join(str(outputs[k]) for k in ('video', 'json', 'jsonl') if k in outputs)
          + (f' and {len(image_paths)} image(s)' if image_paths else ''))
    return outputs


if __name__ == '__main__':
    main()
