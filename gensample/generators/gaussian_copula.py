"""sdv 2.0's ``GaussianCopulaSynthesizer`` as a gensample method (family "copula": no network).

It shares the deep methods' fit/sample split and ``fit_on`` (:class:`.deep.DeepGenerator`)
and the table layout ctgan/sdv see (:mod:`._sdv_glue`); sdv is imported inside methods.
"""

from __future__ import annotations

import warnings

import pandas as pd

from . import _sdv_glue as glue
from .deep import DeepGenerator, seeded
from .params import Options


class GaussianCopulaGenerator(DeepGenerator):
    """sdv's ``GaussianCopulaSynthesizer``: marginal distributions joined by a Gaussian copula.

    With ``fit_on="all"`` the class is a categorical column of the copula and rows are drawn
    with sdv's conditional sampling, which for this model conditions the multivariate normal
    on the class's value rather than rejecting rows; a shortfall is topped up by drawing again.

    Parameters
    ----------
    default_distribution : str, default "beta"
        Marginal distribution of continuous columns (sdv's parameter).
    fit_on, verbose, device, min_rows
        As :class:`CTGANGenerator` (``device`` is accepted for uniformity; no network).
    """

    name = "gaussian-copula"
    description = "Gaussian copula (sdv 2.0 GaussianCopulaSynthesizer): marginals joined by a normal copula"
    family = "copula"
    generative = True
    # Measured (benchmarks/README.md, "min_rows": 8 KEEL sets x 3 splits): median downstream
    # PR-AUC gap to SMOTE -0.033 at 10 rows, -0.014 at 25 (the first size within 0.02).
    min_rows = 25
    defaults = {"default_distribution": "beta", **DeepGenerator.common_defaults}

    parameter_constraints = {"default_distribution": [Options(*glue.DISTRIBUTIONS)], **DeepGenerator.common_constraints}

    def _fit_model(self, layout, numeric, categorical, y, n_classes, seed, what):
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        frame = glue.to_frame(layout, numeric, categorical, y if n_classes > 1 else None)
        columns = {c: {"sdtype": "numerical" if c.startswith("x") else "categorical"} for c in frame.columns}
        metadata = Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})
        synth = GaussianCopulaSynthesizer(
            metadata, enforce_min_max_values=True, enforce_rounding=False,
            default_distribution=self.params["default_distribution"],
        )
        with seeded(seed, self.params["threads"]), glue.sdv_quiet(self.params["verbose"]), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            synth.fit({"table": frame})
        synth.gs_info = {"rows": len(frame)}
        return synth

    def _sample_model(self, model, layout, n, condition, seed):
        from sdv.sampling import Condition

        got, tries = [], 0
        with seeded(seed, self.params["threads"]), glue.sdv_quiet(self.params["verbose"]), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.reset_sampling()
            missing = n
            while missing > 0:
                tries += 1
                if condition is None:
                    out = model.sample(missing)
                else:
                    out = model.sample_from_conditions([Condition({glue.CLASS: int(condition)}, num_rows=missing)])
                frame = out["table"] if isinstance(out, dict) else out
                if condition is not None:
                    frame = frame[frame[glue.CLASS] == int(condition)]
                got.append(frame)
                missing = n - sum(len(f) for f in got)
                if tries >= 20 and missing > 0:
                    raise RuntimeError(f"gaussian-copula drew only {n - missing} of {n} rows of the class in 20 tries")
        frame = pd.concat(got, ignore_index=True).iloc[:n]
        return glue.from_frame(frame, layout, None)
