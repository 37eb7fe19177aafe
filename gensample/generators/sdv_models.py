"""Old home of ctgan, copulagan, tvae and gaussian-copula, kept so that saved generators load.

Generators saved before the split pickle ``gensample.generators.sdv_models.BoundedTransformer``
(ctgan, copulagan, tvae) and ``gensample.generators.sdv_models._TVAEModel`` (tvae); unpickling
them looks those names up here. New code imports the plugins from their own modules
(:mod:`.ctgan`, :mod:`.copulagan`, :mod:`.tvae`, :mod:`.gaussian_copula`).
"""

from __future__ import annotations

from .copulagan import CopulaGANGenerator
from .ctgan import CTGANGenerator
from .gaussian_copula import GaussianCopulaGenerator
from .networks.tvae import TVAEModel as _TVAEModel
from .tvae import TVAEGenerator

__all__ = ["CTGANGenerator", "CopulaGANGenerator", "GaussianCopulaGenerator", "TVAEGenerator"]


def __getattr__(name: str):
    if name == "BoundedTransformer":
        from ._sdv_glue import bounded_class

        return bounded_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
