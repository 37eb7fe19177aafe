"""``sampling_strategy`` -> how many rows to generate per class.

The semantics are imbalanced-learn's ``check_sampling_strategy`` for over-sampling, the
reference users know; ``tests/test_core.py`` pins the two to the same answers. The arithmetic is
written here rather than called because importing imbalanced-learn loads scikit-learn's test
utilities and pytest (0.1-0.2 s and ~9 MB on the first call) for a dozen lines of counting,
a cost every ``sample_minority`` call of a method that needs nothing else from it would pay.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

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
    out = _over_sampling_targets(sampling_strategy, labels, counts)
    return {lbl: int(v) for lbl, v in out.items() if int(v) > 0}


def _over_sampling_targets(strategy, labels: list, counts: list) -> dict:
    """imbalanced-learn's over-sampling targets ({label: rows to add}) for a validated strategy.

    Classes are handled by position, so labels of any type (bools beside ints, mixed) stay
    apart; ties for majority or minority go to the first label in ``labels`` order, as
    imbalanced-learn resolves them over its sorted class codes.
    """
    n_max = max(counts)
    majority, minority = counts.index(n_max), counts.index(min(counts))
    if isinstance(strategy, str):
        keep = {
            "auto": lambda i: i != majority,
            "not majority": lambda i: i != majority,
            "minority": lambda i: i == minority,
            "not minority": lambda i: i != minority,
            "all": lambda i: True,
        }[strategy]
        return {labels[i]: n_max - c for i, c in enumerate(counts) if keep(i)}
    if isinstance(strategy, Mapping):
        return {k: int(v) - counts[labels.index(k)] for k, v in strategy.items()}
    out = {labels[i]: int(n_max * float(strategy) - c) for i, c in enumerate(counts) if i != majority}
    if any(v <= 0 for v in out.values()):
        raise StrategyError(
            f"sampling_strategy {strategy!r} cannot be applied: the minority already has "
            f"{min(counts)} rows, at least {strategy} x {n_max} of the majority; a ratio that needs no new rows "
            "(or fewer rows) is not over-sampling: increase the ratio"
        )
    return out
