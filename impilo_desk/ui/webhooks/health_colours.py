"""The health chart's colours, on the light and on the dark palette.

The chart paints itself (pyqtgraph), so it takes these instead of the palette's own: a white
or near-black background, axes and text at least 4.5:1 on it, and four series each at least
3:1 on it (WCAG 1.4.11, non-text contrast) and far apart from each other. Blue and teal for
the two successes, orange and red for the rest, lighter on the dark background. The legend
names every series in the order they stack, so colour is never the only cue.
"""

from __future__ import annotations

# (light, dark) for each
BACKGROUND = ("#ffffff", "#17181a")
TEXT = ("#333333", "#e8eaed")
SERIES: tuple[tuple[str, tuple[str, str]], ...] = (
    ("Delivered first time", ("#1f5fa6", "#6cb4ee")),
    ("Delivered after retries", ("#1a8a7a", "#5fd3bc")),
    ("Retrying", ("#c25e00", "#ffb74d")),
    ("Failed for good", ("#b2182b", "#ff6b6b")),
)


def background(dark: bool) -> str:
    """The chart's background."""
    return BACKGROUND[dark]


def text(dark: bool) -> str:
    """The colour of the chart's axes, ticks and labels."""
    return TEXT[dark]


def series(dark: bool) -> list[str]:
    """The colour of each series, in the order of :data:`SERIES`."""
    return [pair[dark] for _name, pair in SERIES]
