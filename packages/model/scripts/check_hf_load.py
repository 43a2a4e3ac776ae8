#!/usr/bin/env python3
"""Load a model directory written by our TypeScript code (saveCheckpoint + tokenizer files) with
transformers, compute logits for the fixture input ids and tokenize some texts.

    python3 scripts/check_hf_load.py MODEL_DIR [--ids fixtures/tiny-llama/reference.json]
                                     [--out logits.safetensors] [--texts texts.json]

Prints JSON {"logits": <file or null>, "tokens": [[ids with BOS] per text] or null}.
--out writes logits_<i> [len, vocab] f32; --texts is a JSON list of strings tokenized with
AutoTokenizer (add_special_tokens=True). CPU only, offline.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--ids", default=str(PKG / "fixtures" / "tiny-llama" / "reference.json"))
    ap.add_argument("--out")
    ap.add_argument("--texts")
    args = ap.parse_args()
    result = {"logits": None, "tokens": None}
    if args.out:
        import torch
        from safetensors.torch import save_file
        from transformers import LlamaForCausalLM

        model = LlamaForCausalLM.from_pretrained(args.model_dir, dtype=torch.float32, attn_implementation="eager")
        model.eval()
        input_ids = json.loads(Path(args.ids).read_text())["input_ids"]
        with torch.no_grad():
            logits = {f"logits_{i}": model(input_ids=torch.tensor([ids])).logits[0].float().contiguous()
                      for i, ids in enumerate(input_ids)}
        save_file(logits, args.out, metadata={"format": "pt"})
        result["logits"] = args.out
    if args.texts:
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(args.model_dir)
        texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
        result["tokens"] = [tok(t)["input_ids"] for t in texts]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
