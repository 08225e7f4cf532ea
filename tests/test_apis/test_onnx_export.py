# Copyright (c) bmc_mmpose authors. All rights reserved.
"""ONNX export of a small randomly initialised model, run in onnxruntime against PyTorch."""
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from mmengine.config import Config

from bmc_mmpose.apis import CROP_NETWORK_INPUTS, CROP_NETWORK_OUTPUTS, Hand3DCropNetwork, Hand3DPredictor
from bmc_mmpose.apis import init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import INPUT_SIZE, small_config
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


def _tool():
    return load_tool(REPO / 'tools' / 'deployment' / 'pytorch2onnx.py')


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """config file, checkpoint of a random model (refiner output made non-zero), its ONNX export, the model."""
    tmp = tmp_path_factory.mktemp('onnx')
    cfg_path = tmp / 'small_cfg.py'
    Config(small_config()).dump(str(cfg_path))
    torch.manual_seed(3)
    model = init_hand3d_model(str(cfg_path))
    torch.nn.init.normal_(model.head.zroot_refiner.mlp[-1].weight, std=0.05)
    torch.nn.init.constant_(model.head.zroot_refiner.mlp[-1].bias, 0.5)
    torch.nn.init.normal_(model.head.readout.fc.weight, std=0.02)  # spread the 2D output over the crop
    ckpt = tmp / 'random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    onnx_file = tmp / 'model.onnx'
    assert _tool().main([str(cfg_path), str(ckpt), '--out', str(onnx_file)]) == str(onnx_file)
    return cfg_path, ckpt, onnx_file, model


def test_graph_interface(exported):
    _, _, onnx_file, _ = exported
    graph = onnx.load(str(onnx_file)).graph
    onnx.checker.check_model(str(onnx_file))
    assert tuple(i.name for i in graph.input) == CROP_NETWORK_INPUTS
    assert tuple(o.name for o in graph.output) == CROP_NETWORK_OUTPUTS
    crops_dims = graph.input[0].type.tensor_type.shape.dim
    assert crops_dims[0].dim_param == 'batch'  # dynamic batch
    assert [d.dim_value for d in crops_dims[1:]] == [3, INPUT_SIZE[1], INPUT_SIZE[0]]


@pytest.mark.parametrize('batch', [1, 4])
def test_onnxruntime_matches_pytorch(exported, batch):
    """Same crops and K (batch 1 and 4 through one dynamic-batch file): every output within 1e-4 relative."""
    _, _, onnx_file, model = exported
    network = Hand3DCropNetwork(model).eval()
    rng = np.random.default_rng(batch)
    crops = (rng.random((batch, 3, INPUT_SIZE[1], INPUT_SIZE[0])) * 255).astype(np.float32)
    cam_k = np.tile(np.eye(3, dtype=np.float32), (batch, 1, 1))
    cam_k[:, 0, 0] = cam_k[:, 1, 1] = rng.uniform(60, 200, batch)
    cam_k[:, :2, 2] = 32 + rng.uniform(-5, 5, (batch, 2))
    with torch.no_grad():
        reference = [t.numpy() for t in network(torch.from_numpy(crops), torch.from_numpy(cam_k))]
    session = ort.InferenceSession(str(onnx_file), providers=['CPUExecutionProvider'])
    outputs = session.run(list(CROP_NETWORK_OUTPUTS), dict(crops=crops, cam_K=cam_k))
    relative = _tool().relative_difference
    for name, ref, out in zip(CROP_NETWORK_OUTPUTS, reference, outputs):
        assert out.shape == ref.shape, name
        assert np.isfinite(ref).all(), name
        assert relative(ref, out) <= 1e-4, (name, relative(ref, out))
    uv = reference[0]
    assert uv.std() > 0.5  # the 2D output is not a constant (a degenerate comparison would be)
    assert not np.allclose(reference[2], reference[3], rtol=1e-3)  # refined root != closed form


def test_onnxruntime_predictor_matches_pytorch_predictor(exported):
    cfg_path, _, onnx_file, model = exported
    image = cv2.GaussianBlur(np.random.default_rng(5).integers(0, 255, (120, 160, 3), dtype=np.uint8), (5, 5), 2)
    boxes = np.array([[10.0, 10.0, 90.0, 100.0], [60.0, 20.0, 150.0, 110.0]])
    torch_results = Hand3DPredictor(model.cfg, model=model)(image, boxes, hand_sides=['right', 'left'],
                                                            with_joint_angles=True)
    ort_predictor = Hand3DPredictor(Config.fromfile(str(cfg_path)), backend='onnxruntime', onnx_file=str(onnx_file),
                                    num_threads=1)
    ort_results = ort_predictor(image, boxes, hand_sides=['right', 'left'], with_joint_angles=True)
    for a, b in zip(torch_results, ort_results):
        np.testing.assert_allclose(b['keypoints_2d'], a['keypoints_2d'], rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(b['keypoints_3d'], a['keypoints_3d'], rtol=1e-4, atol=1e-2)
        np.testing.assert_allclose(b['joint_angles_rad'], a['joint_angles_rad'], atol=1e-3)


def test_tool_verify_and_errors(exported, tmp_path, capsys):
    cfg_path, ckpt, _, _ = exported
    _tool().main([str(cfg_path), str(ckpt), '--out', str(tmp_path / 'v.onnx'), '--verify'])
    lines = [line for line in capsys.readouterr().out.splitlines() if ': verify ' in line]
    assert len(lines) == len(CROP_NETWORK_OUTPUTS)
    assert all(float(line.rsplit(' ', 1)[1]) <= 1e-4 for line in lines)
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        _tool().main([str(cfg_path), str(tmp_path / 'missing.pth'), '--out', str(tmp_path / 'x.onnx')])


def test_heatmap_head_exports_too(tmp_path):
    """The latent-heatmap variant (softmax, soft-argmax over a deconvolved map) exports and matches as well."""
    from bmc_mmpose.apis import export_onnx
    cfg = small_config()
    cfg['model']['head'].update(readout=dict(type='HeatmapReadout2p5D', deconv_out_channels=(16, )))
    torch.manual_seed(5)
    model = init_hand3d_model(cfg)
    onnx_file = export_onnx(model, str(tmp_path / 'heatmap.onnx'))
    crops = (np.random.default_rng(6).random((2, 3, INPUT_SIZE[1], INPUT_SIZE[0])) * 255).astype(np.float32)
    cam_k = np.tile(np.array([[80.0, 0, 32], [0, 80.0, 32], [0, 0, 1]], np.float32), (2, 1, 1))
    network = Hand3DCropNetwork(model).eval()
    with torch.no_grad():
        reference = [t.numpy() for t in network(torch.from_numpy(crops), torch.from_numpy(cam_k))]
    outputs = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider']).run(None, dict(crops=crops,
                                                                                               cam_K=cam_k))
    for name, ref, out in zip(CROP_NETWORK_OUTPUTS, reference, outputs):
        assert _tool().relative_difference(ref, out) <= 1e-4, name
