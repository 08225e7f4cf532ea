# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The BMC limits container, its JSON file format, loader and writer (format described in ``README.md`` here)."""
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Union

import numpy as np

#: Version of the file layout (bump when keys change); the loader rejects other versions.
FORMAT_VERSION: int = 1
FORMAT_NAME: str = 'bmc_limits'
#: Shipped limit sets, loadable by name.
SHIPPED_LIMITS: Dict[str, Path] = {'literature': Path(__file__).resolve().parent / 'literature.json'}

_SHAPES = {
    'bone_length_min': (20,), 'bone_length_max': (20,),
    'root_curvature_min': (4,), 'root_curvature_max': (4,),
    'root_angle_min': (4,), 'root_angle_max': (4,),
    'boxes': (15, 2, 2),
}


@dataclass
class BMCLimits:
    """Limits of the three biomechanical constraints, scale-normalised units, right hand, FreiHAND order.

    Attributes:
        bone_length_min, bone_length_max: ``(20,)`` bone ``k`` ends at joint ``k + 1``; unit = length of bone
            9 -> 10 (middle MCP -> PIP).
        root_curvature_min, root_curvature_max: ``(4,)`` curvature ``c_1..c_4`` (Eq. 1) of neighbouring root
            bones thumb/index .. ring/little, in 1 / unit.
        root_angle_min, root_angle_max: ``(4,)`` angles ``phi_1..phi_4`` (Eq. 3), radians.
        hulls: ``(15, K, 2)`` convex polygons in the (flexion, abduction) plane, radians, ``ANGLE_BONES`` order,
            either orientation.
        boxes: ``(15, 2, 2)`` ``[[min_flexion, min_abduction], [max_flexion, max_abduction]]`` per joint.
        unit, joint_order, source, version: metadata (see the README).
        meta: free-form extra information (references, sample counts, ...); saved and loaded as is.
    """
    bone_length_min: np.ndarray
    bone_length_max: np.ndarray
    root_curvature_min: np.ndarray
    root_curvature_max: np.ndarray
    root_angle_min: np.ndarray
    root_angle_max: np.ndarray
    hulls: np.ndarray
    boxes: np.ndarray
    unit: str = 'scale_normalised'
    joint_order: str = 'freihand'
    source: str = ''
    version: str = '1'
    meta: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        for name, shape in _SHAPES.items():
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape == (15, 4) and name == 'boxes':
                # Accept the flat (min_f, min_a, max_f, max_a) layout as well.
                value = value.reshape(15, 2, 2)
            if value.shape != shape:
                raise ValueError(f'BMCLimits.{name}: expected shape {shape}, got {value.shape}')
            setattr(self, name, value)
        hulls = np.asarray(self.hulls, dtype=np.float64)
        if hulls.ndim != 3 or hulls.shape[0] != 15 or hulls.shape[2] != 2 or hulls.shape[1] < 3:
            raise ValueError(f'BMCLimits.hulls: expected shape (15, K >= 3, 2), got {hulls.shape}')
        self.hulls = hulls
        for name in list(_SHAPES) + ['hulls']:
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f'BMCLimits.{name}: contains non-finite values')
        for prefix in ('bone_length', 'root_curvature', 'root_angle'):
            low, high = getattr(self, prefix + '_min'), getattr(self, prefix + '_max')
            if np.any(low > high):
                raise ValueError(f'BMCLimits.{prefix}_min exceeds {prefix}_max at indices '
                                 f'{np.nonzero(low > high)[0].tolist()}')
        if np.any(self.boxes[:, 0] > self.boxes[:, 1]):
            raise ValueError('BMCLimits.boxes: min exceeds max for joints '
                             f'{np.nonzero((self.boxes[:, 0] > self.boxes[:, 1]).any(-1))[0].tolist()}')
        if self.unit != 'scale_normalised':
            raise ValueError(f"BMCLimits.unit: only 'scale_normalised' is supported, got {self.unit!r}")
        if self.joint_order != 'freihand':
            raise ValueError(f"BMCLimits.joint_order: only 'freihand' is supported, got {self.joint_order!r}")

    @property
    def num_hull_points(self) -> int:
        """Vertices per hull, K."""
        return int(self.hulls.shape[1])

    def to_dict(self) -> Dict[str, Any]:
        """The JSON-serialisable file layout (see ``README.md``)."""
        return {
            'format': FORMAT_NAME,
            'format_version': FORMAT_VERSION,
            'version': str(self.version),
            'source': self.source,
            'unit': self.unit,
            'angle_unit': 'radians',
            'joint_order': self.joint_order,
            'bone_index': 'bone k ends at joint k + 1 (FreiHAND order); parent from skeleton.PARENTS',
            'bone_length': {'min': self.bone_length_min.tolist(), 'max': self.bone_length_max.tolist()},
            'root_curvature': {'min': self.root_curvature_min.tolist(), 'max': self.root_curvature_max.tolist()},
            'root_angle': {'min': self.root_angle_min.tolist(), 'max': self.root_angle_max.tolist()},
            'joint_angle_boxes': self.boxes.tolist(),
            'joint_angle_hulls': self.hulls.tolist(),
            'meta': copy.deepcopy(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any], origin: str = '<dict>') -> 'BMCLimits':
        """Build from the file layout; ``origin`` names the file in error messages."""
        if not isinstance(data, dict):
            raise TypeError(f'{origin}: BMC limits must be a JSON object / dict, got {type(data).__name__}')
        if data.get('format', FORMAT_NAME) != FORMAT_NAME:
            raise ValueError(f"{origin}: key 'format' must be {FORMAT_NAME!r}, got {data.get('format')!r}")
        if int(data.get('format_version', -1)) != FORMAT_VERSION:
            raise ValueError(f"{origin}: key 'format_version' must be {FORMAT_VERSION}, "
                             f"got {data.get('format_version')!r}")

        def get(*keys):
            node = data
            for key in keys:
                if not isinstance(node, dict) or key not in node:
                    raise KeyError(f"{origin}: missing key {'.'.join(keys)!r}")
                node = node[key]
            return np.asarray(node, dtype=np.float64)

        try:
            return cls(
                bone_length_min=get('bone_length', 'min'), bone_length_max=get('bone_length', 'max'),
                root_curvature_min=get('root_curvature', 'min'), root_curvature_max=get('root_curvature', 'max'),
                root_angle_min=get('root_angle', 'min'), root_angle_max=get('root_angle', 'max'),
                hulls=get('joint_angle_hulls'), boxes=get('joint_angle_boxes'),
                unit=data.get('unit', 'scale_normalised'), joint_order=data.get('joint_order', 'freihand'),
                source=str(data.get('source', '')), version=str(data.get('version', '1')),
                meta=copy.deepcopy(data.get('meta', {})))
        except ValueError as err:
            raise ValueError(f'{origin}: {err}') from err


