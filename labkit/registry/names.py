"""Version names: ``MAJOR.MINOR.PATCH`` and nothing else, since a version is a folder.

A name is checked before anything is written, so no name can reach outside
the registry (``../../x``, an absolute path, a separator), hide (``.``), or
look like another (``01.0.0`` beside ``1.0.0``, digits of other scripts).

Examples
--------
>>> is_version_name("1.10.0"), is_version_name("../1.0.0")
(True, False)
"""

from __future__ import annotations

import re

from labkit.errors import InvalidVersionName

__all__ = ["check_version_name", "is_version_name", "next_version", "parse_version"]

# ASCII digits only, no leading zeros (semver), and \Z: "$" would accept a trailing newline.
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\Z")


def is_version_name(name: object) -> bool:
    """True when ``name`` is a string of the form ``MAJOR.MINOR.PATCH``.

    Examples
    --------
    >>> [is_version_name(n) for n in ("1.0.0", "01.0.0", "1.0", None)]
    [True, False, False, False]
    """
    return isinstance(name, str) and _SEMVER.match(name) is not None


def check_version_name(name: object) -> str:
    """Return ``name`` if it can name a version folder, else raise.

    Raises
    ------
    InvalidVersionName
        Naming the value, what a version looks like, and that nothing was written.

    Examples
    --------
    >>> check_version_name("2.1.0")
    '2.1.0'
    >>> check_version_name("../../escaped")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.errors.InvalidVersionName: Version name '../../escaped' is not MAJOR.MINOR.PATCH ...
    """
    if not is_version_name(name):
        raise InvalidVersionName(
            f"Version name {name!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0: digits without "
            "leading zeros, two dots, nothing else). A version is a folder inside the "
            "registry, so its name can hold no path. Nothing was written. Pick a name like "
            "1.2.0, or leave the version out to get the next one."
        )
    return name  # type: ignore[return-value]


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; raises ValueError for anything else.

    Examples
    --------
    >>> sorted(["1.10.0", "1.9.2"], key=parse_version)
    ['1.9.2', '1.10.0']
    """
    match = _SEMVER.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not a semantic version (MAJOR.MINOR.PATCH): {text!r}")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def next_version(latest: str | None, *, same_spec: bool, same_data: bool) -> str:
    """The version after ``latest``: major for a new model spec, minor for new data, else patch.

    Examples
    --------
    >>> next_version(None, same_spec=False, same_data=False)
    '1.0.0'
    >>> next_version("1.4.2", same_spec=True, same_data=False)
    '1.5.0'
    >>> next_version("1.4.2", same_spec=False, same_data=True)
    '2.0.0'
    """
    if latest is None:
        return "1.0.0"
    major, minor, patch = parse_version(latest)
    if not same_spec:
        return f"{major + 1}.0.0"
    if not same_data:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"
