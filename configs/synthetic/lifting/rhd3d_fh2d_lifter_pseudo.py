# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: BMC-refined pseudo-labels through MMEngine's runner (the lifting proxy's a3d_b2d_pseudo*_conf rows
# as a recipe for datasets on disk). Three steps, each a tool of this repository:
#   1. train the lifter of rhd3d_fh2d_lifter.py (3D of domain A, 2D of domain B, L_BMC):
#        python tools/train.py configs/synthetic/lifting/rhd3d_fh2d_lifter.py --work-dir work_dirs/rhd3d_fh2d_lifter
#   2. lift domain B's 2D training labels with test-time BMC refinement (the proxy's setting) into a lifted file:
#        python tools/inference/lift_keypoints.py configs/synthetic/lifting/rhd3d_fh2d_lifter.py \
#            work_dirs/rhd3d_fh2d_lifter/iter_2000.pth --dataset-config configs/synthetic/lifting/rhd3d_fh2d_lifter.py \
#            --dataset-key train_dataloader.dataset.datasets.1 --limits data/synthetic/bmc_limits_domain_b.json \
#            --out work_dirs/rhd3d_fh2d_lifter/pseudo_labels_domain_b.json --cfg-options \
#            model.test_cfg.bmc_refine.steps=100 model.test_cfg.bmc_refine.loss.type=BMCLoss \
#            model.test_cfg.bmc_refine.loss.limits=data/synthetic/bmc_limits_domain_b.json \
#            model.test_cfg.bmc_refine.loss.lambda_a=0.1
#   3. train again from scratch with the lifted hands as domain B's 3D labels, each weighted by the L_BMC it kept
#      after refinement (LoadLiftedKeypoints3D, weighting='bmc_residual'):
#        python tools/train.py configs/synthetic/lifting/rhd3d_fh2d_lifter_pseudo.py
#   (steps 2-3 again, from this model, for a second round.)
# The transform runs on the combined dataset's samples: domain B's images (paths under its data_root) get their
# pseudo-label; domain A's, which the file does not hold, keep their own 3D labels (on_missing='keep').
_base_ = ['./rhd3d_fh2d_lifter.py']

pseudo_labels_file = 'work_dirs/rhd3d_fh2d_lifter/pseudo_labels_domain_b.json'
train_pipeline = [
    dict(type='LoadLiftedKeypoints3D', lifted_file=pseudo_labels_file, weighting='bmc_residual',
         image_root={{_base_.data_root}}, on_missing='keep'),
    dict(type='KeypointLifterInputs', noise_px=2.0),
    dict(type='PackKeypointLifterInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
