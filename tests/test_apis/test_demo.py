# Copyright (c) bmc_mmpose authors. All rights reserved.
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from bmc_mmpose.apis import init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import small_config
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]
REAL_SAMPLES = REPO / '..' / 'shared' / 'data' / 'real_samples'


def _demo_module():
    return load_tool(REPO / 'tools' / 'inference' / 'demo.py')


def test_demo_on_real_freihand_image(tmp_path):
    image = REAL_SAMPLES / 'freihand' / '00017620.jpg'
    if not image.exists():
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides ../shared beside the repo)')
    cfg_path = tmp_path / 'small_cfg.py'
    Config(small_config()).dump(str(cfg_path))
    torch.manual_seed(0)
    model = init_hand3d_model(str(cfg_path))
    ckpt = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)  # a freshly initialised checkpoint
    out = _demo_module().main([str(image), '--config', str(cfg_path), '--checkpoint', str(ckpt), '--out-dir',
                               str(tmp_path / 'out'), '--hand', 'right', '--bbox', '10', '10', '214', '214'])
    png = cv2.imread(out['png'])
    assert png is not None and png.shape[1] > 2.5 * png.shape[0] * 0.9
    data = json.loads(Path(out['json']).read_text())
    assert np.asarray(data['keypoints_3d_mm']).shape == (21, 3)
    assert len(data['joint_angles']) == 15 and 'plausibility' in data
    # the checkpoint was loaded: same predictions as the in-memory model
    from bmc_mmpose.apis import inference_hand3d
    ref = inference_hand3d(model, str(image), bbox=[10, 10, 214, 214])
    np.testing.assert_allclose(np.asarray(data['keypoints_2d_px']), ref['keypoints_2d'], atol=1e-2)


def test_demo_with_a_shipped_config_left_hand(tmp_path):
    """The CLI on an experiment config (ResNet-18 via --cfg-options for speed), left hand, fresh checkpoint."""
    image = REAL_SAMPLES / 'freihand' / '00000355.jpg'
    config = REPO / 'configs' / 'bmc' / 'rhd3d_fh2d.py'
    if not image.exists():
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides ../shared beside the repo)')
    if not config.exists():
        pytest.skip(f'{config} not found')
    options = {'model.backbone.depth': 18, 'model.head.in_channels': 512}
    torch.manual_seed(0)
    model = init_hand3d_model(str(config), cfg_options=options)
    ckpt = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = _demo_module().main([str(image), '--config', str(config), '--checkpoint', str(ckpt), '--hand', 'left',
                               '--out-dir', str(tmp_path), '--ref-bone-length', '30', '--cfg-options',
                               'model.backbone.depth=18', 'model.head.in_channels=512'])
    assert cv2.imread(out['png']) is not None
    data = json.loads(Path(out['json']).read_text())
    assert data['hand_side'] == 'left' and data['ref_bone_length_mm'] == 30.0


# ----------------------------------------------------------------------------------------------------------
# video, folder, camera-less streams, box sources, smoothing, onnxruntime backend
NUM_FRAMES = 6


@pytest.fixture(scope='module')
def small_setup(tmp_path_factory):
    """A small model config + a checkpoint of its random weights + a short synthetic video the test renders."""
    tmp = tmp_path_factory.mktemp('demo')
    cfg_path = tmp / 'small_cfg.py'
    Config(small_config()).dump(str(cfg_path))
    torch.manual_seed(1)
    model = init_hand3d_model(str(cfg_path))
    torch.nn.init.normal_(model.head.readout.fc.weight, std=0.02)
    with torch.no_grad():  # spread the joints over the crop as a hand would be (a random net puts them together)
        model.head.readout.fc.bias.view(21, 3)[:, :2] = torch.empty(21, 2).uniform_(-0.3, 0.3)
    ckpt = tmp / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    video = tmp / 'moving_hand.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10.0, (160, 120))
    assert writer.isOpened()
    for t in range(NUM_FRAMES):  # a skin-coloured palm with five fingers moving to the right
        frame = np.full((120, 160, 3), (40, 60, 30), np.uint8)
        cx = 50 + 8 * t
        cv2.ellipse(frame, (cx, 75), (18, 22), 0, 0, 360, (120, 160, 220), -1)
        for k in range(5):
            cv2.line(frame, (cx - 16 + 8 * k, 60), (cx - 20 + 10 * k, 30), (110, 150, 210), 5)
        writer.write(frame)
    writer.release()
    return dict(cfg=cfg_path, ckpt=ckpt, video=video, model=model)


def _read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _run(small_setup, tmp_path, *extra):
    return _demo_module().main([str(small_setup['video']), '--config', str(small_setup['cfg']), '--checkpoint',
                                str(small_setup['ckpt']), '--out-dir', str(tmp_path), '--no-progress', *extra])


