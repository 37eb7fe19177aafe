"""What ``gensample methods`` shows of each built-in method, readable without importing it.

Listing the methods must answer at once: importing the plugin modules would load numpy,
scikit-learn and imbalanced-learn (and, through them, scipy) for a table of names. Each
entry repeats the class attributes of the method (``family``, ``handles``, ``multiclass``,
``min_rows``, ``description``); tests/test_imports.py checks that every entry equals its
class, so a change to a class that is not made here fails there.
"""

from __future__ import annotations

from typing import NamedTuple

#: The data kinds a method may handle, in display order (as :data:`.base.DATA_KINDS`).
DATA_KINDS = ("numeric", "categorical", "mixed", "missing")


class MethodInfo(NamedTuple):
    """A built-in method's class attributes, as ``methods()`` lists them."""

    family: str
    handles: tuple
    multiclass: bool
    min_rows: int
    description: str


#: name -> what its class declares; in the order of :data:`gensample.registry.BUILTIN`.
BUILTIN_INFO: dict[str, MethodInfo] = {
    'random': MethodInfo(
        'copy', ('numeric', 'categorical', 'mixed', 'missing'), True, 1,
        'Random oversampling: duplicates real rows of the class (exact copies)',
    ),
    'smote': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'SMOTE: interpolation between a row and a near neighbour of its class (SMOTE-NC / SMOTE-N on mixed / categorical tables)',
    ),
    'borderline-smote': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        "Borderline-SMOTE: SMOTE from the class's rows near other classes (kind borderline-1 or -2)",
    ),
    'adasyn': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        "ADASYN: more new rows from the class's rows surrounded by other classes",
    ),
    'svm-smote': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        "SVM-SMOTE: new rows around the class's SVM support vectors (extrapolates where safe)",
    ),
    'kmeans-smote': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'K-Means SMOTE: SMOTE inside the k-means clusters where the class is frequent, sparse ones first',
    ),
    'smote-enn': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'SMOTE then Edited Nearest Neighbours cleaning (may remove original rows of any class)',
    ),
    'smote-tomek': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'SMOTE then Tomek-link cleaning (may remove original rows of any class)',
    ),
    'polynom-fit-smote': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'Polynomial-fitting SMOTE (Gazzah & Amara 2008): rows on a star/bus/mesh/polynomial topology',
    ),
    'prowsyn': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        'ProWSyn (Barua et al. 2013): proximity-weighted interpolation, rows near other classes first',
    ),
    'auto': MethodInfo(
        'interpolation', ('numeric', 'categorical', 'mixed', 'missing'), True, 2,
        "Picks the method by repeated inner cross-validation of the user's classifier; keeps SMOTE unless another method wins beyond the noise; allow_none=True may make no rows",
    ),
    'ctgan': MethodInfo(
        'deep', ('numeric', 'categorical', 'mixed', 'missing'), True, 25,
        'CTGAN (ctgan 0.12): conditional GAN with mode-specific normalisation; eval-mode sampling, exact counts',
    ),
    'copulagan': MethodInfo(
        'deep', ('numeric', 'categorical', 'mixed', 'missing'), True, 50,
        'CopulaGAN (sdv 2.0 recipe on ctgan 0.12): CTGAN after Gaussian-copula marginals',
    ),
    'tvae': MethodInfo(
        'deep', ('numeric', 'categorical', 'mixed', 'missing'), True, 10,
        'TVAE (ctgan 0.12): variational autoencoder for tables; exact counts by class posterior',
    ),
    'gaussian-copula': MethodInfo(
        'copula', ('numeric', 'categorical', 'mixed', 'missing'), True, 25,
        'Gaussian copula (sdv 2.0 GaussianCopulaSynthesizer): marginals joined by a normal copula',
    ),
    'wgan-gp': MethodInfo(
        'deep', ('numeric', 'categorical', 'mixed', 'missing'), True, 10,
        'WGAN-GP: class-conditional Wasserstein GAN with gradient penalty and packing (torch), held-out early stopping',
    ),
    'arf': MethodInfo(
        'forest', ('numeric', 'categorical', 'mixed', 'missing'), True, 25,
        'ARF (Watson et al. 2023): adversarial random forest + FORDE leaf densities (scikit-learn trees), seconds on CPU',
    ),
    'forest-flow': MethodInfo(
        'forest', ('numeric', 'categorical', 'mixed', 'missing'), True, 25,
        'Forest-Flow (Jolicoeur-Martineau et al. 2024): flow matching with gradient-boosted trees (scikit-learn), tens of seconds on CPU',
    ),
}
