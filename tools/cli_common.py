# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Shared pieces of tools/train.py and tools/test.py."""
import difflib
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction


def load_config(path: str, cfg_options: Optional[List[str]] = None) -> Config:
    """Load a config and apply ``--cfg-options`` with clear errors.

    A top-level key given in ``--cfg-options`` that the config does not have is almost always a typo
    (``trian_dataloader.batch_size=8`` would otherwise be silently ignored by the Runner), so it is an error that
    names the key and the closest existing ones. Unknown keys *inside* a component (``model.head.foo=1``) reach the
    component's constructor, which rejects them by name.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        parsed = {}
        for item in cfg_options:
            if '=' not in item:
                raise ValueError(f'--cfg-options expects KEY=VALUE, got {item!r}')
            key, value = item.split('=', maxsplit=1)
            top = key.split('.')[0]
            if top not in cfg:
                close = difflib.get_close_matches(top, list(cfg.keys()), n=3)
                hint = f'; did you mean {", ".join(close)}?' if close else ''
                raise KeyError(f'--cfg-options: unknown config key {key!r} (no top-level {top!r} in {path}){hint}')
            parsed[key] = DictAction._parse_iterable(value)
        cfg.merge_from_dict(parsed)
    return cfg
