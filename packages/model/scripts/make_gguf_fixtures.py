#!/usr/bin/env python3
"""Generate the committed GGUF fixtures of @opensoc/model (packages/model/fixtures/gguf/).

    pip install gguf numpy                                  # part 1
    pip install torch transformers peft tokenizers jinja2   # part 2 (plain PyPI wheels)
    cd packages/model && python3 scripts/make_gguf_fixtures.py [--model PATH_TO.gguf]

Part 1 (always, seeded, no model needed):
  fixtures/gguf/quant-types.gguf
      for each of F32 F16 BF16 Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K Q5_K Q6_K: a tensor `q.<TYPE>` of 2 x 256
      values (random blocks with finite scales) and `ref.<TYPE>`, gguf-py's own dequantization of it
      in F32; plus metadata keys of every GGUF value type (`test.*`) whose values
      fixtures/gguf/quant-types.json lists.

Part 2 (with --model, default: the file infra/install-model.sh places; needs torch + transformers):
  fixtures/gguf/smollm2-tokenizer.json
      ids from transformers' PreTrainedTokenizerFast over the tokenizer.json rebuilt here from the GGUF
      metadata (the SmolLM2 layout: byte-level BPE, digits split one by one) for >= 300 strings: log
      lines of every source in datasets/ and ../shared/data/opensoc-ai, URL-encoding, unicode, long
      digit runs, tabs, the OpenSOC-AI prompt and the rendered chat template; also the ids of
      transformers' own GGUF tokenizer conversion where they differ (it ignores the smollm digit rule).
  fixtures/gguf/smollm2-logits.json
      logits of transformers' LlamaForCausalLM loaded with from_pretrained(dir, gguf_file=...) on fixed
      prompts: a few rows per prompt (first, middle, last position; all 49152 values are not stored,
      only a fixed sample of 64 vocabulary columns plus the top-10 ids and values), without and with a
      seeded PEFT LoRA adapter (r=8, all seven modules, lora_B non-zero) written to
      fixtures/gguf/smollm2-lora/ (adapter_config.json + adapter_model.safetensors).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PKG = HERE.parent
REPO = PKG.parent.parent
FIX = PKG / "fixtures" / "gguf"

TYPES = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"]
# Byte offsets of the f16 scale fields in one block (these must be finite; every other byte is free).
SCALE_FIELDS = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}


def part1() -> None:
    import gguf
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as QT
    from gguf.quants import dequantize, quantize

    rng = np.random.default_rng(20261201)
    FIX.mkdir(parents=True, exist_ok=True)
    out = FIX / "quant-types.gguf"
    w = gguf.GGUFWriter(str(out), arch="test")
    meta = {
        "test.u8": (255, gguf.GGUFValueType.UINT8),
        "test.i8": (-128, gguf.GGUFValueType.INT8),
        "test.u16": (65535, gguf.GGUFValueType.UINT16),
        "test.i16": (-32768, gguf.GGUFValueType.INT16),
        "test.u32": (4294967295, gguf.GGUFValueType.UINT32),
        "test.i32": (-2147483648, gguf.GGUFValueType.INT32),
        "test.f32": (0.1, gguf.GGUFValueType.FLOAT32),
        "test.bool": (True, gguf.GGUFValueType.BOOL),
        "test.string": ("héllo, 日本語 \t\n", gguf.GGUFValueType.STRING),
        "test.u64": (9007199254740993, gguf.GGUFValueType.UINT64),  # 2^53 + 1: not a safe JS number
        "test.i64": (-42, gguf.GGUFValueType.INT64),
        "test.f64": (1e-300, gguf.GGUFValueType.FLOAT64),
    }
    for k, (v, t) in meta.items():
        w.add_key_value(k, v, t)
    w.add_array("test.strings", ["a", "", "Ġt", "<|im_end|>"])
    w.add_array("test.ints", [1, -2, 3])
    expected = {k: (v if not isinstance(v, float) else float(np.float32(v)) if t == gguf.GGUFValueType.FLOAT32 else v) for k, (v, t) in meta.items()}
    expected["test.u64"] = str(meta["test.u64"][0])
    expected["test.strings"] = ["a", "", "Ġt", "<|im_end|>"]
    expected["test.ints"] = [1, -2, 3]

    for name in TYPES:
        qt = QT[name]
        block, size = GGML_QUANT_SIZES[qt]
        n = 2 * 256
        if name in ("F32", "F16", "BF16"):
            vals = rng.normal(0, 2, n).astype(np.float32)
            vals[:8] = [0.0, -0.0, 1.0, -1.0, 65504.0, 1e-8, 3.0e38, -1.5e-5]
            raw = vals.astype(np.float16) if name == "F16" else quantize(vals, qt) if name == "BF16" else vals
            raw = raw.reshape(2, -1)
        else:
            nblocks = n // block
            raw = rng.integers(0, 256, size=(nblocks, size), dtype=np.uint8)
            for off in SCALE_FIELDS[name]:
                s = rng.uniform(0.001, 0.2, nblocks).astype(np.float16)
                s[::3] *= -1  # negative scales occur too
                raw[:, off : off + 2] = s.view(np.uint8).reshape(nblocks, 2)
            raw = raw.reshape(2, -1)
        ref = dequantize(raw, qt).astype(np.float32).reshape(2, 256)
        w.add_tensor(f"q.{name}", raw, raw_dtype=qt)
        w.add_tensor(f"ref.{name}", ref, raw_dtype=QT.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    (FIX / "quant-types.json").write_text(json.dumps({"types": TYPES, "metadata": expected}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="SmolLM2-135M-Instruct.Q4_1.gguf (part 2)")
    ap.add_argument("--skip-part1", action="store_true")
    a = ap.parse_args()
    if not a.skip_part1:
        part1()
    if a.model:
        sys.path.insert(0, str(HERE))
        from gguf_model_fixtures import part2  # noqa: E402

        part2(Path(a.model), FIX, REPO)


if __name__ == "__main__":
    main()
