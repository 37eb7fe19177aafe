"""The deep methods on a CUDA GPU: skipped where torch sees none (CI, most machines).

The prepared device check (``benchmarks/cuda_check.sh``) runs exactly this file on a lent GPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gensample

from .conftest import make_mixed

torch = pytest.importorskip("torch")
pytest.importorskip("ctgan")
pytest.importorskip("sdv")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

FAST = {
    "wgan-gp": {"steps": 30},
    "ctgan": {"steps": 5},
    "copulagan": {"steps": 5, "default_distribution": "norm"},
    "tvae": {"steps": 5},
}


def _run(data, method, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gensample.sample_minority(
            data, "Class", method, random_state=0, device="cuda", verbose=False, min_rows=10,
            check=False, gate=None, **{**FAST[method], **params},
        )


@pytest.mark.parametrize("fit_on", ["minority", "all"])
@pytest.mark.parametrize("method", list(FAST))
def test_cuda_gives_exact_counts_in_the_input_dtypes(method, fit_on):
    data = make_mixed(n=240, minority=40)
    res = _run(data, method, fit_on=fit_on)
    assert res.method_used == method, res.fallback
    assert len(res.synthetic) == 160 and (res.synthetic["Class"] == "positive").all()
    assert (res.synthetic.dtypes == data.dtypes).all()
    # The user's CPU random state is left as it was.
    state = torch.get_rng_state()
    _run(data, method, fit_on=fit_on)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("method", list(FAST))
def test_cuda_fitted_generator_samples_the_same_rows_for_a_seed(method):
    data = make_mixed(n=240, minority=40)
    gen = gensample.fit_generator(data, "Class", method, random_state=0, device="cuda", verbose=False,
                                  min_rows=10, **FAST[method])
    pd.testing.assert_frame_equal(gen.sample(100, random_state=4), gen.sample(100, random_state=4))


def test_wgan_trained_on_cuda_loads_onto_the_cpu(tmp_path):
    data = make_mixed(n=240, minority=40)
    gen = gensample.fit_generator(data, "Class", "wgan-gp", random_state=0, device="cuda", verbose=False,
                                  min_rows=10, steps=30)
    folder = gen.save(tmp_path / "w")
    on_cpu = gensample.load_generator(folder, device="cpu")
    on_gpu = gensample.load_generator(folder)
    a, b = on_cpu.sample(200, random_state=1), on_gpu.sample(200, random_state=1)
    # Same noise (drawn on the CPU) through the same weights: equal up to float rounding.
    assert (a.select_dtypes("number") - b.select_dtypes("number")).abs().max().max() < 1e-3 * max(
        1.0, float(np.abs(b.select_dtypes("number")).max().max())
    )
