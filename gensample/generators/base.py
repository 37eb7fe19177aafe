"""The generator plugin protocol.

A generator is a class that declares what it is (name, one-line description, family, what
data it handles, whether it does multi-class, its minimum rows per class and its default
parameters) and implements :meth:`Generator.generate`. It sees only an
:class:`~gensample.schema.EncodedTable` (numbers, no NaN: missing cells were imputed before
and are put back after) and a plan ``{class code: rows to make}``; it never sees file paths,
CLI flags or pandas dtypes. Decoding to the user's dtypes happens once, in the schema.

Third-party packages register subclasses through the ``gensample.generators`` entry-point
group (see :mod:`gensample.registry`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ParameterError, closest
from ..schema import EncodedTable
from .params import check_params

#: The data kinds a generator may declare in ``handles``.
DATA_KINDS = ("numeric", "categorical", "mixed", "missing")
#: Families whose methods are :attr:`Generator.generative` unless they say otherwise.
GENERATIVE_FAMILIES = frozenset({"deep", "forest", "copula"})


class GensampleWarning(UserWarning):
    """A decision gensample took for the user (lowered k, fallback); also kept in the result."""


class FidelityWarning(GensampleWarning):
    """The final fidelity check of a class's new rows failed, and the rows were kept.

    Warned by ``sample_minority`` (once per failed class) and kept in
    ``result.warnings`` and ``result.extra["fidelity_failed"]``; turn it into an error with
    ``warnings.simplefilter("error", FidelityWarning)`` (the CLI: ``gensample sample --strict``).

    Attributes
    ----------
    line : str
        What failed, with its figures, without the advice (what ``gensample sample`` prints).
    label : object
        The class whose rows failed.
    """

    def __init__(self, message: str, line: str | None = None, label=None):
        super().__init__(message)
        self.line = message if line is None else line
        self.label = label


@dataclass
class Generated:
    """What one call of :meth:`Generator.generate` made.

    Attributes
    ----------
    numeric, categorical : ndarray
        New rows in the encoded space (``categorical`` holds category codes).
    y : ndarray of int
        Class code of each new row.
    copied_from : ndarray of int, optional
        When the new rows are exact copies of real rows (random oversampling), the row
        positions (indices into the encoded table) they copy; the rows are then taken from
        the user's data as they are, missing cells included.
    removed : ndarray of int
        Rows of the encoded table that a cleaning step removed (SMOTE-ENN, SMOTE-Tomek).
    params : dict
        Effective parameters (e.g. a lowered ``k_neighbors``).
    notes : list of str
        Decisions taken on the way, in words.
    made_by : str, optional
        The method that really made the rows, when a generator delegates (``auto``).
    """

    numeric: np.ndarray
    categorical: np.ndarray
    y: np.ndarray
    copied_from: np.ndarray | None = None
    removed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    params: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    made_by: str | None = None

    @classmethod
    def empty(cls, table: EncodedTable) -> Generated:
        return cls(
            np.empty((0, table.numeric.shape[1])),
            np.empty((0, table.categorical.shape[1]), dtype=np.int64),
            np.empty(0, dtype=np.int64),
        )


class Generator:
    """Base class of every method in the registry.

    Subclasses set the class attributes below and implement :meth:`_generate`. Parameters
    are stored as given in ``__init__``, where only their names are checked against
    :attr:`defaults` (an unknown name is an error that lists the valid ones); their values
    are checked against :attr:`parameter_constraints` by :meth:`validate_params`, once per
    instance, before any work.
    """

    #: Name used in ``method=``, the CLI and ``methods()``.
    name: ClassVar[str] = ""
    #: One line for ``methods()``.
    description: ClassVar[str] = ""
    #: ``"interpolation"``, ``"copy"`` or ``"deep"``.
    family: ClassVar[str] = "interpolation"
    #: Which of :data:`DATA_KINDS` the method handles.
    handles: ClassVar[frozenset] = frozenset(DATA_KINDS)
    multiclass: ClassVar[bool] = True
    #: Fewest rows a class needs for this method; smaller classes fall back (see policy).
    min_rows: ClassVar[int] = 2
    #: Default parameters; the keys are the only parameter names accepted.
    defaults: ClassVar[dict] = {}
    #: What each parameter may be, declared once: ``{name: [constraint, ...]}`` with the
    #: kinds of :mod:`gensample.generators.params` (a value passes if any one constraint
    #: admits it; ``None`` in the list admits None). Checked by :meth:`validate_params`.
    parameter_constraints: ClassVar[dict] = {}
    #: True when the method looks at the other classes' rows (danger zones, cleaning).
    needs_all_rows: ClassVar[bool] = False
    #: True when the method may remove original rows.
    cleans: ClassVar[bool] = False
    #: True when the method learns a model of the rows (rather than interpolating or copying
    #: them): ``sample_minority`` then checks its rows (``check``) and judges it against SMOTE
    #: (``gate``) by default. A subclass that does not set it inherits it from its family
    #: (:data:`GENERATIVE_FAMILIES`), so a plugin declaring ``family = "deep"`` is judged too.
    generative: ClassVar[bool] = False
    #: True when the method fits a model that ``fit_generator`` can keep and ``save`` can
    #: write (the deep, forest and copula methods); persistence asks this, not the class tree.
    saves_models: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "generative" not in cls.__dict__ and "family" in cls.__dict__:
            cls.generative = cls.family in GENERATIVE_FAMILIES

    def __init__(self, **params: Any):
        unknown = [k for k in params if k not in self.defaults]
        if unknown:
            valid = ", ".join(sorted(self.defaults)) or "none"
            hint = closest(unknown[0], self.defaults)
            raise ParameterError(
                f"method {self.name!r} has no parameter {unknown[0]!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; its parameters are: {valid}"
            )
        self.params = {**self.defaults, **params}
        self._params_valid = False

    def get_params(self) -> dict:
        return dict(self.params)

    # hooks the per-class runner (gensample.runner) calls ---------------------------------
    def needs_all_rows_for(self, schema) -> bool:
        """Whether the method must see every class's rows on a table of ``schema``.

        :attr:`needs_all_rows` by default; override when it depends on the table (SMOTE-N's
        value difference metric on categorical tables) or on a parameter (``fit_on="all"``).
        """
        return self.needs_all_rows

    @classmethod
    def check_handles(cls, schema) -> None:
        """Raise ParameterError when the method cannot take a table of ``schema``.

        The data kind (numeric, categorical, mixed), missing cells and the number of classes
        are checked against :attr:`handles` and :attr:`multiclass`; the message names the
        columns at fault and what to do.
        """
        kind = schema.data_kind
        if kind not in cls.handles:
            cols = [str(c.name) for c in (schema.categorical if kind != "numeric" else schema.numeric)][:5]
            raise ParameterError(
                f"method {cls.name!r} handles {', '.join(sorted(k for k in cls.handles if k != 'missing'))} tables, "
                f"and this table is {kind} (columns {', '.join(cols)}); choose another method (`gensample methods`) "
                "or drop/convert those columns"
            )
        if schema.has_missing and "missing" not in cls.handles:
            cols = [str(c.name) for c in schema.columns if c.missing_rate > 0][:5]
            raise ParameterError(
                f"method {cls.name!r} does not accept missing cells, found in columns {', '.join(cols)}; "
                "fill them first or choose another method"
            )
        if len(schema.target.labels) > 2 and not cls.multiclass:
            raise ParameterError(
                f"method {cls.name!r} handles two classes only, and target {schema.target.name!r} has "
                f"{len(schema.target.labels)}; choose another method or a two-class target"
            )

    def generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        """Make ``plan[c]`` new rows of each class code ``c``.

        Parameters
        ----------
        table : EncodedTable
            The rows the method may learn from: only the planned classes' rows, or the whole
            table when :attr:`needs_all_rows` is set. No missing cells.
        plan : dict
            ``{class code: number of rows to make}``.
        rng : numpy.random.Generator
            The only source of randomness.
        """
        self.ensure_valid_params()
        if not plan:
            return Generated.empty(table)
        return self._generate(table, plan, rng)

    def validate_params(self) -> None:
        """Check every parameter against :attr:`parameter_constraints`, then their relations.

        Raises
        ------
        ParameterError
            Naming the method, the parameter, what it may be and what it was.
        """
        check_params(self.name, self.params, self.parameter_constraints)
        self._validate_relations()
        self._params_valid = True

    def ensure_valid_params(self) -> None:
        """:meth:`validate_params` unless this instance's parameters were checked already.

        The entry points (``sample_minority``, ``fit_generator``, ``compare``, the sampler)
        validate before any work, and :meth:`generate` / a deep model's ``fit`` call this, so
        parameters are checked once per instance whichever way in a caller takes.
        """
        if not getattr(self, "_params_valid", False):
            self.validate_params()

    def _validate_relations(self) -> None:
        """Check what the constraints cannot say alone (parameters against each other, names
        that must exist); raise ParameterError naming the parameter. Override when needed."""

    def _generate(self, table: EncodedTable, plan: dict, rng: np.random.Generator) -> Generated:
        raise NotImplementedError  # pragma: no cover - every registered method overrides it


def warn(message: str, notes: list | None = None) -> None:
    """Keep a decision taken for the user in ``notes`` (the caller's :attr:`Generated.notes`).

    The per-class runner puts the notes on the result and warns them once, at the edge
    (``sample_minority``), so notes made in one thread never end up in another call's result.
    Without a ``notes`` list the message is warned at once.
    """
    if notes is not None:
        notes.append(message)
        return
    warnings.warn(message, GensampleWarning, stacklevel=3)
