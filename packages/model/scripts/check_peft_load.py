#!/usr/bin/env python3
"""Load a LoRA adapter directory (e.g. one written by our TypeScript saveAdapter) into PEFT on top
of the tiny fixture model and compute logits for the fixture input ids.

    python3 scripts/check_peft_load.py ADAPTER_DIR [--base fixtures/tiny-llama] [--out logits.safetensors]
                                                   [--compare fixtures/tiny-lora/reference.safetensors]

--out writes logits_<i> [len, vocab] f32 (same layout as the fixture references); --compare prints
the max absolute difference against a reference file and exits 1 if it exceeds --tol (1e-4).
Without --out/--compare, prints the logits as JSON. CPU only, offline.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import LlamaForCausalLM

PKG = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("adapter_dir")
    ap.add_argument("--base", default=str(PKG / "fixtures" / "tiny-llama"))
    ap.add_argument("--out")
    ap.add_argument("--compare")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()

    base = LlamaForCausalLM.from_pretrained(args.base, dtype=torch.float32, attn_implementation="eager")
    model = PeftModel.from_pretrained(base, args.adapter_dir)
    model.eval()
    input_ids = json.loads((Path(args.base) / "reference.json").read_text())["input_ids"]
    logits = {}
    with torch.no_grad():
        for i, ids in enumerate(input_ids):
            logits[f"logits_{i}"] = model(input_ids=torch.tensor([ids])).logits[0].float().contiguous()
    if args.out:
        save_file(logits, args.out, metadata={"format": "pt"})
    if args.compare:
        ref = load_file(args.compare)
        diff = max(float((logits[k] - ref[k]).abs().max()) for k in logits)
        print(json.dumps({"max_abs_diff": diff}))
        return 0 if diff <= args.tol else 1
    if not args.out:
        print(json.dumps({k: v.tolist() for k, v in logits.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
