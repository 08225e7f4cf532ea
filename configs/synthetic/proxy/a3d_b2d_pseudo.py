# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: 3D_A + 2D_B, where domain B's training 2D labels, lifted to 3D by a keypoint lifter (3D of A +
# 2D of B + L_BMC, configs/synthetic/lifting/rhd3d_fh2d_lifter.py) and refined per hand by L_BMC, serve as B's 3D
# labels, each weighted by the L_BMC it kept after refinement (LoadLiftedKeypoints3D, weighting='bmc_residual'). BMC
# acts where its premise holds -- on B's exact 2D labels, not on the image model's 2D -- and the image model learns
# from the result (the lifting proxy's chosen method, docs/results/lifting_proxy.md, one round). The proxy runner
# writes the pseudo-label file if it is absent (it trains the lifter, then runs tools/inference/lift_keypoints.py).
_base_ = ['./a3d_b2d.py']

pseudo_labels_domain_b = 'data/synthetic/pseudo_labels_domain_b.json'
# domain B's training part as in ../rhd3d_fh2d_synthetic.py (config variables cannot be partly overridden), each
# sample given its lifted hand before the shared pipeline crops it; a sample missing from the file is an error
domain_b_train_pseudo = dict(
    type='FreiHand3DDataset', data_root={{_base_.data_root}}, split='train', versions=(0, ), val_fraction=0.1,
    split_seed=0, supervision='2d', image_size={{_base_.image_size}},
    pipeline=[dict(type='LoadLiftedKeypoints3D', lifted_file=pseudo_labels_domain_b, weighting='bmc_residual',
                   image_root={{_base_.data_root}})])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.domain_a_train}}, domain_b_train_pseudo]))
