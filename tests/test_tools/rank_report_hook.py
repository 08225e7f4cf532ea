# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A test-only hook (imported by test configs through ``custom_imports``): at the end of each validation and test
epoch every rank prints how many samples it evaluated, with its rank and the world size."""
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class RankReportHook(Hook):

    def __init__(self):
        self.count = 0

    def _reset(self, runner) -> None:
        self.count = 0

    def _count(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.count += len(outputs)

    def _report(self, runner, metrics=None, mode='test') -> None:
        print(f'rank-report {mode} rank={get_rank()} world_size={get_world_size()} samples={self.count}', flush=True)

    before_test_epoch = _reset
    after_test_iter = _count
    after_test_epoch = _report
    before_val_epoch = _reset
    after_val_iter = _count

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report(runner, metrics, mode='val')
