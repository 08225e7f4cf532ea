# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = HO-3D) "+ 2D_HO3D": RHD 3D + HO-3D 'train' with 2D labels only, 1:1 per
# batch; evaluated on HO-3D's evaluation split (EXTRAP/INTERP/... come from the official server: submit the
# predictions file the metric writes).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/bmc_resnet50.py', '../_base_/schedules/sgd_70e.py',
    '../_base_/datasets/ho3d.py'
]
rhd_train = dict(type='Rhd3DDataset', data_root='data/RHD_published_v2/', split='training', hand='auto',
                 supervision='3d', pipeline=[])
ho3d_train_2d = dict(type='HO3DDataset', data_root='data/HO3D_v3/', split='train', version='v3',
                     supervision='2d', pipeline=[])
train_dataloader = dict(
    sampler=dict(_delete_=True, type='MultiSourceSampler', batch_size=64, source_ratio=[1, 1], shuffle=True),
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        metainfo=dict(from_file='{{ fileDirname }}/../_base_/datasets/hand21_metainfo.py'),
        datasets=[rhd_train, ho3d_train_2d],
        pipeline={{_base_.train_pipeline}}))
