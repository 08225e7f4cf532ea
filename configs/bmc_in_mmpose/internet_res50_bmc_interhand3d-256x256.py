# Copyright (c) bmc_mmpose authors. All rights reserved.
# MMPose's InterNet (configs/hand_3d_keypoint/internet/interhand3d/internet_res50_4xb16-20e_interhand3d-256x256.py,
# mmpose 1.3.2) with the biomechanical constraints of Spurr et al. 2020 added as `loss_bmc`, written out over our
# runtime instead of MMPose's. Every line that differs from MMPose's config is marked `# [BMC]` (the loss) or
# `# [runtime]` (a setting MMPose's `_base_/default_runtime.py` provides and ours does not, or ours changes).
_base_ = ['../_base_/default_runtime.py']  # [runtime] our runtime (imports bmc_mmpose), no mmpose:: paths

# visualization
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(type='Pose3dLocalVisualizer', vis_backends=vis_backends, name='visualizer')

# runtime
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)  # [runtime] by_epoch from MMPose's runtime
val_cfg = dict()  # [runtime]
test_cfg = dict()  # [runtime]
custom_hooks = [dict(type='SyncBuffersHook')]  # [runtime]

# optimizer
optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.0002))

# learning policy
param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, milestones=[15, 17], gamma=0.1, by_epoch=True)]

auto_scale_lr = dict(base_batch_size=128)

# hooks
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='MPJPE_all', rule='less', max_keep_ckpts=1),
    logger=dict(type='LoggerHook', interval=20),
)

# codec settings
codec = dict(
    type='Hand3DHeatmap',
    image_size=[256, 256],
    root_heatmap_size=64,
    heatmap_size=[64, 64, 64],
    sigma=2.5,
    max_bound=255,
    depth_size=64)

# model settings
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=50, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(
        type='InternetHead',
        keypoint_head_cfg=dict(
            in_channels=2048,
            out_channels=21 * 64,
            depth_size=codec['depth_size'],
            deconv_out_channels=(256, 256, 256),
            deconv_kernel_sizes=(4, 4, 4),
        ),
        root_head_cfg=dict(
            in_channels=2048,
            heatmap_size=codec['root_heatmap_size'],
            hidden_dims=(512, ),
        ),
        hand_type_head_cfg=dict(
            in_channels=2048,
            num_labels=2,
            hidden_dims=(512, ),
        ),
        decoder=codec),
    test_cfg=dict(flip_test=False))

# [BMC] Wrap MMPose's head, unchanged, and add the BMC loss on the 3D hands extracted from its heatmaps.
model['head'] = dict(  # [BMC]
    type='BMCRegularizedHead',  # [BMC] forward/predict are the InternetHead's; loss adds `loss_bmc`
    head=model['head'],  # [BMC] the InternetHead above
    # [BMC] soft-argmax of the 3D heatmaps -> (u, v, z) -> mm camera frame (focal, principal_pt, abs_depth
    # metainfo) -> root-relative per hand, left hands mirrored to right ones (bmc_mmpose/models/heads/
    # joints_3d_extractors.py)
    joints_3d_fn=dict(type='InternetHeadJoints3D', beta=0.2, root_depth_source='meta'),  # [BMC]
    bmc_loss=dict(  # [BMC]
        type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01,  # [BMC] supp. Sec. 8
        # [BMC] InterHand order (per finger tip -> base, wrist last) -> ours (INTERHAND_TO_FREIHAND)
        keypoint_order=(20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16),
        input_unit='mm', scale_source='predicted'))  # [BMC] no reference bone length in InterHand labels

# base dataset settings
dataset_type = 'InterHand3DDataset'
data_mode = 'topdown'
data_root = 'data/interhand2.6m/'

# pipelines
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='HandRandomFlip', prob=0.5),
    dict(type='RandomBBoxTransform', rotate_factor=90.0),
    dict(type='TopdownAffine', input_size=codec['image_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'rotation', 'img_shape', 'focal', 'principal_pt', 'input_size',
                   'input_center', 'input_scale', 'hand_type', 'hand_type_valid', 'flip', 'flip_indices',
                   'abs_depth',
                   'bbox_rotation'))  # [BMC] the crop rotation, so the extractor undoes it exactly
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['image_size']),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'rotation', 'img_shape', 'focal', 'principal_pt', 'input_size',
                   'input_center', 'input_scale', 'hand_type', 'hand_type_valid', 'flip', 'flip_indices',
                   'abs_depth'))
]

# data loaders
def _interhand(split: str, annotations: str, **kwargs) -> dict:
    """InterHand2.6M dataset of one split (MMPose's InterNet settings)."""
    prefix = f'annotations/{annotations}/InterHand2.6M_{split}'
    return dict(type=dataset_type, ann_file=f'{prefix}_data.json', camera_param_file=f'{prefix}_camera.json',
                joint_file=f'{prefix}_joint_3d.json', use_gt_root_depth=True, rootnet_result_file=None,
                data_mode=data_mode, data_root=data_root, data_prefix=dict(img=f'images/{split}/'), **kwargs)


_loader = dict(batch_size=16, num_workers=1, persistent_workers=True, drop_last=False)
train_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=True),
                        dataset=_interhand('train', 'all', pipeline=train_pipeline))
val_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                      dataset=_interhand('val', 'machine_annot', pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(**_loader, sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                       dataset=_interhand('test', 'all', pipeline=val_pipeline, test_mode=True))

# evaluators
val_evaluator = [dict(type='InterHandMetric', modes=['MPJPE', 'MRRPE', 'HandednessAcc'])]
test_evaluator = val_evaluator
