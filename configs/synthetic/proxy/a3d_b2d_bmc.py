# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 2 "+ L_BMC" (= Tab. 4 "+ L_A", Tab. 6 "Computed"): 3D of domain A + 2D of domain B + BMC
# with limits computed from domain B's 3D. All proxy rows (tools/experiments/run_proxy_experiments.py) inherit this file and
# change one thing; they share its evaluation: Hand3DMetric plus HandPlausibilityMetric with
# the *computed* limits for every row, so the plausibility columns compare rows against one reference, once on the
# hands as predicted and once on their shapes alone (each hand divided by its own reference bone).
_base_ = ['../rhd3d_fh2d_synthetic.py']

computed_limits = 'data/synthetic/bmc_limits_domain_b.json'
approximated_limits = 'data/synthetic/bmc_limits_domain_a.json'
detections_domain_b = 'data/synthetic/detections_domain_b.json'

# a longer schedule than the main job's 5000 iterations (it fits a row's budget of 25 minutes on 2 cores, not the
# main job's 15), validated and saved once, at its end; lr x0.1 at 75 % as the main job
max_iters = 10000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.75)], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
val_evaluator = [
    dict(type='Hand3DMetric'),
    dict(type='HandPlausibilityMetric', limits=computed_limits),
    dict(type='HandPlausibilityMetric', limits=computed_limits, shape_only=True, eval_gt=False,
         prefix='plausibility_shape'),
]
test_evaluator = val_evaluator
