"""Probability bands mapped to actions: not every output is yes or no.

A fraud model's probability is more useful as a dial than as a switch: low
scores pass, a little higher asks for a second look, the top is blocked. The
bands must cover every probability exactly once, so :class:`ActionBands`
checks at construction that they start at 0, end at 1, and meet edge to edge
with no gap and no overlap. Each band holds ``low <= p < high``; the last one
also holds ``p == 1``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from labkit.errors import InvalidBands

#: The five actions the codelab uses, from most to least trusting.
DEFAULT_ACTIONS: tuple[str, ...] = (
    "allow",
    "challenge",
    "second factor",
    "human review",
    "block",
)


@dataclass(frozen=True)
class Band:
    """One action and the probabilities it covers: ``low <= p < high``.

    Examples
    --------
    >>> Band("allow", 0.0, 0.3)
    Band(action='allow', low=0.0, high=0.3)
    """

    action: str
    low: float
    high: float


class ActionBands:
    """Named probability bands, checked to cover [0, 1] without gaps or overlaps.

    Parameters
    ----------
    bands : sequence of Band, or mapping of action to (low, high)
        The bands in any order; they are sorted by ``low``.

    Raises
    ------
    InvalidBands
        When a band is empty or reversed, reaches outside [0, 1], when two
        bands share an action name, leave a gap, or overlap. The message
        names the bands and the numbers at fault.

    Examples
    --------
    >>> bands = ActionBands.from_cuts(["allow", "review", "block"], [0.5, 0.9])
    >>> bands.action_for(0.2), bands.action_for(0.5), bands.action_for(1.0)
    ('allow', 'review', 'block')
    >>> ActionBands({"allow": (0.0, 0.5), "block": (0.6, 1.0)})
    Traceback (most recent call last):
    ...
    labkit.errors.InvalidBands: gap between band 'allow' (ends at 0.5) and band 'block' \
(starts at 0.6): probabilities in [0.5, 0.6) would get no action. Make 'allow' end \
where 'block' starts.
    """

    def __init__(self, bands: Sequence[Band] | Mapping[str, tuple[float, float]]) -> None:
        if isinstance(bands, Mapping):
            bands = [Band(action, low, high) for action, (low, high) in bands.items()]
        self.bands: tuple[Band, ...] = tuple(sorted(bands, key=lambda band: band.low))
        _check_bands(self.bands)

    @classmethod
    def from_cuts(cls, actions: Sequence[str], cuts: Sequence[float]) -> ActionBands:
        """Build bands from ordered actions and the cut points between them.

        Parameters
        ----------
        actions : sequence of str
            Action names from the lowest probabilities to the highest.
        cuts : sequence of float
            ``len(actions) - 1`` increasing cut points strictly inside (0, 1).

        Examples
        --------
        >>> ActionBands.from_cuts(["allow", "block"], [0.8]).bands[1]
        Band(action='block', low=0.8, high=1.0)
        """
        if len(cuts) != len(actions) - 1:
            raise InvalidBands(
                f"{len(actions)} actions need {len(actions) - 1} cut points between them, "
                f"got {len(cuts)}: {list(cuts)}."
            )
        edges = [0.0, *cuts, 1.0]
        return cls(
            [Band(a, lo, hi) for a, lo, hi in zip(actions, edges[:-1], edges[1:], strict=True)]
        )

    def action_for(self, probability: float) -> str:
        """Return the action of the band that holds ``probability``.

        Raises
        ------
        InvalidBands
            When ``probability`` is not a number in [0, 1].
        """
        _check_probability(probability)
        for band in self.bands:
            if probability < band.high:
                return band.action
        return self.bands[-1].action  # probability == 1.0

    def actions_for(self, probabilities: Iterable[float]) -> list[str]:
        """Return the action for each probability, in order."""
        return [self.action_for(p) for p in probabilities]

    def to_dict(self) -> dict[str, list[float]]:
        """The bands as ``{action: [low, high]}``, lowest first (JSON-ready)."""
        return {band.action: [band.low, band.high] for band in self.bands}

    def __repr__(self) -> str:
        # The last band is closed: it also holds probability 1.
        closers = [")"] * (len(self.bands) - 1) + ["]"]
        inner = ", ".join(
            f"{b.action!r}: [{b.low:g}, {b.high:g}{end}"
            for b, end in zip(self.bands, closers, strict=True)
        )
        return f"ActionBands({{{inner}}})"


def _check_probability(probability: float) -> None:
    if isinstance(probability, bool) or not isinstance(probability, (int, float)):
        raise InvalidBands(
            f"a probability must be a number in [0, 1], got {type(probability).__name__} "
            f"{probability!r}."
        )
    if math.isnan(probability) or not 0.0 <= probability <= 1.0:
        raise InvalidBands(
            f"a probability must be in [0, 1], got {probability!r}. Pass the model's "
            "probability of the positive class, not its raw score or its label."
        )


def _check_bands(bands: Sequence[Band]) -> None:
    if not bands:
        raise InvalidBands("no bands given: pass at least one band covering [0, 1].")
    names = [band.action for band in bands]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidBands(f"each action may have one band; repeated: {duplicates}.")
    for band in bands:
        _check_band(band)
    if bands[0].low != 0.0:
        raise InvalidBands(
            f"the lowest band {bands[0].action!r} starts at {bands[0].low!r}: probabilities "
            f"in [0, {bands[0].low!r}) would get no action. Start it at 0."
        )
    if bands[-1].high != 1.0:
        raise InvalidBands(
            f"the highest band {bands[-1].action!r} ends at {bands[-1].high!r}: probabilities "
            f"up to 1 would get no action. End it at 1."
        )
    for before, after in zip(bands[:-1], bands[1:], strict=True):
        _check_neighbours(before, after)


def _check_band(band: Band) -> None:
    if not isinstance(band.action, str) or not band.action.strip():
        raise InvalidBands(f"band {band!r} needs an action name (a non-empty string).")
    for name in ("low", "high"):
        value = getattr(band, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise InvalidBands(f"band {band.action!r}: {name} must be a number, got {value!r}.")
        if not 0.0 <= value <= 1.0:
            raise InvalidBands(
                f"band {band.action!r}: {name}={value!r} is outside [0, 1]; probabilities "
                "never get there."
            )
    if band.low >= band.high:
        raise InvalidBands(
            f"band {band.action!r} runs from {band.low!r} to {band.high!r}: low must be "
            "below high. Swap them, or drop the band if it should be empty."
        )


def _check_neighbours(before: Band, after: Band) -> None:
    if before.high < after.low:
        raise InvalidBands(
            f"gap between band {before.action!r} (ends at {before.high!r}) and band "
            f"{after.action!r} (starts at {after.low!r}): probabilities in "
            f"[{before.high!r}, {after.low!r}) would get no action. Make "
            f"{before.action!r} end where {after.action!r} starts."
        )
    if before.high > after.low:
        raise InvalidBands(
            f"band {before.action!r} (up to {before.high!r}) overlaps band {after.action!r} "
            f"(from {after.low!r}): probabilities in [{after.low!r}, {before.high!r}) would "
            f"have two actions. Make {before.action!r} end where {after.action!r} starts."
        )
