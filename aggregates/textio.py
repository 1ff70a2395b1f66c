"""Reading text files at the boundary: UTF-8 text, YAML (safe, no duplicate keys) and JSON.

Every file a person brings (a config, ``region.yaml``, a run folder's ``scenario.yaml`` and
``kpis.json``) is read through here, so an encoding, syntax or structure problem is one
:class:`~aggregates.errors.InputError` naming the file and where in it (byte, line, column)
rather than a parser's traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from aggregates.errors import InputError

_MERGE = "tag:yaml.org,2002:merge"


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects a mapping naming one key twice (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue  # keys merged in with << may be overridden on purpose
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if first is not key_node.start_mark:
                raise yaml.constructor.ConstructorError(
                    f"key '{key}' first given on line {first.line + 1}",
                    first,
                    f"is given again on line {key_node.start_mark.line + 1}; keep one of them "
                    "(YAML would silently drop the first)",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def read_text(path: Path, error: type[InputError] = InputError) -> str:
    """The text of a UTF-8 file (a byte-order mark is allowed).

    Raises
    ------
    InputError
        (or ``error``) naming the file and the byte offset and line of the first byte that is
        not UTF-8, or saying that the file is binary.
    OSError
        When the file cannot be opened (the CLI reports its path and reason).
    """
    data = Path(path).read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0:
        raise error(f"{path}: is a binary file, not text (a NUL byte at byte offset {nul}); give a UTF-8 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{path}: not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}); "
            "save the file as UTF-8"
        ) from None


def parse_yaml(text: str, where: str, error: type[InputError] = InputError) -> object:
    """YAML ``text`` as plain values (mappings, lists, text, numbers, booleans, null).

    Raises
    ------
    InputError
        (or ``error``) naming ``where`` with the line and column of a syntax error, a key given
        twice, or a tag that would make objects (``!!python/...``).
    """
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: plain values only
    except yaml.MarkedYAMLError as exc:
        raise error(f"{where}: {_yaml_problem(exc)}") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML: {exc}") from None
    except RecursionError:
        raise error(f"{where}: not valid YAML: nested too deeply") from None
    if _expanded_size(data, MAX_VALUES) > MAX_VALUES:
        raise error(
            f"{where}: expands to more than {MAX_VALUES:,} values through its aliases (*name); "
            "write the values out instead"
        )
    return data


# Aliases nest without copying, so a few lines can stand for billions of values ("billion laughs");
# every reader after the parser would walk them all. No real config comes near this.
MAX_VALUES = 100_000


def _expanded_size(data: object, budget: int) -> int:
    """How many values ``data`` holds once its shared parts are counted each time (stops past ``budget``)."""
    count, stack = 0, [data]
    while stack and count <= budget:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = exc.problem or ""
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:
        tag = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"{at}tag {tag} is not allowed; write plain values (numbers, text, lists, mappings) without '!' tags"
    if "first given on line" in (exc.context or ""):
        return f"{at}{exc.context} {problem}"
    context = f"{exc.context}, " if exc.context else ""
    return f"{at}not valid YAML: {context}{problem}"


def read_yaml(path: Path, error: type[InputError] = InputError) -> object:
    """A YAML file as plain values; see :func:`read_text` and :func:`parse_yaml` for what raises."""
    return parse_yaml(read_text(path, error), str(path), error)


def read_yaml_mapping(path: Path, what: str, error: type[InputError] = InputError) -> dict:
    """A YAML file whose top level is a mapping of keys (an empty file is an empty mapping).

    Raises
    ------
    InputError
        (or ``error``) as :func:`read_yaml`, or naming the file when its top level is not a mapping.
    """
    data = read_yaml(path, error)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping of {what} at the top level (key: value lines), got a {_kind(data)}")
    return data


def read_json(path: Path, error: type[InputError] = InputError) -> object:
    """A JSON file as plain values; see :func:`read_text` and :func:`parse_json` for what raises."""
    return parse_json(read_text(path, error), str(path), error)


def parse_json(text: str, where: str, error: type[InputError] = InputError) -> object:
    """JSON ``text`` as plain values; NaN and Infinity, which are not JSON, are refused.

    Raises
    ------
    InputError
        (or ``error``) naming ``where`` with the line and column of a syntax error.
    """
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise error(f"{where}: not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{where}: not valid JSON: nested too deeply") from None


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _kind(value: object) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )
