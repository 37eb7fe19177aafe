"""Argument parsing shared by the ``gensample`` commands (``sample``, ``fit``, ``compare``).

Kept apart from :mod:`gensample.cli` so that the sub-command modules (``fitted_cli``,
``evaluation.cli``) use them without importing the command-line shell back.
"""

from __future__ import annotations

import json

from .errors import ParameterError, StrategyError

def parse_params(items: list[str]) -> dict:
    """``["k_neighbors=3", "kind=borderline-2"]`` -> ``{"k_neighbors": 3, "kind": "borderline-2"}``."""
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--param expects NAME=VALUE, got {item!r}")
        params[name.strip()] = _parse_value(value.strip())
    return params


def _parse_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low in ("none", "null"):
            return None
        return text


def parse_strategy(text: str, target_values=None):
    """``auto``, a float, or ``LABEL:COUNT,LABEL:COUNT`` (labels matched to the target's own values)."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if ":" not in text:
        return text
    labels = {}
    if target_values is not None:
        for value in target_values.unique():
            labels.setdefault(str(value), value)
    out = {}
    for part in text.split(","):
        label, _, count = part.rpartition(":")
        label = label.strip()
        try:
            n = int(count)
        except ValueError:
            raise StrategyError(f"--strategy entry {part!r} must be LABEL:COUNT with a whole COUNT") from None
        if labels and label not in labels:
            raise StrategyError(f"--strategy names label {label!r}, which is not in the target; labels are {sorted(labels)}")
        out[labels.get(label, label)] = n
    return out


def profile_line(y, X=None) -> str:
    """The class balance, and with the features ``X`` the structure and one line of guidance.

    The same lines ``compare`` prints first: overlap, small disjuncts and label noise say more
    about what oversampling will do than the ratio alone (tables over 20,000 rows are
    profiled on a seeded sample of that size).
    """
    from .evaluation.profile import imbalance_profile

    return imbalance_profile(y, X).line()
