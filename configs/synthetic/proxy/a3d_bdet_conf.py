# Copyright (c) bmc_mmpose authors. All rights reserved.
# Detected-2D proxy row: detected 2D of domain B weighted by the detector's confidences, with S2HAND's SmoothL1 (Eq. 3) and
# 2D bone-direction (Eq. 4) losses, no BMC.
_base_ = ['./a3d_bdet.py']
load_detections = dict(type='LoadDetectedKeypoints2D', detections_file={{_base_.detections_domain_b}},
                       image_root={{_base_.data_root}}, confidence_as_weight=True)
# domain B's training part as in ../rhd3d_fh2d_synthetic.py (config variables cannot be partly overridden)
domain_b_train_detected = dict(type='FreiHand3DDataset', data_root={{_base_.data_root}}, split='train', versions=(0, ),
                               val_fraction=0.1, split_seed=0, supervision='2d', image_size={{_base_.image_size}},
                               pipeline=[load_detections])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.domain_a_train}}, domain_b_train_detected]))
model = dict(
    head=dict(loss_2d=dict(_delete_=True, type='ConfidenceKeypoint2DLoss', beta=1.0, loss_weight=1.0),
              bone_direction_loss=dict(type='BoneDirection2DLoss', loss_weight=1.0)))
