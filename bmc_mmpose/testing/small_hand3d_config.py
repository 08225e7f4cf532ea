# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A small, fast model config for API/demo tests (ResNet-18, 64x64 input), built from the contract's names."""
import copy

INPUT_SIZE = (64, 64)

SMALL_CONFIG = dict(
    default_scope='mmpose',
    model=dict(
        type='Hand3DEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=18, init_cfg=None),
        head=dict(type='Hand25DHead', in_channels=512, input_size=INPUT_SIZE,
                  readout=dict(type='RegressionReadout2p5D'), zroot_refiner=dict(type='ZRootRefiner'),
                  default_ref_bone_length=40.0),
        test_cfg=dict(flip_test=False)),
    test_dataloader=dict(dataset=dict(pipeline=[
        dict(type='LoadImage'),
        dict(type='HandCropAffine', input_size=INPUT_SIZE, padding=1.4),
        dict(type='PackHand3DInputs'),
    ])),
)


def small_config() -> dict:
    return copy.deepcopy(SMALL_CONFIG)
