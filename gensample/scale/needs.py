"""What each method needs of the rows outside the classes it grows, out of core.

Three answers, stated per method in the README's method table:

* ``minority``: only the rows of the classes to grow (SMOTE on numeric and mixed tables,
  random, polynom-fit-smote, deep methods with ``fit_on="minority"`` and no gate). Streamed
  and in-memory runs give identical rows.
* ``neighbours``: for every row of a class to grow, its ``k`` nearest rows of the other
  classes, found by a streaming exact k-nearest-neighbour pass over the batches
  (:mod:`.neighbours`). The method then runs on the class's rows plus those neighbours,
  which contain every row its neighbour queries can return, so the rows are identical to
  the in-memory run's (borderline-smote, adasyn; on tables with missing cells the other
  classes' cells are imputed batch by batch, so identity then holds only without them).
* ``sample``: a seeded uniform sample of the other classes' rows, whose size is stated in
  the result (svm-smote: its SVM is fitted on the sample plus the neighbours;
  kmeans-smote, smote-enn, smote-tomek, prowsyn, auto, SMOTE-N on all-categorical tables,
  deep methods with ``fit_on="all"`` or with the vs-smote gate). These methods look at the
  whole table's geometry, which no bounded pass reproduces exactly; their rows differ from
  the in-memory run's.
"""

from __future__ import annotations

from dataclasses import dataclass

MINORITY = "minority"
NEIGHBOURS = "neighbours"
SAMPLE = "sample"

#: Majority rows sampled when a method needs a sample and the caller gave no size.
DEFAULT_SAMPLE = 100_000
#: SVM-SMOTE fits an RBF SVM, whose cost grows with the square of the rows.
SVM_SAMPLE = 20_000


@dataclass
class Need:
    """What one method needs: ``kind``, neighbours per row ``k``, sample size ``sample``."""

    kind: str
    k: int = 0
    sample: int = 0
    why: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "k": self.k, "sample": self.sample, "why": self.why}


def need_of(generator, schema, gate, majority_sample: int | None) -> Need:
    """The :class:`Need` of ``generator`` (an instance, parameters set) on ``schema``."""
    p = generator.params
    name = generator.name
    needs_all = bool(generator.needs_all_rows)
    if schema is not None:  # None: before the schema is known (what the class alone says)
        needs_all = needs_all or bool(getattr(generator, "needs_all_rows_for", lambda s: False)(schema))
    deep_gate = generator.family == "deep" and gate in ("auto", "vs-smote")
    size = DEFAULT_SAMPLE if majority_sample is None else int(majority_sample)
    if name == "borderline-smote":
        k = int(p["m_neighbors"]) if p["kind"] == "borderline-1" else max(int(p["m_neighbors"]), int(p["k_neighbors"]))
        return Need(NEIGHBOURS, k=k, why=f"danger zones from each row's {k} nearest rows of the whole table")
    if name == "adasyn":
        k = int(p["n_neighbors"])
        return Need(NEIGHBOURS, k=k, why=f"weights from each row's {k} nearest rows of the whole table")
    if name == "svm-smote":
        k = int(p["m_neighbors"])
        size = SVM_SAMPLE if majority_sample is None else int(majority_sample)
        return Need(SAMPLE, k=k, sample=size,
                    why=f"an SVM fitted on the class, its {k} nearest other rows each and {size:,} sampled other rows")
    if needs_all or deep_gate:
        what = "the vs-smote gate's classifiers" if deep_gate and not needs_all else f"{name} looks at every class"
        return Need(SAMPLE, sample=size, why=f"{what}: a seeded sample of {size:,} rows of the other classes")
    return Need(MINORITY, why="only the rows of the classes to grow")
