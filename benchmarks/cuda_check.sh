#!/usr/bin/env bash
# The one prepared check of the deep methods on a CUDA GPU, for a session lent a device
# (`run` tool, see ../.library/device/README.md). It needs torch with CUDA on that machine;
# CI and this project's machines have none, so tests/test_deep_cuda.py skips there.
#   run(command="bash benchmarks/cuda_check.sh", timeout_s=420)
set -o pipefail
export PYTHONUNBUFFERED=1
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
python3 -m pip install -q --no-deps -e . 2>&1 | tail -1
python3 -m pytest -q -p no:cacheprovider tests/test_deep_cuda.py 2>&1 | tee "${OUT:-/tmp}/cuda_check.log"
