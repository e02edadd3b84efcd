"""The champion pointer, ``champion.json``: which version serves, the ones before it, a log.

::

    {"champion": "1.1.0", "previous": ["1.0.0"],
     "log": [{"at": "...", "action": "promote", "version": "1.0.0", "reason": "..."}, ...]}

It is replaced whole in one atomic step, so it always names one complete
version. Reading checks every field's type: a pointer edited by hand into
something labkit never writes is refused with the file and the field named.

Examples
--------
>>> path = tmp_path / "champion.json"
>>> read_pointer(path)  # no file yet: no champion
{'champion': None, 'previous': [], 'log': []}
>>> write_pointer(path, read_pointer(path), "1.0.0", "promote", "first model")["champion"]
'1.0.0'
>>> read_pointer(path)["log"][0]["action"]
'promote'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labkit import _json
from labkit._atomic import atomic_write
from labkit.errors import RegistryCorrupt
from labkit.registry.names import is_version_name
from labkit.registry.provenance import now_utc, read_json_object

__all__ = ["EMPTY_POINTER", "read_pointer", "write_pointer"]

EMPTY_POINTER: dict[str, Any] = {"champion": None, "previous": [], "log": []}


def read_pointer(path: Path) -> dict[str, Any]:
    """The pointer at ``path`` (an empty one if the file does not exist yet), checked.

    Raises
    ------
    RegistryCorrupt
        When a field is missing or of the wrong type; the message names the file,
        the field and the bad item.

    Examples
    --------
    >>> _ = (tmp_path / "champion.json").write_text(
    ...     '{"champion": "1.0.0", "previous": [null], "log": []}')
    >>> read_pointer(tmp_path / "champion.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.errors.RegistryCorrupt: .../champion.json: field 'previous' ... item 0 is None...
    """
    if not path.exists():
        return {key: (None if key == "champion" else []) for key in EMPTY_POINTER}
    pointer = read_json_object(path)
    for key in EMPTY_POINTER:
        if key not in pointer:
            _corrupt(path, key, "is missing")
    champion, previous, log = pointer["champion"], pointer["previous"], pointer["log"]
    if champion is not None and not is_version_name(champion):
        _corrupt(path, "champion", f"should be a version name or null, found {champion!r}")
    _check_list(path, "previous", previous, is_version_name, "version name")
    _check_list(path, "log", log, lambda entry: isinstance(entry, dict), "object")
    if champion is None and previous:
        _corrupt(path, "previous", f"should be empty when there is no champion, found {previous!r}")
    return pointer


def write_pointer(
    path: Path, pointer: dict[str, Any], champion: str, action: str, reason: str
) -> dict[str, Any]:
    """Make ``champion`` the champion after ``pointer``, logging ``action``; return the new pointer.

    The version that was champion goes on top of ``previous`` for a promotion;
    a rollback pops it. The file is replaced atomically.
    """
    current, previous = pointer["champion"], list(pointer["previous"])
    if action == "rollback":
        previous = previous[1:]
    elif current is not None and current != champion:
        previous = [current, *previous]
    entry = {"at": now_utc(), "action": action, "version": champion, "reason": reason}
    new = {"champion": champion, "previous": previous, "log": [*pointer["log"], entry]}
    atomic_write(path, _json.dumps(new, indent=2, sort_keys=True) + "\n")
    return new


def _check_list(path: Path, field: str, value: Any, valid: Any, kind: str) -> None:
    if not isinstance(value, list):
        _corrupt(path, field, f"should be a list, found {type(value).__name__} {value!r}")
    for index, item in enumerate(value):
        if not valid(item):
            _corrupt(path, field, f"should hold only {kind}s, but item {index} is {item!r}")


def _corrupt(path: Path, field: str, problem: str) -> None:
    raise RegistryCorrupt(
        f"{path}: field {field!r} {problem}. labkit never writes that: restore the file "
        "from a backup, or fix the field by hand (the log's entries say which versions "
        "were champions, newest last)."
    )
