# Copyright (c) bmc_mmpose authors. All rights reserved.
"""File helpers shared by the format modules: reading annotation files with errors that name the file and what it
should hold, and writing images, JSON and pickles the way the datasets' authors did."""
import json
import os
import os.path as osp
import pickle
from typing import Any, Optional, Sequence, Tuple

import numpy as np


def require_file(path: str, what: str) -> str:
    """Raise ``FileNotFoundError`` naming ``path`` and what was expected there, else return ``path``."""
    if not osp.exists(path):
        raise FileNotFoundError(f'{path} does not exist; expected {what}')
    return path


def require_key(record: dict, key: str, source: str, what: str) -> Any:
    """Return ``record[key]`` or raise ``KeyError`` naming the file/record and what the key should hold."""
    if not isinstance(record, dict) or key not in record:
        keys = sorted(record.keys()) if isinstance(record, dict) else type(record).__name__
        raise KeyError(f'{source}: missing key {key!r} (expected {what}); found {keys}')
    return record[key]


def as_array(value: Any, shape: Sequence[int], source: str, key: str) -> np.ndarray:
    """``np.asarray(value, float64)`` reshaped to ``shape``, or a ``ValueError`` naming source and key."""
    try:
        arr = np.asarray(value, np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{source}: {key!r} is not numeric ({err})') from err
    if arr.size != int(np.prod(shape)):
        raise ValueError(f'{source}: {key!r} has shape {arr.shape}, expected {tuple(shape)}')
    return arr.reshape(shape)


def load_pickle(path: str, what: str) -> Any:
    """Unpickle an annotation file (latin1, as the Python 2 pickles of RHD and HO-3D need); a truncated or
    corrupt file raises ``ValueError`` naming it and what it should hold."""
    try:
        with open(path, 'rb') as f:
            return pickle.load(f, encoding='latin1')
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError,
            UnicodeDecodeError) as err:
        raise ValueError(f'{path}: cannot unpickle ({type(err).__name__}: {err}); expected {what}') from err


def load_json(path: str, what: str) -> Any:
    """Parse a JSON annotation file; invalid JSON raises ``ValueError`` naming the file and what it should hold."""
    with open(path) as f:
        try:
            return json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f'{path}: not valid JSON ({err}); expected {what}') from err


def dump_json(path: str, data: Any) -> None:
    """Write ``data`` as compact JSON (the authors' lists of lists), creating the folder."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f)


def dump_pickle(path: str, data: Any, protocol: Optional[int] = None) -> None:
    """Pickle ``data`` to ``path``, creating the folder (protocol 2 is what Python 2 readers can load)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'wb') as f:
        pickle.dump(data, f, protocol=protocol)


def image_size_of(path: str) -> Tuple[int, int]:
    """``(W, H)`` of an image file, reading only its header when Pillow is available.

    Raises:
        IOError: naming the file when it cannot be read or decoded.
    """
    try:
        from PIL import Image
        with Image.open(path) as img:
            return int(img.size[0]), int(img.size[1])
    except ImportError:
        pass
    except Exception as err:  # PIL raises several types for undecodable files
        raise IOError(f'{path}: cannot read the image size ({err})') from err
    import cv2
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise IOError(f'{path}: cannot decode the image')
    return int(img.shape[1]), int(img.shape[0])


def write_image(path: str, image: np.ndarray, jpeg_quality: int = 95, png_compression: Optional[int] = None) -> None:
    """Write a (H, W, 3) uint8 BGR (or (H, W) uint8) image with cv2, png or jpg by the extension, creating the
    folder.

    Args:
        path (str): ``.png`` or ``.jpg`` file.
        image (np.ndarray): the pixels.
        jpeg_quality (int): JPEG quality (0-100) of ``.jpg`` files.
        png_compression (int, optional): zlib level (0-9) of ``.png`` files; None keeps cv2's default.
    """
    import cv2
    path = str(path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if path.endswith('.jpg'):
        params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
    else:
        params = [] if png_compression is None else [cv2.IMWRITE_PNG_COMPRESSION, png_compression]
    if not cv2.imwrite(path, image, params):
        raise IOError(f'cv2.imwrite failed for {path}')
