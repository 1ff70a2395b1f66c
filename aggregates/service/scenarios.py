"""Scenarios a job names: a stored scenario file, or YAML text sent in the request.

Either way the text is read with the project's safe YAML reader (no ``!!`` tags, no alias bombs),
its relative ``region`` and ``extends`` paths are made absolute against the scenarios folder and
must stay inside the folder above it (the deployment's files: ``configs/`` beside ``geodata/``), and it is
validated exactly as ``aggregates validate`` would, so a bad key gets the CLI's message.
The job keeps the resolved text, so it runs what was checked even if the stored file changes.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml

from aggregates.config import Scenario, load_scenario
from aggregates.errors import ConfigError
from aggregates.textio import parse_yaml, read_text

_STORED = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_PATHS = ("region", "extends")


def stored_names(folder: Path) -> list[str]:
    """Names of the stored scenarios (``<name>.yaml`` in ``folder``)."""
    return sorted(p.stem for p in folder.glob("*.yaml") if _STORED.match(p.stem)) if folder.is_dir() else []


def stored_text(folder: Path, name: str) -> str:
    """The text of stored scenario ``name``.

    Raises
    ------
    ConfigError
        For a name that is not a plain file name in ``folder``, listing the names there.
    """
    path = folder / f"{name}.yaml"
    if not _STORED.match(name) or not path.is_file():
        known = ", ".join(stored_names(folder)) or "none"
        raise ConfigError(f"scenario '{name}': no such stored scenario; stored ones: {known}")
    return read_text(path, ConfigError)


def resolve(text: str, folder: Path, where: str) -> tuple[str, str]:
    """(name, text) of a scenario with its relative paths made absolute against ``folder``.

    Raises
    ------
    ConfigError
        For text that is not YAML, carries tags, or is not a mapping of scenario keys.
    """
    data = parse_yaml(text, where, ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of scenario keys (name: ..., region: ...), got {_kind(data)}")
    for key in _PATHS:
        if isinstance(data.get(key), str):
            data[key] = str(_inside((folder / data[key]).resolve(), folder, key, where))
    name = str(data.get("name") or "scenario")
    if not _STORED.match(name):
        raise ConfigError(f"{where}: name '{name}': use letters, digits, _ . - (it names the run folder)")
    return name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def load(name: str, text: str, overrides: list[str], folder: Path) -> Scenario:
    """Validate resolved text as a scenario (``folder`` holds the file written for it)."""
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path, overrides)


def check(name: str, text: str, overrides: list[str], where: str, folder: Path) -> Scenario:
    """Validate resolved text in a temporary folder; raise the CLI's :class:`ConfigError` naming ``where``
    (also for a region, set by an override, outside the folder above the scenarios ``folder``)."""
    with tempfile.TemporaryDirectory(prefix="aggregates-scenario-") as tmp:
        try:
            scenario = load(name, text, overrides, Path(tmp))
        except ConfigError as exc:
            raise ConfigError(exc.message.replace(str(Path(tmp) / f"{name}.yaml"), where)) from None
    _inside(Path(scenario.region).resolve(), folder, "region", where)
    return scenario


def _inside(path: Path, folder: Path, key: str, where: str) -> Path:
    """``path`` if it lies inside the folder above ``folder``; else the ConfigError saying so."""
    root = folder.resolve().parent
    if not path.is_relative_to(root):
        raise ConfigError(
            f"{where}: {key} '{path}' is outside the files this service reads ({root}); give a path inside it, "
            "relative to the scenarios folder, e.g. ../geodata/jingjinji"
        )
    return path


def _kind(data: object) -> str:
    return "a list" if isinstance(data, list) else "text" if isinstance(data, str) else type(data).__name__
