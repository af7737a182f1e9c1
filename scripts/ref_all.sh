#!/usr/bin/env bash
# Regenerate tests/vectors/profiles/ by running the real libraries (CPU only; no GPU needed).
#
#   scripts/ref_all.sh           run every generator (the venvs must exist)
#   scripts/ref_all.sh --setup   first create the missing venvs from the pinned lists, then run
#
# The venvs (gitignored .refenv-*), each installed from its pinned list with exact versions:
#   .refenv-torch   Python 3.11  scripts/requirements-torch.txt  (torch 2.15 CPU, torchao 0.18,
#                                nvidia-modelopt 0.47, compressed-tensors 0.20.1, transformers 5.24;
#                                torch pulls about 3 GB of CUDA wheels, it runs on CPU without a GPU)
#   .refenv-ao15    Python 3.11  scripts/requirements-ao15.txt   (torch 2.9.1, torchao 0.15.0)
#   .refenv-ao14    Python 3.11  scripts/requirements-ao14.txt   (torch 2.9.0, torchao 0.14.1)
#   .refenv-awq     Python 3.11  scripts/requirements-awq.txt    (torch 2.6, transformers 4.51.3, autoawq 0.2.9)
#   .refenv-gptoss  Python 3.12  scripts/requirements-gptoss.txt (installed --no-deps: gpt-oss's
#                                serving/tool dependencies are not needed by gpt_oss.torch.weights)
# Every script runs each library call twice and records only bit-identical results. Older
# torchao versions are written as differences from torchao 0.18's files, so 0.18 runs first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--setup" ]]; then
  mk() {  # mk VENV PYTHON REQUIREMENTS [pip flags]
    local v=$1 py=$2 req=$3; shift 3
    [[ -x "$v/bin/python" ]] && return
    "$py" -m venv "$v"
    "$v/bin/pip" install --upgrade pip
    "$v/bin/pip" install "$@" -r "$req"
  }
  mk .refenv-torch python3.11 scripts/requirements-torch.txt
  mk .refenv-ao15 python3.11 scripts/requirements-ao15.txt
  mk .refenv-ao14 python3.11 scripts/requirements-ao14.txt
  mk .refenv-awq python3.11 scripts/requirements-awq.txt
  mk .refenv-gptoss python3.12 scripts/requirements-gptoss.txt --no-deps
fi
run() { nice -n 10 "$@"; }
run .refenv-torch/bin/python scripts/gen_profile_inputs.py
run .refenv-torch/bin/python scripts/ref_torchao.py
run .refenv-ao15/bin/python scripts/ref_torchao.py
run .refenv-ao14/bin/python scripts/ref_torchao.py
run .refenv-torch/bin/python scripts/ref_modelopt.py
run .refenv-torch/bin/python scripts/ref_compressed_tensors.py
run .refenv-torch/bin/python scripts/ref_transformers.py
run .refenv-awq/bin/python scripts/ref_awq.py
run .refenv-gptoss/bin/python scripts/ref_gptoss.py
