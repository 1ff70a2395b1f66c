"""Loading a scenario file: YAML, ``extends`` chains, ``--set`` overrides, validation.

A scenario is a YAML file. Every default names its source tag (see ``configs/SOURCES.md``);
a config file only needs to state what differs. Values can be overridden on the command line
with ``--set key.path=value``, validated like the file itself.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from aggregates.config.scenario import Scenario, format_validation, set_paths
from aggregates.errors import ConfigError
from aggregates.textio import parse_yaml, read_yaml_mapping


def parse_override(text: str) -> tuple[str, object]:
    """``key.path=value`` as (key path, value read as YAML).

    The value is read with the same safe YAML reader as config files.

    Raises
    ------
    ConfigError
        For text without ``=`` or without a key, a key path with an empty part, or a value
        that is not valid YAML (or carries a ``!!`` tag), naming the ``--set`` text.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not all(part.strip() for part in key.split(".")):
        raise ConfigError(f"--set '{text}': expected key.path=value, e.g. --set trucks.bet.range_km=150")
    return key, parse_yaml(raw, f"--set '{text}': value", ConfigError) if raw.strip() else ""


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """Return a copy of ``data`` with each ``key.path=value`` applied.

    Values are parsed as YAML, so ``150``, ``true`` and ``[2022, 2023]`` get their
    natural types. Unknown keys are caught later by validation.
    """
    return set_paths(data, dict(parse_override(text) for text in overrides))


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    return read_yaml_mapping(path, "scenario keys", ConfigError)


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
    if parent is not None and not isinstance(parent, str):
        raise ConfigError(f"{path}: extends: expected the path of a parent config, got {parent!r}")
    if "region" in data and isinstance(data["region"], str):
        data["region"] = str((path.parent / data["region"]).resolve())
    if parent is None:
        return data
    inherited = _read_with_parents(path.parent / parent, (*seen, path))
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
        raise ConfigError(
            f"{path}: missing key 'region' (the region folder or .xlsx workbook, relative to the config file)"
        )
    scenario = scenario_from_dict(data, str(path))
    if not (scenario.region.is_dir() or scenario.region.is_file()):
        raise ConfigError(
            f"{path}: region: folder not found: {scenario.region} (a region is a folder or an .xlsx workbook)"
        )
    return scenario


def scenario_from_dict(data: dict, where: str) -> Scenario:
    """A scenario from already-resolved data (a run folder's ``scenario.yaml``); the region need not exist.

    Raises
    ------
    ConfigError
        Naming ``where`` and every bad key.
    """
    try:
        return Scenario.model_validate({**data, "source_file": Path(where)})
    except ValidationError as err:
        raise ConfigError(format_validation(where, err)) from None
