# Copyright (c) bmc_mmpose authors. All rights reserved.
# Training schedule of Spurr et al. 2020, Sec. 4 / supp. Sec. 8: SGD, lr 5e-3, 70 epochs, lr x0.1 every 30 epochs
# (epochs 30 and 60). Momentum and weight decay are not given in the paper: 0.9 and 1e-4 are the usual ResNet
# SGD values (our choice). The batch size is not given either; the dataset configs use 64 per GPU, and
# `--auto-scale-lr` rescales lr linearly from that base.
train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='SGD', lr=5e-3, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=30, gamma=0.1)]
auto_scale_lr = dict(base_batch_size=64)
