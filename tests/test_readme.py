"""The README stays true to the code where the code can say it, and links only inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from aggregates.data import schema

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_data_model_section_is_the_schema():
    assert schema.markdown() in README


def test_links_stay_inside_the_repository():
    for document in (README, *(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))):
        for target in re.findall(r"\]\(([^)#\s]+)", document):
            assert not target.startswith(("../shared", "/")), target
    for target in re.findall(r"\]\(([^)#\s:]+)", README):
        assert (ROOT / target).exists(), target
