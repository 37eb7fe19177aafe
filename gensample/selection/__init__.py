"""Choosing a remedy from data: one engine for ``auto``, ``BalancedClassifier`` and the gates.

* :func:`evaluate_candidates` scores candidates (samplers, ``None`` for "no new rows",
  :class:`Remedy` objects) by repeated stratified inner cross-validation, resampling inside the
  training folds only, and returns :class:`CandidateScores`;
* :func:`choose` keeps a default unless another candidate wins by more than the fold-to-fold
  noise, and returns a :class:`Choice`.

See :mod:`gensample.selection.engine` for the full interface and
:mod:`gensample.selection.remedies` for the named remedies.
"""

from .engine import RULES, CandidateScores, Choice, choose, corrected_ttest_greater, evaluate_candidates
from .remedies import Remedy, make_remedy, remedy_kind, remedy_names

__all__ = ["RULES", "CandidateScores", "Choice", "choose", "corrected_ttest_greater", "evaluate_candidates",
           "Remedy", "make_remedy", "remedy_kind", "remedy_names"]
