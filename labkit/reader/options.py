"""How a CSV file is written: Spark's reader options under plain names, in one object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from labkit.errors import ConfigError

#: labkit's option name -> Spark's CSV option name.
SPARK_NAMES: dict[str, str] = {
    "header": "header",
    "sep": "sep",
    "quote": "quote",
    "escape": "escape",
    "null_value": "nullValue",
    "comment": "comment",
    "ignore_leading_whitespace": "ignoreLeadingWhiteSpace",
    "ignore_trailing_whitespace": "ignoreTrailingWhiteSpace",
    "encoding": "encoding",
    "date_format": "dateFormat",
    "timestamp_format": "timestampFormat",
    "multi_line": "multiLine",
    "line_sep": "lineSep",
}
#: The options that decide how one line splits into values (what ``from_csv`` needs too).
TOKEN_OPTIONS = (
    "sep", "quote", "escape", "null_value", "ignore_leading_whitespace",
    "ignore_trailing_whitespace", "date_format", "timestamp_format",
)  # fmt: skip


@dataclass(frozen=True)
class CsvOptions:
    """The layout of a CSV file; ``None`` leaves Spark's default.

    Examples
    --------
    >>> CsvOptions(sep=";", null_value="NA").spark_options()
    {'header': 'false', 'sep': ';', 'quote': '"', 'nullValue': 'NA', 'encoding': 'UTF-8'}
    """

    header: bool = False
    sep: str = ","
    quote: str = '"'
    escape: str | None = None
    null_value: str | None = None
    comment: str | None = None
    ignore_leading_whitespace: bool = False
    ignore_trailing_whitespace: bool = False
    encoding: str = "UTF-8"
    date_format: str | None = None
    timestamp_format: str | None = None
    multi_line: bool = False
    line_sep: str | None = None

    def spark_options(self, names: tuple[str, ...] | None = None) -> dict[str, str]:
        """Spark's option names and string values (unset and default-false options left out)."""
        result = {}
        for name, value in asdict(self).items():
            if (names is not None and name not in names) or value is None:
                continue
            if isinstance(value, bool):
                if not value and name != "header":
                    continue
                value = str(value).lower()
            result[SPARK_NAMES[name]] = value
        return result

    def to_dict(self) -> dict[str, Any]:
        """The options that differ from the defaults, as plain data."""
        default = CsvOptions()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, where: str = "[data]") -> CsvOptions:
        """Options from a config table; unknown names and wrong types raise :class:`ConfigError`."""
        from labkit.validate.config import check_keys

        known = {f.name: f for f in fields(cls)}
        check_keys(raw, list(known), where, "option")
        default = cls()
        for key, value in raw.items():
            expected = type(getattr(default, key))
            if isinstance(getattr(default, key), bool) and not isinstance(value, bool):
                raise ConfigError(f"{where} {key} must be true or false, got {value!r}.")
            if (expected is str or getattr(default, key) is None) and not isinstance(value, str):
                raise ConfigError(f"{where} {key} must be a string, got {value!r}.")
        return replace(default, **raw)
