"""Shared fixtures (one SparkSession per test process, the real Adult data) and suite layout.

Collection does two things here, for every test and notebook cell:

- marks what needs Spark, Java or a kernel with ``spark``: any test that uses
  the ``spark`` fixture (directly or through another fixture), every notebook
  cell under nbval, and modules or tests marked so themselves. ``make check``
  runs the rest (``-m "not spark"``) in seconds;
- orders the files longest first (:data:`LONG_FIRST`), so with
  ``pytest -n 2 --dist loadfile --no-loadscope-reorder`` the two workers finish
  close together instead of one waiting on a notebook started last.

With pytest-xdist's ``--dist loadfile`` a file is one unit of work, so its
module fixtures are computed on one worker; :class:`FileScheduling` keeps that
and lets the files in :data:`SPREAD_OUT` hand out each test on its own.
"""

from __future__ import annotations

import pytest

try:
    from xdist.scheduler import LoadFileScheduling
except ImportError:  # without pytest-xdist the suite runs in one process
    LoadFileScheduling = None

from labkit import data
from labkit.session import get_spark

#: Files that take longest, longest first (roughly, from ``--durations`` runs; keep
#: it rough, it only decides what starts first); the rest keep their order after them.
LONG_FIRST = (
    "tests/test_learner_copies.py",
    "tests/test_cluster.py",
    "tests/test_connect.py",
    "notebooks/04_tuning.ipynb",
    "notebooks/06_validating_retrains.ipynb",
    "notebooks/05_predicting_outside_spark.ipynb",
    "notebooks/07_rolling_out.ipynb",
    "tests/test_export_parity_more.py",
    "tests/test_own_csv.py",
    "notebooks/08_your_own_data.ipynb",
    "notebooks/02_pipelines.ipynb",
    "notebooks/03_inspecting_trees.ipynb",
    "notebooks/01_loading_csvs.ipynb",
    "tests/test_browser.py",
    "tests/test_retrain.py",
    "tests/test_mlflow.py",
    "notebooks/00_check_your_setup.ipynb",
)
#: Files whose tests are long and independent (a notebook each): one unit of work per test.
SPREAD_OUT = ("tests/test_learner_copies.py",)


@pytest.fixture(scope="session")
def spark():
    """The process's one laptop-tuned SparkSession (starting Spark costs seconds)."""
    return get_spark("labkit-tests")


@pytest.fixture(scope="session")
def adult_train(spark):
    """adult.data as a cached DataFrame (32,561 rows)."""
    return data.load_adult(spark, "train").cache()


@pytest.fixture(scope="session")
def adult_test(spark):
    """adult.test as a cached DataFrame (16,281 rows)."""
    return data.load_adult(spark, "test").cache()


def _file_of(item: pytest.Item) -> str:
    """The item's file, relative to the root, with forward slashes (``tests/test_x.py``)."""
    return item.path.relative_to(item.config.rootpath).as_posix()


def _needs_spark(item: pytest.Item) -> bool:
    return (
        "spark" in getattr(item, "fixturenames", ())
        or item.path.suffix == ".ipynb"
        or item.get_closest_marker("spark") is not None
    )


def _rank(item: pytest.Item) -> int:
    file = _file_of(item)
    return LONG_FIRST.index(file) if file in LONG_FIRST else len(LONG_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark what needs Spark, and start the long files first."""
    for item in items:
        if _needs_spark(item):
            item.add_marker(pytest.mark.spark)
    # A stable sort: a file's tests (a notebook's cells) keep their order.
    items.sort(key=_rank)


if LoadFileScheduling is not None:

    class FileScheduling(LoadFileScheduling):
        """``--dist loadfile``, except that each test of a :data:`SPREAD_OUT` file goes alone."""

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return nodeid if file in SPREAD_OUT else file

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log) -> LoadFileScheduling | None:
        """Use :class:`FileScheduling` for ``--dist loadfile``; leave other modes to xdist."""
        return FileScheduling(config, log) if config.getvalue("dist") == "loadfile" else None
