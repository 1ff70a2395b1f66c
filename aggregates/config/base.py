"""What every config section shares: strict, frozen models and small validators."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A config section: unknown keys are errors and a validated section cannot change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def non_negative(values: dict, what: str) -> dict:
    """``values`` if none is negative; otherwise a ValueError naming the bad ones."""
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        raise ValueError(f"{what} must be >= 0, got {bad}")
    return values