def load_bmc_limits(limits: Union[str, Path, Dict[str, Any], BMCLimits] = 'literature') -> BMCLimits:
    """Load BMC limits from a shipped name (``'literature'``), a JSON path, a dict in file layout or a BMCLimits.

    Raises:
        FileNotFoundError: neither a shipped name nor an existing file.
        KeyError / ValueError: malformed content (the message names the file and key).
    """
    if isinstance(limits, BMCLimits):
        return limits
    if isinstance(limits, dict):
        return BMCLimits.from_dict(limits)
    if isinstance(limits, (str, Path)):
        path = SHIPPED_LIMITS.get(str(limits), Path(limits))
        if not path.is_file():
            raise FileNotFoundError(f'load_bmc_limits: {str(limits)!r} is neither a shipped limit set '
                                    f'({sorted(SHIPPED_LIMITS)}) nor an existing JSON file')
        with open(path, 'r', encoding='utf-8') as handle:
            try:
                data = json.load(handle)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}: not valid JSON ({err})') from err
        return BMCLimits.from_dict(data, origin=str(path))
    raise TypeError('load_bmc_limits: expected a name, path, dict or BMCLimits, '
                    f'got {type(limits).__name__}')


def save_bmc_limits(limits: BMCLimits, path: Union[str, Path]) -> Path:
    """Write ``limits`` as JSON (file layout of ``README.md``); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(limits.to_dict(), handle, indent=1)
        handle.write('\n')
    return path
