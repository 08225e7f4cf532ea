# Copyright (c) bmc_mmpose authors. All rights reserved.
"""``--cfg-options KEY=VALUE`` parsing shared by the tools, with an error for keys the config does not have."""
import difflib
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence


def parse_cfg_options(cfg: Any, options: Optional[Sequence[str]], source: str = 'the config') -> Dict[str, Any]:
    """Parse ``KEY=VALUE`` strings into the dict ``Config.merge_from_dict`` takes, checking each key's top level.

    A top-level key that the config does not have is almost always a typo (``trian_dataloader.batch_size=8``
    would otherwise be silently ignored by the Runner), so it is an error naming the key and the closest existing
    ones. Unknown keys *inside* a component (``model.head.foo=1``) reach the component's constructor, which
    rejects them by name.

    Args:
        cfg: the loaded ``mmengine.Config``.
        options: the raw ``--cfg-options`` items (None or empty: nothing to do).
        source: what the config is, for the error message (usually its path).

    Raises:
        ValueError: an item without ``=``.
        KeyError: an unknown top-level key.
    """
    from mmengine.config import DictAction

    parsed: Dict[str, Any] = {}
    for item in options or ():
        if '=' not in item:
            raise ValueError(f'--cfg-options expects KEY=VALUE, got {item!r}')
        key, value = item.split('=', maxsplit=1)
        top = key.split('.')[0]
        if top not in cfg:
            close = difflib.get_close_matches(top, list(cfg.keys()), n=3)
            hint = f'; did you mean {", ".join(close)}?' if close else ''
            raise KeyError(f'--cfg-options: unknown config key {key!r} (no top-level {top!r} in {source}){hint}')
        parsed[key] = DictAction._parse_iterable(value)
    return parsed


def load_config(path: str, cfg_options: Optional[List[str]] = None) -> Any:
    """Load a config file and apply ``--cfg-options`` (checked by :func:`parse_cfg_options`)."""
    from mmengine.config import Config

    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    parsed = parse_cfg_options(cfg, cfg_options, source=path)
    if parsed:
        cfg.merge_from_dict(parsed)
    return cfg
