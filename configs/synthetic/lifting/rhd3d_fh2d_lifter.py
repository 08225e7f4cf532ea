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
        # the refiner starts from the root pooled over all 20 bones (expected lengths: the midpoints of the BMC
        # limits), as every lifting-proxy row: the two-joint closed form cost the proxy's lifters 24 %
        root_solver='bones',
        loss_bmc=dict(type='BMCLoss', limits=bmc_limits, lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01)),
    # Test-time BMC refinement of each lifted hand (not in the paper), off by default; the lifting proxy's setting
    # (docs/results/lifting_proxy.md): --cfg-options model.test_cfg.bmc_refine.steps=100
    # model.test_cfg.bmc_refine.loss.type=BMCLoss model.test_cfg.bmc_refine.loss.limits=<limits>
    # model.test_cfg.bmc_refine.loss.lambda_a=0.1 (and model.test_cfg.bmc_refine.uv_std=32 for noisy 2D)
    test_cfg=dict(flip_test=False))

train_pipeline = [dict(type='KeypointLifterInputs', noise_px=2.0), dict(type='PackKeypointLifterInputs')]
val_pipeline = [dict(type='KeypointLifterInputs', noise_px=0.0), dict(type='PackKeypointLifterInputs')]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=256, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# its own schedule (the main job's is longer): 2000 iterations, lr x0.1 at 75 %
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.75)], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters // 2))
