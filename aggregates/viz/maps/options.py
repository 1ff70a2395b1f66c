"""How to draw a map: :class:`MapOptions` (language, basemap, year, offline embedding), checked."""

from __future__ import annotations

import os
from dataclasses import dataclass

from aggregates.errors import InputError
from aggregates.viz.labels import Lang, check_lang
from aggregates.vocab import Nearness

BASEMAPS = ("none", "osm", "tianditu", "gaode")
TIANDITU_ENV = "TIANDITU_KEY"


@dataclass(frozen=True)
class MapOptions:
    """How to draw a map.

    Attributes
    ----------
    lang
        ``zh`` (default; popups add English) or ``en``.
    basemap
        ``none`` (no tiles, works with no network), ``osm``, ``tianditu`` or ``gaode``.
    offline
        Embed the JavaScript and CSS in the page; ``None``: unless the basemap is ``osm``.
    tianditu_key
        Tianditu API key; otherwise read from the ``TIANDITU_KEY`` environment variable.
    year
        The year drawn; ``None``: the first year with a substitution target.
    simplify_deg
        Display simplification of lines, in degrees (~100 m per 0.001).
    coverage_rule
        When the coverage layer counts a delivery as near; default: the run's scenario's
        ``coverage_check`` rule.
    switch
        A link in the title block to the same map in the other language, a sibling file:
        ``("add", "en")`` on ``x.html`` goes to ``x.en.html``, ``("strip", "en")`` back.
    """

    lang: Lang = "zh"
    basemap: str = "none"
    offline: bool | None = None
    tianditu_key: str | None = None
    year: int | None = None
    simplify_deg: float = 0.001
    switch: tuple[str, str] | None = None
    coverage_rule: Nearness | None = None

    @property
    def embeds(self) -> bool:
        """Whether the page carries its own scripts and styles.

        By default everywhere but on OpenStreetMap: with no basemap the page must work with no network,
        and the Chinese basemaps are for users in China, where the foreign CDNs folium loads from are
        often unreachable.
        """
        return self.offline if self.offline is not None else self.basemap != "osm"

    def checked(self) -> MapOptions:
        """These options, validated.

        Raises
        ------
        InputError
            For an unknown language or basemap, or Tianditu without a key.
        """
        try:
            check_lang(self.lang)
        except ValueError as exc:
            raise InputError(f"--lang: {exc}") from None
        if self.basemap not in BASEMAPS:
            raise InputError(f"--basemap must be one of {', '.join(BASEMAPS)}, got '{self.basemap}'")
        if self.basemap == "tianditu" and not self.key():
            raise InputError(
                "--basemap tianditu needs a Tianditu API key: get one at the Tianditu developer console "
                f"and set the {TIANDITU_ENV} environment variable or --tianditu-key (or use --basemap none)"
            )
        return self

    def key(self) -> str | None:
        """The Tianditu key from the options or the environment."""
        return self.tianditu_key or os.environ.get(TIANDITU_ENV) or None
