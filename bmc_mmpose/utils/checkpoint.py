# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Checkpoint loading that cannot run code, and that refuses a checkpoint which does not fit the model.

Policy: checkpoints are read with ``torch.load(weights_only=True)``. The only non-tensor types allowed are the ones
MMEngine writes into its own checkpoints (``ALLOWED_CHECKPOINT_GLOBALS``: the message hub's ``HistoryBuffer`` and
the numpy arrays, dtypes and scalars it holds, plus ``getattr`` restricted to the four ``HistoryBuffer`` statistics
methods), and they are allowed only inside :func:`safe_checkpoint_loading`
(what ``tools/train.py``, ``tools/test.py`` and ``tools/inference/demo.py`` run in), never globally on import. A trusted
legacy checkpoint that needs more (anything pickled with arbitrary classes) is loaded on purpose with
``trusted=True`` (the tools' ``--trust-checkpoint`` flag), which is ``weights_only=False`` for that run only.

Importing this module changes nothing in torch or MMEngine.
"""
import contextlib
import importlib
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Dict, Iterator, List, NamedTuple, Sequence, Tuple

import torch
from torch import nn

# Where a checkpoint's pickle refers to a global, it names it as MODULE.NAME; these are the names MMEngine 0.10's
# CheckpointHook / Runner.save_checkpoint write (meta, state_dict, message_hub, optimizer, param_schedulers) with
# numpy 1 or numpy 2 (numpy 2 moved ``numpy.core`` to ``numpy._core``; old files keep the old spelling).
ALLOWED_CHECKPOINT_GLOBALS: Tuple[str, ...] = (
    'mmengine.logging.history_buffer.HistoryBuffer',
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
    'numpy.dtypes.BoolDType',
    'numpy.dtypes.Int8DType',
    'numpy.dtypes.Int16DType',
    'numpy.dtypes.Int32DType',
    'numpy.dtypes.Int64DType',
    'numpy.dtypes.UInt8DType',
    'numpy.dtypes.UInt16DType',
    'numpy.dtypes.UInt32DType',
    'numpy.dtypes.UInt64DType',
    'numpy.dtypes.Float16DType',
    'numpy.dtypes.Float32DType',
    'numpy.dtypes.Float64DType',
)

TRUST_FLAG = '--trust-checkpoint'
PARTIAL_FLAG = '--allow-partial-checkpoint'


class CheckpointLoadError(RuntimeError):
    """A checkpoint file that cannot be read (unsafe content, corrupt or not a checkpoint); names the file."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model (missing, unexpected or differently shaped keys)."""


def _resolve_global(dotted: str) -> Any:
    """The object behind ``MODULE.NAME``, or None when this environment has no such module or name."""
    module_name, _, name = dotted.rpartition('.')
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None


#: The statistics methods a pickled ``HistoryBuffer`` refers to as ``getattr(HistoryBuffer, name)``.
HISTORY_BUFFER_METHODS: Tuple[str, ...] = ('min', 'max', 'current', 'mean')


def history_buffer_method(owner: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` while unpickling a checkpoint: MMEngine's message hub pickles the
    statistics methods of ``HistoryBuffer`` (protocol 2 writes ``getattr(HistoryBuffer, 'min')``), and only those
    lookups are answered. A general ``getattr`` would let a crafted pickle reach any attribute of an allowed class
    (``ndarray.tofile``, a function's ``__globals__``) and run code.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if owner is HistoryBuffer and name in HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'getattr({getattr(owner, "__name__", type(owner).__name__)}, {name!r}) is not '
                                 'allowed in a checkpoint (only the statistics methods of mmengine HistoryBuffer)')


def allowed_checkpoint_globals() -> List[Tuple[Any, str]]:
    """``(object, 'MODULE.NAME')`` pairs for ``torch.serialization.safe_globals``: each allowed name bound to the
    object it means in this environment (names this environment lacks are left out), and ``builtins.getattr``
    bound to :func:`history_buffer_method`."""
    pairs: List[Tuple[Any, str]] = [(history_buffer_method, 'builtins.getattr')]
    for dotted in ALLOWED_CHECKPOINT_GLOBALS:
        obj = _resolve_global(dotted)
        if obj is None and dotted.startswith('numpy.core.'):
            obj = _resolve_global(dotted.replace('numpy.core.', 'numpy._core.', 1))
        if obj is not None:
            pairs.append((obj, dotted))
    return pairs


def load_checkpoint_file(filename: str, map_location: Any = 'cpu', trusted: bool = False) -> Any:
    """Read a checkpoint file without running code from it.

    Args:
        filename: local path of a ``torch.save`` file (MMEngine checkpoint or plain state dict).
        map_location: as for ``torch.load``.
        trusted: ``weights_only=False`` (unpickles anything; only for legacy files whose origin you trust).

    Returns:
        Whatever the file holds (usually a dict with ``state_dict`` and ``meta``).

    Raises:
        FileNotFoundError: no such file.
        CheckpointLoadError: the file holds types outside the allow-list (the message names them, the file and
            the flag to load it anyway), or it is truncated / not a torch checkpoint.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    try:
        if trusted:
            return torch.load(filename, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(allowed_checkpoint_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        text = str(err)
        if not trusted and 'weights only load failed' in text.lower():
            found = re.search(r'WeightsUnpickler error:\s*(.+?)\s*(?:Check the documentation|$)', text, re.S)
            detail = ' '.join((found.group(1) if found else text).split())
            # torch's advice to allow-list the global is not ours to give: that is what makes a pickle run code
            detail = re.sub(r'\s*Please use `torch\.serialization\.add_safe_globals.*$', '', detail)
            raise CheckpointLoadError(
                f'checkpoint {filename!r} was refused by the safe loader (torch.load weights_only=True): {detail} '
                f'-- unpickling more than tensors and the types MMEngine checkpoints hold could run code. If you '
                f'trust this file (e.g. a legacy checkpoint you wrote yourself), load it on purpose with '
                f'{TRUST_FLAG} (trusted=True).') from err
        raise CheckpointLoadError(f'checkpoint {filename!r} cannot be read: {text}') from err
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, AttributeError, ImportError) as err:
        raise CheckpointLoadError(
            f'checkpoint {filename!r} cannot be read (truncated, corrupt or not a torch checkpoint): '
            f'{type(err).__name__}: {err}') from err


@contextlib.contextmanager
def safe_checkpoint_loading(trusted: bool = False) -> Iterator[None]:
    """Within the block, MMEngine reads local checkpoints (``load_from``, ``resume``, ``Pretrained`` init of a
    local file) through :func:`load_checkpoint_file`; the previous loader is restored on exit.

    MMEngine's own local loader calls ``torch.load`` with torch's default, which on torch >= 2.6 refuses the
    ``HistoryBuffer`` of every MMEngine checkpoint (so ``--resume`` fails) and names no file when it refuses.
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    def load_from_local(filename: str, map_location: Any = None) -> Any:
        return load_checkpoint_file(filename, map_location=map_location, trusted=trusted)

    schemes = CheckpointLoader._schemes
    had_local = '' in schemes
    previous = schemes.get('')
    schemes[''] = load_from_local
    try:
        yield
    finally:
        if had_local:
            schemes[''] = previous
        else:
            del schemes['']


class CheckpointFit(NamedTuple):
    """How a state dict fits a model: keys the model has but the checkpoint lacks, keys the checkpoint has but the
    model lacks, and ``(key, checkpoint shape, model shape)`` of keys present in both with different shapes."""
    missing: List[str]
    unexpected: List[str]
    mismatched: List[Tuple[str, Tuple[int, ...], Tuple[int, ...]]]

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def describe(self, limit: int = 8) -> str:
        def head(items: Sequence[Any]) -> str:
            shown = ', '.join(str(item) for item in items[:limit])
            return shown + (f', ... ({len(items)} in all)' if len(items) > limit else f' ({len(items)})')

        parts = []
        if self.missing:
            parts.append(f'missing in the checkpoint: {head(self.missing)}')
        if self.unexpected:
            parts.append(f'unexpected (not in the model): {head(self.unexpected)}')
        if self.mismatched:
            parts.append('shape mismatch (key, checkpoint, model): ' + head(
                [f'{k} {tuple(c)} vs {tuple(m)}' for k, c, m in self.mismatched]))
        return '; '.join(parts) if parts else 'exact fit'


def state_dict_of(checkpoint: Any, revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )) -> Dict:
    """The model weights of a loaded checkpoint (its ``state_dict`` entry, or the dict itself), with the key
    rewrites MMEngine applies (``module.`` prefix of wrapped models stripped)."""
    if not isinstance(checkpoint, dict):
        raise CheckpointLoadError(f'a checkpoint must be a dict, got {type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    for pattern, replacement in revise_keys:
        state = {re.sub(pattern, replacement, k): v for k, v in state.items()}
    return state


def checkpoint_fit(model: nn.Module, state_dict: Dict[str, Any],
                   ignore_prefixes: Sequence[str] = ()) -> CheckpointFit:
    """Compare a state dict with ``model.state_dict()`` (keys starting with ``ignore_prefixes`` are skipped on
    both sides)."""

    def kept(key: str) -> bool:
        return not any(key.startswith(p) for p in ignore_prefixes)

    own = {k: v for k, v in model.state_dict().items() if kept(k)}
    theirs = {k: v for k, v in state_dict.items() if kept(k)}
    missing = sorted(k for k in own if k not in theirs)
    unexpected = sorted(k for k in theirs if k not in own)
    mismatched = sorted((k, tuple(getattr(theirs[k], 'shape', ())), tuple(own[k].shape)) for k in own
                        if k in theirs and tuple(getattr(theirs[k], 'shape', ())) != tuple(own[k].shape))
    return CheckpointFit(missing, unexpected, mismatched)


def check_checkpoint_fit(model: nn.Module, state_dict: Dict[str, Any], filename: str, allow_partial: bool = False,
                         ignore_prefixes: Sequence[str] = ()) -> CheckpointFit:
    """Raise :class:`CheckpointMismatchError` naming the file and the keys unless the weights fit the model
    exactly or ``allow_partial`` is set (then the caller loads what fits and the rest stays as initialised)."""
    fit = checkpoint_fit(model, state_dict, ignore_prefixes)
    if not fit.exact and not allow_partial:
        raise CheckpointMismatchError(
            f'checkpoint {filename!r} does not fit the model of {type(model).__name__}: {fit.describe()}. It was '
            f'probably written for another config; to load only the matching weights on purpose use '
            f'{PARTIAL_FLAG} (allow_partial=True).')
    return fit


def load_model_weights(model: nn.Module, filename: str, allow_partial: bool = False, trusted: bool = False,
                       ignore_prefixes: Sequence[str] = (), logger: Any = 'current') -> Any:
    """Load a checkpoint file into ``model`` safely and strictly (see the module docstring).

    Returns the loaded checkpoint (e.g. for its ``meta``). Shape-mismatched keys are never copied, even with
    ``allow_partial``.
    """
    from mmengine.logging import print_log
    from mmengine.runner.checkpoint import load_state_dict

    checkpoint = load_checkpoint_file(filename, map_location='cpu', trusted=trusted)
    state = state_dict_of(checkpoint)
    fit = check_checkpoint_fit(model, state, filename, allow_partial, ignore_prefixes)
    drop = {k for k, _, _ in fit.mismatched}
    state = {k: v for k, v in state.items() if k not in drop and not any(k.startswith(p) for p in ignore_prefixes)}
    load_state_dict(model, state, strict=False, logger=logger)
    if not fit.exact:
        print_log(f'partial checkpoint {filename!r} loaded on purpose: {fit.describe()}', logger=logger,
                  level=30)
    return checkpoint


def load_runner_checkpoints_strictly(runner: Any, allow_partial: bool = False) -> None:
    """Make ``runner.load_checkpoint`` (what ``Runner.test`` / ``Runner.val`` use for ``load_from``) refuse a
    checkpoint that does not fit the model, unless ``allow_partial``.

    Only this runner object is changed; it keeps MMEngine's order (``after_load_checkpoint`` hooks, then the
    weights).
    """
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

    def load_checkpoint(filename: str, map_location: Any = 'cpu', strict: bool = False,
                        revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )) -> Any:
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        fit = check_checkpoint_fit(model, state_dict_of(checkpoint, revise_keys), filename, allow_partial)
        if fit.mismatched:
            drop = {k for k, _, _ in fit.mismatched}
            checkpoint = dict(checkpoint)
            checkpoint['state_dict'] = {k: v for k, v in state_dict_of(checkpoint, revise_keys).items()
                                        if k not in drop}
        _load_checkpoint_to_model(model, checkpoint, strict=False, revise_keys=list(revise_keys))
        runner._has_loaded = True
        runner.logger.info(f'Load checkpoint from {filename}' + ('' if fit.exact else f' ({fit.describe()})'))
        return checkpoint

    runner.load_checkpoint = load_checkpoint