def test_video_with_fixed_box_writes_annotated_video_and_json_lines(small_setup, tmp_path):
    out = _run(small_setup, tmp_path, '--bbox', '20', '10', '130', '110', '--limits', 'none')
    capture = cv2.VideoCapture(out['video'])
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == NUM_FRAMES and capture.get(cv2.CAP_PROP_FRAME_WIDTH) == 160
    lines = _read_jsonl(out['jsonl'])
    assert [line['frame'] for line in lines] == list(range(NUM_FRAMES))
    assert lines[1]['time_s'] == pytest.approx(0.1)  # the video's 10 fps
    from bmc_mmpose.apis import inference_hand3d
    capture = cv2.VideoCapture(str(small_setup['video']))
    for line in lines:
        frame = capture.read()[1]
        (hand, ) = line['hands']
        assert hand['bbox_xyxy'] == [20.0, 10.0, 130.0, 110.0] and 'plausibility' not in hand
        assert len(hand['joint_angles']) == 15
        ref = inference_hand3d(small_setup['model'], frame, bbox=[20, 10, 130, 110], plausibility_limits=None)
        np.testing.assert_allclose(hand['keypoints_2d_px'], ref['keypoints_2d'], atol=2e-3)
        np.testing.assert_allclose(hand['keypoints_3d_mm'], ref['keypoints_3d'], rtol=1e-4, atol=2e-3)
    assert out['stats'] == dict(frames=NUM_FRAMES, hands=NUM_FRAMES, frames_without_hands=0,
                                frames_without_detections_entry=0)


def test_tracking_takes_the_previous_frames_keypoints(small_setup, tmp_path):
    out = _run(small_setup, tmp_path, '--track', '--bbox', '20', '10', '130', '110', '--max-frames', '3')
    lines = _read_jsonl(out['jsonl'])
    assert len(lines) == 3
    assert lines[0]['hands'][0]['bbox_xyxy'] == [20.0, 10.0, 130.0, 110.0]
    for prev, cur in zip(lines, lines[1:]):
        kpts = np.asarray(prev['hands'][0]['keypoints_2d_px'])
        expected = [max(kpts[:, 0].min(), 0), max(kpts[:, 1].min(), 0), min(kpts[:, 0].max(), 159),
                    min(kpts[:, 1].max(), 119)]
        np.testing.assert_allclose(cur['hands'][0]['bbox_xyxy'], expected, atol=2e-3)  # JSON rounds to 1e-3


def test_smoothing_filters_the_3d_joints(small_setup, tmp_path):
    raw = _read_jsonl(_run(small_setup, tmp_path / 'raw', '--bbox', '20', '10', '130', '110')['jsonl'])
    smooth = _read_jsonl(_run(small_setup, tmp_path / 'smooth', '--bbox', '20', '10', '130', '110', '--smooth',
                              '--smooth-min-cutoff', '0.5', '--smooth-beta', '0')['jsonl'])
    from bmc_mmpose.apis import OneEuroFilter
    filt = OneEuroFilter(0.5, 0.0)
    for a, b in zip(raw, smooth):
        expected = filt(np.asarray(a['hands'][0]['keypoints_3d_mm']), 0.1)
        np.testing.assert_allclose(b['hands'][0]['keypoints_3d_mm'], expected, atol=2e-3)
        assert b['hands'][0]['smoothed_3d'] == 'one-euro'
        np.testing.assert_allclose(b['hands'][0]['keypoints_2d_px'], a['hands'][0]['keypoints_2d_px'])
    jitter = [np.diff([np.asarray(f['hands'][0]['keypoints_3d_mm']) for f in run], axis=0).std() for run in
              (raw, smooth)]
    assert jitter[1] < jitter[0]


def test_folder_with_detections_file(small_setup, tmp_path):
    folder = tmp_path / 'frames'
    (folder / 'sub').mkdir(parents=True)
    capture = cv2.VideoCapture(str(small_setup['video']))
    for name in ('a.png', 'b.jpg', 'sub/c.png'):
        cv2.imwrite(str(folder / name), capture.read()[1])
    detections = tmp_path / 'boxes.json'
    detections.write_text(json.dumps(dict(format='bmc_mmpose.boxes/v1', frames={
        'a.png': [dict(bbox=[10, 10, 100, 100]), dict(bbox=[60, 5, 150, 115], hand='left', score=0.7)],
        'sub/c.png': [dict(bbox=[30, 20, 120, 110])]})))
    out = _demo_module().main([str(folder), '--config', str(small_setup['cfg']), '--checkpoint',
                               str(small_setup['ckpt']), '--detections', str(detections), '--out-dir',
                               str(tmp_path / 'out'), '--no-progress'])
    lines = {line['image']: line for line in _read_jsonl(out['jsonl'])}
    assert sorted(lines) == ['a.png', 'b.jpg', 'sub/c.png']
    assert [h['hand_side'] for h in lines['a.png']['hands']] == ['right', 'left']
    assert lines['a.png']['hands'][1]['box_score'] == 0.7
    assert lines['b.jpg']['hands'] == [] and len(lines['sub/c.png']['hands']) == 1
    assert out['stats']['frames_without_detections_entry'] == 1 and out['stats']['hands'] == 3
    assert len(out['images']) == 3 and all(cv2.imread(p) is not None for p in out['images'])


