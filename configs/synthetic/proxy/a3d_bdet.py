# Copyright (c) bmc_mmpose authors. All rights reserved.
# Detected-2D proxy row: 3D of domain A + *detected* 2D of domain B (tools/data/simulate_detections.py), every detected joint
# weighted 1 (a plain detector-as-labeller baseline), built-in L1, no BMC.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=None))
load_detections = dict(type='LoadDetectedKeypoints2D', detections_file={{_base_.detections_domain_b}},
                       image_root={{_base_.data_root}}, confidence_as_weight=False)
# domain B's training part as in ../rhd3d_fh2d_synthetic.py (config variables cannot be partly overridden)
domain_b_train_detected = dict(type='FreiHand3DDataset', data_root={{_base_.data_root}}, split='train', versions=(0, ),
                               val_fraction=0.1, split_seed=0, supervision='2d', image_size={{_base_.image_size}},
                               pipeline=[load_detections])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.domain_a_train}}, domain_b_train_detected]))
