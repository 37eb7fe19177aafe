"""``sampling_strategy`` -> how many rows to generate per class.

imbalanced-learn's ``check_sampling_strategy`` is the reference users know, so it does the
arithmetic; this module only turns its ValueErrors into errors that say what to pass.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from .errors import StrategyError

STRING_STRATEGIES = ("auto", "not majority", "minority", "all", "not minority")


def plan(sampling_strategy, labels: list, counts: list) -> dict:
    """Rows to generate per label, e.g. ``{"positive": 812}`` (labels absent need none).

    Parameters
    ----------
    sampling_strategy : str, float or dict
        ``"auto"``/``"not majority"``, ``"minority"``, ``"not minority"``, ``"all"``; a float
        (binary targets only: wanted minority/majority ratio after sampling); or a dict
        ``{label: count after sampling}``.
    labels, counts : list
        The target's labels and their row counts, in the same order.
    """
    from imblearn.utils import check_sampling_strategy

    counts = [int(c) for c in counts]
    if isinstance(sampling_strategy, str):
        if sampling_strategy not in STRING_STRATEGIES:
            raise StrategyError(
                f"sampling_strategy {sampling_strategy!r} is not known; use one of "
                + ", ".join(repr(s) for s in STRING_STRATEGIES)
                + ", a float ratio (binary targets) or a dict {label: count}"
            )
    elif isinstance(sampling_strategy, bool) or not isinstance(sampling_strategy, (numbers.Real, Mapping)):
        raise StrategyError(
            f"sampling_strategy must be a string, a float or a dict, got {type(sampling_strategy).__name__}"
        )
    elif isinstance(sampling_strategy, numbers.Real):
        if len(labels) != 2:
            raise StrategyError(
                f"a float sampling_strategy ({sampling_strategy}) only applies to two classes; this target has "
                f"{len(labels)}: pass a dict {{label: count}} or a string such as 'not majority'"
            )
        if not 0 < float(sampling_strategy) <= 1:
            raise StrategyError(
                f"a float sampling_strategy is the minority/majority ratio after sampling and must be in (0, 1]; got {sampling_strategy}"
            )
    else:
        unknown = [k for k in sampling_strategy if k not in labels]
        if unknown:
            raise StrategyError(
                f"sampling_strategy names label(s) {unknown!r} that are not in the target; labels are {labels!r}"
            )
        for k, v in sampling_strategy.items():
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
                raise StrategyError(f"sampling_strategy[{k!r}] must be a whole number of rows, got {v!r}")
            have = counts[labels.index(k)]
            if v < have:
                raise StrategyError(
                    f"sampling_strategy asks for {v} rows of class {k!r}, which already has {have}; "
                    "oversampling never removes rows: ask for at least the current count"
                )
    # Integer positions stand in for labels so that labels of any type (bools, mixed) work.
    y = np.repeat(np.arange(len(labels)), counts)
    strategy = sampling_strategy
    if isinstance(sampling_strategy, Mapping):
        strategy = {labels.index(k): int(v) for k, v in sampling_strategy.items()}
    try:
        out = check_sampling_strategy(strategy, y, "over-sampling")
    except ValueError as exc:
        raise StrategyError(f"sampling_strategy {sampling_strategy!r} cannot be applied: {exc}") from None
    return {labels[int(k)]: int(v) for k, v in out.items() if int(v) > 0}
