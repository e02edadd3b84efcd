"""Placeholder replaced below."""


def to_python_source(scorer):  # noqa: D103
    raise NotImplementedError
