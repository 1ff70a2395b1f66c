"""Loading a scenario file: YAML, ``extends`` chains, ``--set`` overrides, validation.

A scenario is a YAML file. Every default names its source tag (see ``configs/SOURCES.md``);
a config file only needs to state what differs. Values can be overridden on the command line
with ``--set key.path=value``, validated like the file itself.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from aggregates.config.scenario import Scenario, format_validation, set_paths
from aggregates.errors import ConfigError


def parse_override(text: str) -> tuple[str, object]:
    """``key.path=value`` as (key path, value read as YAML).

    Raises
    ------
    ConfigError
        For text without ``=`` or without a key.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set '{text}': expected key.path=value, e.g. --set trucks.bet.range_km=150")
    return key.strip(), yaml.safe_load(raw) if raw.strip() else ""


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Return a copy of ``data`` with each ``key.path=value`` applied.

    Values are parsed as YAML, so ``150``, ``true`` and ``[2022, 2023]`` get their
    natural types. Unknown keys are caught later by validation.
    """
    return set_paths(data, dict(parse_override(text) for text in overrides))


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    return data


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read_with_parents(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """Read a config and the chain of files it ``extends`` (paths relative to it)."""
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"{path}: 'extends' forms a cycle: {' -> '.join(str(p) for p in (*seen, path))}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if "region" in data and isinstance(data["region"], str):
        data["region"] = str((path.parent / data["region"]).resolve())
    if parent is None:
        return data
    inherited = _read_with_parents(path.parent / str(parent), (*seen, path))
    inherited.pop("name", None)  # a variant is named after its own file unless it says otherwise
    return _merge(inherited, data)


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load, merge and validate a scenario config.

    Parameters
    ----------
    path
        The YAML file. ``region`` is resolved relative to the file; ``extends``
        names a parent config whose values this file overrides.
    overrides
        ``key.path=value`` strings applied after reading, e.g.
        ``["trucks.bet.range_km=150"]``.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ConfigError
        Naming the file and every bad key with what was expected.
    """
    path = Path(path)
    data = apply_overrides(_read_with_parents(path), overrides or [])
    data.setdefault("name", path.stem)
    if "region" not in data:
        raise ConfigError(f"{path}: missing key 'region' (the region folder, relative to the config file)")
    try:
        scenario = Scenario(**data, source_file=path)
    except ValidationError as err:
        raise ConfigError(format_validation(str(path), err)) from None
    if not scenario.region.is_dir():
        raise ConfigError(f"{path}: region: folder not found: {scenario.region}")
    return scenario


def scenario_from_dict(data: dict, where: str) -> Scenario:
    """A scenario from already-resolved data (a run folder's ``scenario.yaml``); the region need not exist.

    Raises
    ------
    ConfigError
        Naming ``where`` and every bad key.
    """
    try:
        return Scenario(**data, source_file=Path(where))
    except (ValidationError, TypeError) as err:
        if isinstance(err, TypeError):
            raise ConfigError(f"{where}: not a scenario: {err}") from None
        raise ConfigError(format_validation(where, err)) from None
