"""Champion/challenger routing with a stable phased share and shadow scoring.

A new model should meet real traffic a slice at a time. :class:`Router`
sends each key (a user, an account) to one arm by hashing it, so the same key
always gets the same model and the challenger's share is close to the one
asked for. With ``shadow=True`` the other model scores the same row too; its
answer is logged for comparison and never returned, and when it fails the
request still succeeds. An optional control arm gets no model at all, which
is what lets you measure whether the model helped.

Keys are placed on [0, 1) by SHA-256: ``[0, control)`` is the control arm,
the next ``challenger_share`` the challenger, the rest the champion. Raising
the challenger's share therefore keeps every key that already had it.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from labkit._json import non_finite_problem
from labkit.errors import InvalidRouting, NonFinitePrediction
from labkit.serving.log import Scored, ScoringLog, plain_output


@runtime_checkable
class Scorer(Protocol):
    """Anything that scores rows without Spark (e.g. ``labkit.export.load_scorer``'s result)."""

    def predict(self, row: Mapping[str, Any]) -> Any:
        """Score one row."""

    def predict_batch(self, rows: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        """Score several rows; one output per row, in order."""


@dataclass(frozen=True)
class Versioned:
    """A scorer with the version the router logs for it.

    Examples
    --------
    >>> class Constant:
    ...     def predict(self, row): return 0.5
    ...     def predict_batch(self, rows): return [0.5] * len(rows)
    >>> Versioned(Constant(), "1").version
    '1'
    """

    scorer: Scorer
    version: str

    def predict(self, row: Mapping[str, Any]) -> Any:
        """Score one row with the wrapped scorer."""
        return self.scorer.predict(row)

    def predict_batch(self, rows: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        """Score several rows with the wrapped scorer."""
        return self.scorer.predict_batch(rows)


def assign_arm(
    key: str, *, challenger_share: float, control_share: float = 0.0, salt: str = ""
) -> str:
    """Return the arm a key belongs to: ``"control"``, ``"challenger"`` or ``"champion"``.

    The same key, shares and salt always give the same arm. Change ``salt`` to
    draw an independent split for a new experiment.

    Examples
    --------
    >>> assign_arm("user-42", challenger_share=0.2) == assign_arm("user-42", challenger_share=0.2)
    True
    >>> assign_arm("user-42", challenger_share=0.0)
    'champion'
    """
    position = _unit_hash(f"{salt}\x00{key}")
    if position < control_share:
        return "control"
    if position < control_share + challenger_share:
        return "challenger"
    return "champion"


def _unit_hash(text: str) -> float:
    """Map text to [0, 1) uniformly and reproducibly (Python's ``hash`` is salted per process)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Router:
    """Route each key to the champion, the challenger or a control group; shadow-score the other.

    Parameters
    ----------
    champion : Scorer with a ``version``
        The model that answers by default.
    challenger : Scorer with a ``version``, optional
        The model being phased in.
    challenger_share : float, default=0.0
        Share of keys (0 to 1) the challenger answers.
    shadow : bool, default=False
        Also score each row with the model that did not answer (the champion for
        the challenger's and the control's keys), log it, never return it.
    control_share : float, default=0.0
        Share of keys that get no model at all (``output`` is ``None``), to
        measure what happens without one.
    salt : str, default=""
        Changes the split; use a new salt for a new experiment.
    log : ScoringLog, optional
        Where every scored row is written.
    clock : callable, optional
        Returns the current time as an aware datetime (default: now, UTC); a
        simulation passes its own.

    Notes
    -----
    The shadow scores in the same call, after the answer is computed, so its
    time adds to the caller's wait (it is logged separately as
    ``shadow_latency_ms``). Pure-Python scorers take microseconds; a shadow
    that could hang belongs in a separate process reading the log instead.

    Examples
    --------
    >>> class Threshold:
    ...     def __init__(self, cut): self.cut = cut
    ...     def predict(self, row): return {"probability": float(row["age"] > self.cut)}
    ...     def predict_batch(self, rows): return [self.predict(r) for r in rows]
    >>> router = Router(Versioned(Threshold(40), "1"), Versioned(Threshold(30), "2"),
    ...                 challenger_share=0.2, shadow=True)
    >>> scored = router.predict({"age": 35}, key="user-7")
    >>> scored.arm, scored.version, scored.output, scored.shadow_output
    ('champion', '1', {'probability': 0.0}, {'probability': 1.0})
    """

    def __init__(
        self,
        champion: Scorer,
        challenger: Scorer | None = None,
        *,
        challenger_share: float = 0.0,
        shadow: bool = False,
        control_share: float = 0.0,
        salt: str = "",
        log: ScoringLog | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        _check_share("challenger_share", challenger_share)
        _check_share("control_share", control_share)
        if challenger_share + control_share > 1.0:
            raise InvalidRouting(
                f"challenger_share ({challenger_share}) + control_share ({control_share}) is "
                "more than 1: nothing would be left for the champion. Lower one of them."
            )
        if challenger is None and challenger_share > 0:
            raise InvalidRouting(
                f"challenger_share is {challenger_share} but no challenger was given: pass "
                "the challenger model, or challenger_share=0."
            )
        self.champion = _check_model("champion", champion)
        self.challenger = None if challenger is None else _check_model("challenger", challenger)
        self.challenger_share = challenger_share
        self.control_share = control_share
        self.shadow = shadow
        self.salt = salt
        self.log = log
        self.clock = clock or (lambda: datetime.now(UTC))

    def arm_for(self, key: str) -> str:
        """Return the arm ``key`` is routed to (see :func:`assign_arm`)."""
        return assign_arm(
            str(key),
            challenger_share=self.challenger_share,
            control_share=self.control_share,
            salt=self.salt,
        )

    def versions(self) -> dict[str, Any]:
        """The versions in play and the shares, as the server's ``GET /models`` shows them."""
        return {
            "champion": self.champion.version,
            "challenger": None if self.challenger is None else self.challenger.version,
            "challenger_share": self.challenger_share,
            "control_share": self.control_share,
            "shadow": self.shadow,
        }

    def predict(self, row: Mapping[str, Any], *, key: str) -> Scored:
        """Score one row with the model ``key`` is routed to; shadow-score it if asked.

        Returns
        -------
        scored : Scored
            The answer (``scored.output``) and everything the log keeps. It is
            written to ``log`` when the router has one.
        """
        return self.predict_batch([row], keys=[key])[0]

    def predict_batch(
        self, rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str]
    ) -> list[Scored]:
        """Score several rows, one key each; each arm's rows go to its model in one batch.

        Raises
        ------
        InvalidRouting
            When ``rows`` and ``keys`` differ in length.
        NonFinitePrediction
            When the answering model's output for a row holds NaN or an infinity
            (``field`` is ``"row"`` or ``"rows[i]"``); nothing is logged. A shadow's
            overflow is logged as its ``shadow_error`` instead.
        """
        if len(rows) != len(keys):
            raise InvalidRouting(
                f"got {len(rows)} rows but {len(keys)} keys: pass one key per row."
            )
        # Snapshot the inputs first: the log must hold what the model was given
        # even if a scorer changes the dicts it receives.
        inputs = [dict(row) for row in rows]
        stamp = self.clock().isoformat(timespec="milliseconds")
        arms = [self.arm_for(key) for key in keys]
        results: list[Scored | None] = [None] * len(rows)
        for arm in ARM_ORDER:
            positions = [i for i, a in enumerate(arms) if a == arm]
            if positions:
                group = [inputs[i] for i in positions]
                scored = self._score_group(arm, group, [str(keys[i]) for i in positions], stamp)
                for i, record in zip(positions, scored, strict=True):
                    results[i] = record
        for position, record in enumerate(results):
            _check_finite(record, "row" if len(rows) == 1 else f"rows[{position}]")
        if self.log is not None:
            self.log.write_all(results)
        return results

    def _score_group(
        self, arm: str, inputs: list[dict[str, Any]], keys: list[str], stamp: str
    ) -> list[Scored]:
        model = {"champion": self.champion, "challenger": self.challenger}.get(arm)
        outputs, latency = _timed_batch(model, inputs) if model else ([None] * len(inputs), 0.0)
        shadow_model = self._shadow_for(arm)
        shadow = _shadow_batch(shadow_model, inputs) if shadow_model else _NO_SHADOW
        return [
            Scored(
                ts=stamp,
                request_id=uuid.uuid4().hex,
                key=key,
                arm=arm,
                version=model.version if model else None,
                input=row,
                output=output,
                latency_ms=latency,
                batch_size=len(inputs),
                shadow_version=shadow_model.version if shadow_model else None,
                shadow_output=shadow.outputs[i] if shadow.outputs else None,
                shadow_latency_ms=shadow.latency_ms,
                shadow_error=shadow.error,
            )
            for i, (key, row, output) in enumerate(zip(keys, inputs, outputs, strict=True))
        ]

    def _shadow_for(self, arm: str) -> Scorer | None:
        if not self.shadow:
            return None
        return self.challenger if arm == "champion" else self.champion


#: The order arms are scored in within a batch (the champion first: it matters most).
ARM_ORDER: tuple[str, ...] = ("champion", "challenger", "control")


@dataclass(frozen=True)
class _ShadowResult:
    outputs: list[Any] | None
    latency_ms: float | None
    error: str | None


_NO_SHADOW = _ShadowResult(outputs=None, latency_ms=None, error=None)


def _timed_batch(model: Scorer, inputs: list[dict[str, Any]]) -> tuple[list[Any], float]:
    """Score rows (one row through ``predict``, the fast path); return plain outputs, ms per row."""
    start = time.perf_counter()
    if len(inputs) == 1:
        raw = [model.predict(dict(inputs[0]))]
    else:
        raw = model.predict_batch([dict(row) for row in inputs])
        raw = raw.to_list() if hasattr(raw, "to_list") else list(raw)
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    outputs = [plain_output(output) for output in raw]
    if len(outputs) != len(inputs):
        raise InvalidRouting(
            f"model version {model.version!r} returned {len(outputs)} outputs for "
            f"{len(inputs)} rows; predict_batch must return one output per row."
        )
    return outputs, elapsed_ms / len(inputs)


def _shadow_batch(model: Scorer, inputs: list[dict[str, Any]]) -> _ShadowResult:
    """Score a batch with the shadow model; any failure becomes a logged error, never a raise."""
    try:
        outputs, latency = _timed_batch(model, inputs)
    except Exception as exc:  # noqa: BLE001 - a shadow must never fail the request
        return _ShadowResult(outputs=None, latency_ms=None, error=f"{type(exc).__name__}: {exc}")
    for position, (row, output) in enumerate(zip(inputs, outputs, strict=True)):
        problem = non_finite_problem(output, row, model.version)
        if problem is not None:
            error = f"NonFinitePrediction: row {position} of the batch: {problem}"
            return _ShadowResult(outputs=None, latency_ms=latency, error=error)
    return _ShadowResult(outputs=outputs, latency_ms=latency, error=None)


def _check_finite(record: Scored, where: str) -> None:
    """Raise when a model answered NaN or an infinity: an overflow is not a prediction."""
    problem = non_finite_problem(record.output, record.input, record.version)
    if problem is not None:
        raise NonFinitePrediction(f"{where}: {problem}", field=where)


def _check_share(name: str, share: float) -> None:
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise InvalidRouting(f"{name} must be a number from 0 to 1, got {share!r}.")


def _check_model(role: str, model: Any) -> Scorer:
    for method in ("predict", "predict_batch"):
        if not callable(getattr(model, method, None)):
            raise InvalidRouting(
                f"the {role} ({type(model).__name__}) has no {method}() method; pass a scorer "
                "such as labkit.export.load_scorer(path)."
            )
    version = getattr(model, "version", None)
    if not isinstance(version, str) or not version:
        raise InvalidRouting(
            f"the {role} ({type(model).__name__}) has no version string (found {version!r}); "
            f"the log must say which model answered. Wrap it: Versioned(scorer, '1')."
        )
    return model
