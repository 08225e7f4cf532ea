# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 2 "3D_RHD + 3D_FH + L_BMC": 3D labels of both domains + BMC (limits computed from B).
_base_ = ['./a3d_b2d_bmc.py']
# domain B's training part as in ../rhd3d_fh2d_synthetic.py (config variables cannot be partly overridden)
domain_b_train_3d = dict(type='FreiHand3DDataset', data_root={{_base_.data_root}}, split='train', versions=(0, ),
                         val_fraction=0.1, split_seed=0, supervision='3d', image_size={{_base_.image_size}},
                         pipeline=[])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.domain_a_train}}, domain_b_train_3d]))
