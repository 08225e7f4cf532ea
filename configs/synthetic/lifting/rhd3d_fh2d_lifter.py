# Copyright (c) bmc_mmpose authors. All rights reserved.
# The keypoint lifter trained through MMEngine's runner (tools/train.py) on the synthetic datasets as written on disk
# (domain A as RHD with 3D labels, domain B as FreiHAND with 2D labels), with BMC: the main job's data, sampler and
# evaluation, the model and pipelines swapped for the keypoint lifter (no image is read; the 2D input is each
# sample's 2D label plus 2 px of Gaussian noise in training). BMC limits are computed from domain B's 3D by the main
# job (tools/experiments/run_main_job.py, or tools/data/compute_bmc_limits.py).
_base_ = ['../rhd3d_fh2d_synthetic.py']

bmc_limits = 'data/synthetic/bmc_limits_domain_b.json'
model = dict(
    _delete_=True,
    type='KeypointLifter',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='ResidualMLP', in_channels=3 * 21 + 2, hidden_channels=512, num_blocks=2, dropout=0.1),
    head=dict(
        type='KeypointLifterHead',
        in_channels=512,
        input_size=(128, 128),
        zroot_refiner=dict(type='ZRootRefiner'),
        loss_bmc=dict(type='BMCLoss', limits=bmc_limits, lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01)),
    test_cfg=dict(flip_test=False))

train_pipeline = [dict(type='KeypointLifterInputs', noise_px=2.0), dict(type='PackKeypointLifterInputs')]
val_pipeline = [dict(type='KeypointLifterInputs', noise_px=0.0), dict(type='PackKeypointLifterInputs')]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=256, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
