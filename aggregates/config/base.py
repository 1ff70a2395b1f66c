"""What every config section shares: strict, frozen models and small validators."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Largest magnitude of any number in a config. Far above every real price, rate or quantity
# (the largest, a penalty, is 1e4 yuan/t), and far enough below the float limit that sums and
# products in the model stay finite: 1e308 would overflow to infinity there.
PLAUSIBLE = 1e12

NonNegative = Annotated[float, Field(ge=0)]


class Strict(BaseModel):
    """A config section: unknown keys are errors and a validated section cannot change.

    NaN and infinity are refused for every number, and so are numbers beyond ``PLAUSIBLE``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _plausible(cls, value: object) -> object:
        if _has_control(value):
            raise ValueError("text must not hold control characters (tabs, line breaks, escapes)")
        huge = _huge(value)
        if huge is not None:
            shown = "" if huge is value else f" ({huge:g})" if isinstance(huge, float) else f" ({huge})"
            raise ValueError(f"numbers must be within +-{PLAUSIBLE:g}{shown}; check the value")
        return value


def _huge(value: object) -> float | None:
    """The first number in ``value`` (a number, list or mapping of them) beyond ``PLAUSIBLE``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if abs(value) > PLAUSIBLE else None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((h for v in items if (h := _huge(v)) is not None), None)


def _has_control(value: object) -> bool:
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_control(v) for v in value)


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def non_negative(values: dict, what: str) -> dict:
    """``values`` if none is negative; otherwise a ValueError naming the bad ones."""
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        raise ValueError(f"{what} must be >= 0, got {bad}")
    return values
