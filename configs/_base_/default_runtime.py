# Runtime defaults shared by every bmc_mmpose config (a local copy, so configs never need `mmpose::` paths).
default_scope = 'mmpose'
custom_imports = dict(imports=['bmc_mmpose'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # `save_best` names a metric of the val evaluator and needs `rule` (mmengine raises otherwise).
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='hand3d/EPE_rel_mean',
                    rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
# --show-dir draws the 3D figure; MMPose 1.3.2's PoseLocalVisualizer fails under numpy 2 (int() of a 1-element array)
visualizer = dict(type='Hand3DVisualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False
backend_args = dict(backend='local')
randomness = dict(seed=0)
