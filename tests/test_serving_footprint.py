"""Serving never loads PyTorch: questions and the summary run on the model's ONNX copy, reranking's sentence
rereads on the packaged ONNX sentence model, in a fresh process as ``parley`` starts one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers")
# A fresh process runs the commands as ``parley`` does, then says which heavy modules it imported.
CHILD = f"""
import json, sys
from bot.cli import main
codes = [main(["ask", "Who headed the Russian delegation in Geneva?", "--json"]), main(["summary", "--json"])]
print(json.dumps({{"codes": codes, "imported": [name for name in {HEAVY!r} if name in sys.modules]}}))
"""


def test_a_question_with_reranking_and_the_summary_never_import_torch(settings):
    env = {**os.environ, "PARLEY_DATA_DIR": str(settings.data_dir), "PARLEY_SOURCES": str(settings.sources)}
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    answer, summary, process = (json.loads(line) for line in done.stdout.splitlines())
    assert process == {"codes": [0, 0], "imported": []}
    assert answer["answered"] and "Ryabkov" in answer["quotes"][0]["text"]
    assert summary["bullets"] and summary["bullets"][0]["url"] == "https://example.org/written-reply"
    # One encoder, loaded once although the command's preload and the question both asked for it.
    loads = [json.loads(line) for line in done.stderr.splitlines() if '"serving encoder loaded"' in line]
    assert [entry["backend"] for entry in loads] == ["onnxruntime"]