def test_onnxruntime_backend_gives_the_pytorch_results(small_setup, tmp_path):
    spec = importlib.util.spec_from_file_location('bmc_p2o', REPO / 'tools' / 'deployment' / 'pytorch2onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    onnx_file = tool.main([str(small_setup['cfg']), str(small_setup['ckpt']), '--out', str(tmp_path / 'm.onnx')])
    box = ['--bbox', '20', '10', '130', '110', '--max-frames', '3']
    torch_lines = _read_jsonl(_run(small_setup, tmp_path / 'pt', *box)['jsonl'])
    ort_lines = _read_jsonl(_run(small_setup, tmp_path / 'ort', *box, '--backend', 'onnxruntime', '--onnx',
                                 onnx_file)['jsonl'])
    for a, b in zip(torch_lines, ort_lines):
        np.testing.assert_allclose(b['hands'][0]['keypoints_2d_px'], a['hands'][0]['keypoints_2d_px'], atol=2e-3)
        np.testing.assert_allclose(b['hands'][0]['keypoints_3d_mm'], a['hands'][0]['keypoints_3d_mm'], rtol=1e-4,
                                   atol=2e-3)


TINY_DETECTOR = """
default_scope = 'mmdet'
model = dict(
    type='RetinaNet',
    data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(1, 2, 3), norm_eval=True, style='pytorch',
                  init_cfg=None),
    neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=16, start_level=0, num_outs=3),
    bbox_head=dict(
        type='RetinaHead', num_classes=1, in_channels=16, stacked_convs=1, feat_channels=16,
        anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1, ratios=[1.0],
                              strides=[8, 16, 32]),
        bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4, target_stds=[1.0] * 4),
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    test_cfg=dict(nms_pre=50, min_bbox_size=0, score_thr=0.0, nms=dict(type='nms', iou_threshold=0.5),
                  max_per_img=5))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


def test_boxes_from_a_tiny_random_mmdet_detector(small_setup, tmp_path):
    """--det-config / --det-checkpoint as MMPose's top-down demos: a tiny randomly initialised RetinaNet (no weights
    can be downloaded here); its boxes above --bbox-thr, at most --max-hands, go to the pose model."""
    det_cfg = tmp_path / 'tiny_retinanet.py'
    det_cfg.write_text(TINY_DETECTOR)
    demo = _demo_module()
    torch.manual_seed(2)
    detector = demo.DetectorBoxes(str(det_cfg), None, 'cpu', cat_id=0, score_thr=0.0, max_hands=2)
    det_ckpt = tmp_path / 'det.pth'
    torch.save(dict(state_dict=detector.model.state_dict(), meta=dict()), det_ckpt)
    reloaded = demo.DetectorBoxes(str(det_cfg), str(det_ckpt), 'cpu', cat_id=0, score_thr=0.0, max_hands=2)
    frame = cv2.VideoCapture(str(small_setup['video'])).read()[1]
    expected = reloaded(frame)
    assert 1 <= len(expected) <= 2
    original = detector(frame)  # the checkpoint was loaded: the reloaded detector gives the same boxes
    np.testing.assert_allclose([h['bbox'] for h in expected], [h['bbox'] for h in original], rtol=1e-5)
    np.testing.assert_allclose([h['score'] for h in expected], [h['score'] for h in original], rtol=1e-5)
    out = _run(small_setup, tmp_path / 'out', '--det-config', str(det_cfg), '--det-checkpoint', str(det_ckpt),
               '--bbox-thr', '0', '--max-hands', '2', '--max-frames', '2', '--limits', 'none')
    first = _read_jsonl(out['jsonl'])[0]
    np.testing.assert_allclose([h['bbox_xyxy'] for h in first['hands']], [h['bbox'] for h in expected], atol=1e-4)
    np.testing.assert_allclose([h['box_score'] for h in first['hands']], [h['score'] for h in expected], rtol=1e-6)


def test_bad_inputs_are_named(small_setup, tmp_path):
    demo = _demo_module()
    base = ['--config', str(small_setup['cfg']), '--out-dir', str(tmp_path), '--no-progress']
    with pytest.raises(FileNotFoundError, match='neither an image, a folder'):
        demo.main([str(tmp_path / 'missing.mp4'), *base])
    with pytest.raises(FileNotFoundError, match='cannot open camera 9'):  # no camera on this machine
        demo.main(['9', *base])
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='holds no images'):
        demo.main([str(empty), *base])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(format='bmc_mmpose.boxes/v1', frames={'0': [dict(bbox=[5, 5, 1, 1])]})))
    with pytest.raises(ValueError, match=r"frames\['0'\]\[0\].*x2 > x1"):
        demo.main([str(small_setup['video']), *base, '--detections', str(bad)])
    with pytest.raises(SystemExit):  # argparse: two box sources
        demo.main([str(small_setup['video']), *base, '--bbox', '1', '1', '9', '9', '--detections', str(bad)])
    with pytest.raises(KeyError, match='trian_dataloader'):
        demo.main([str(small_setup['video']), *base, '--cfg-options', 'trian_dataloader.batch_size=2'])
