# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not a paper row: the flagship with the latent 2.5D heatmap head of Iqbal et al. 2018 instead of direct
# regression (3 deconvolutions: 4x4 ResNet-50 features -> 32x32 heatmaps and depth maps, soft-argmax).
_base_ = ['./rhd3d_fh2d.py']
model = dict(head=dict(readout=dict(type='HeatmapReadout2p5D', deconv_out_channels=(256, 256, 256))))
