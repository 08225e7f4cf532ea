# Copyright (c) bmc_mmpose authors. All rights reserved.
# Mixed weak supervision (paper Sec. 5): RHD with 3D labels + FreiHAND with 2D labels only, in one loader.
# MultiSourceSampler fixes the share of each source in EVERY batch (source_ratio, here 1:1 -> 32 + 32 of 64);
# batch_size of the sampler must equal the dataloader's (per-GPU) batch_size. Do not combine it with
# CombinedDataset's sample_ratio_factor (the sampler would index the wrong source). Sub-datasets have no pipeline;
# the combined pipeline (crop, colour, pack) runs on every sample. FreiHAND keeps its 3D for has_3d_eval only
# (supervision='2d' -> has_3d = 0). Validation: FreiHAND 'val' part with 3D ground truth.
_base_ = ['./hand_crop_loaders.py']
rhd_root = 'data/RHD_published_v2/'
data_root = 'data/FreiHAND_pub_v2/'
# Deterministic train/val split of FreiHAND's 32,560 training hands (seed 0): 3,255 validation hands leave
# 29,305 training hands, the largest number of 3D-labelled samples in supp. Tab. 5 (num_3d_samples).
freihand_num_val = 3255
batch_size = 64
source_ratio = [1, 1]  # RHD-3D : FreiHAND-2D per batch

rhd_train = dict(type='Rhd3DDataset', data_root=rhd_root, split='training', hand='auto', supervision='3d',
                 pipeline=[])
freihand_train_2d = dict(type='FreiHand3DDataset', data_root=data_root, split='train', versions=(0, 1, 2, 3),
                         num_val=freihand_num_val, split_seed=0, supervision='2d', pipeline=[])

train_dataloader = dict(
    batch_size=batch_size,
    sampler=dict(type='MultiSourceSampler', batch_size=batch_size, source_ratio=source_ratio, shuffle=True),
    dataset=dict(
        type='CombinedDataset',
        metainfo=dict(from_file='{{ fileDirname }}/hand21_metainfo.py'),
        datasets=[rhd_train, freihand_train_2d],
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type='FreiHand3DDataset', data_root=data_root, split='val', versions=(0, ),
                 num_val=freihand_num_val, split_seed=0, supervision='3d', test_mode=True,
                 pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(
    dataset=dict(type='FreiHand3DDataset', data_root=data_root, split='evaluation', supervision='3d', test_mode=True,
                 pipeline={{_base_.val_pipeline}}))
