# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Import a script of ``tools/`` (not a package) as a module, to call its functions in tests."""
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Union


def load_tool(path: Union[str, Path]) -> ModuleType:
    """The module of the script at ``path`` (named after its file), executed once per call."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f'load_tool: cannot import {path} as a module')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
