# Copyright (c) bmc_mmpose authors. All rights reserved.
# The BMC model of Spurr et al. (ECCV 2020), Sec. 4 and supp. Sec. 8: ResNet-50 on a 128x128 crop, the last
# linear layer regressing 21 x (u, v, z_r) (Hand25DHead with RegressionReadout2p5D), closed-form Z-root (Iqbal et al.
# 2018) refined by the supp. Tab. 6 MLP (ZRootRefiner, built by the head), losses of Eq. 10 with the weights of
# supp. Sec. 8. Experiment configs add `head.loss_bmc` and pick the data.
#
# Backbone swap (one line, plus the head's input channels; see configs/bmc/README.md):
#   model = dict(backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None), head=dict(in_channels=512))
# Pretrained weights: none are downloaded by default (init_cfg=None). For ImageNet weights set
#   model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')))
# (mmengine fetches torchvision's resnet50 the first time; or give a local .pth path as `checkpoint`).
model = dict(
    type='Hand3DEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=50, init_cfg=None),
    head=dict(
        type='Hand25DHead',
        in_channels=2048,
        input_size=(128, 128),
        # read-out: 'RegressionReadout2p5D' (the paper) or 'HeatmapReadout2p5D' = latent 2.5D heatmaps of Iqbal et al.
        # (see bmc/rhd3d_fh2d_heatmap.py)
        readout=dict(type='RegressionReadout2p5D'),
        # the 2.5D representation: depth targets and lifting; closed-form root depth clamped to 1-500 bone lengths
        decoder=dict(type='Hand25DCodec', zroot_range=(1.0, 500.0)),
        zroot_refiner=dict(type='ZRootRefiner', use_batchnorm=True, detach_inputs=True),
        # L1 on 2D in pixels of the crop: the paper gives lambda_2D = 1 next to its 2D errors in px; in
        # crop-normalised units the 2D term would be 128x weaker than lambda_zr * |z_r| and lambda_Zroot * |Z_root|.
        loss_2d=dict(type='MaskedL1Loss', loss_weight=1.0),
        loss_2d_unit='pixel',
        loss_zr=dict(type='MaskedL1Loss', loss_weight=5.0),
        loss_zroot=dict(type='MaskedL1Loss', loss_weight=1.0),
        loss_zroot_cf=None,  # an L1 on the closed-form root too, e.g. dict(type='MaskedL1Loss', loss_weight=1.0)
        closed_form_gradient=False,  # see Hand25DHead: the closed form is ill-conditioned early in training
        loss_bmc=None,
        default_ref_bone_length=40.0),
    # Flip TTA is rejected by Hand3DEstimator (a flipped right hand is a left hand).
    test_cfg=dict(flip_test=False))

# The metric reads this model's pred_instances (docs/architecture.md).
val_evaluator = dict(type='Hand3DMetric')
test_evaluator = val_evaluator
