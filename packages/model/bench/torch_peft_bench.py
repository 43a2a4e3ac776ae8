#!/usr/bin/env python3
"""PyTorch + PEFT reference for bench/train-throughput.ts: the same model and recipe.

--shape small:    hidden 256, 4 layers, 8 heads / 4 KV heads, intermediate 688, vocab 32000, batch 8, loss on
                  the last 128 of 256 tokens.
--shape smol135m: SmolLM2-135M's shape (random weights): 30 layers, hidden 576, 9 / 3 heads, intermediate 1536,
                  vocab 49152, tied embeddings, batch 4, loss on the last 64 of 256 tokens.
LoRA r=16 (alpha 32, dropout 0.05) on q,k,v,o,gate,up,down; AdamW lr 1e-4.

    python3 packages/model/bench/torch_peft_bench.py --shape small --threads 1 --steps 6

Prints one JSON line like the TypeScript bench (tokens/s, examples/s, peak RSS). Needs torch, transformers, peft.
"""
import argparse
import json
import os
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM


SHAPES = {
    "small": {"batch": 8, "seq": 256, "response": 128, "config": dict(
        vocab_size=32000, hidden_size=256, intermediate_size=688, num_hidden_layers=4,
        num_attention_heads=8, num_key_value_heads=4, head_dim=32, rms_norm_eps=1e-5,
        rope_theta=10000.0, max_position_embeddings=2048, tie_word_embeddings=False)},
    "smol135m": {"batch": 4, "seq": 256, "response": 64, "config": dict(
        vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, head_dim=64, rms_norm_eps=1e-5,
        rope_theta=100000.0, max_position_embeddings=2048, tie_word_embeddings=True)},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=sorted(SHAPES), default="small")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--response", type=int)
    args = ap.parse_args()
    shape = SHAPES[args.shape]
    args.seq = args.seq or shape["seq"]
    args.batch = args.batch or shape["batch"]
    args.response = args.response or shape["response"]
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(0)
    cfg = LlamaConfig(**shape["config"])
    vocab = shape["config"]["vocab_size"]
    model = LlamaForCausalLM(cfg)
    model = get_peft_model(model, LoraConfig(
        r=16, lora_alpha=32, lora_dropout=0.05, task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    ))
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    g = torch.Generator().manual_seed(0)
    total = args.steps + args.warmup
    ids = torch.randint(3, vocab, (total, args.batch, args.seq), generator=g)
    ids[:, :, 0] = 1
    t_start = None
    c_start = 0.0
    first = last = None
    for s in range(total):
        if s == args.warmup:
            t_start = time.perf_counter()
            c_start = time.process_time()
        x = ids[s]
        labels = x.clone()
        labels[:, : args.seq - args.response] = -100  # loss on response tokens only
        out = model(input_ids=x, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        last = out.loss.item()
        first = last if first is None else first
    secs = time.perf_counter() - t_start
    cpu_secs = time.process_time() - c_start
    print(json.dumps({
        "bench": "train-throughput", "shape": args.shape, "backend": "torch+peft", "threads": args.threads, "mode": "lora",
        "torch": torch.__version__, "steps": args.steps, "secondsPerStep": secs / args.steps,
        "tokensPerSecond": args.steps * args.batch * args.seq / secs,
        "examplesPerSecond": args.steps * args.batch / secs, "firstLoss": first, "lastLoss": last,
        "cpuSecondsPerStep": cpu_secs / args.steps, "tokensPerCpuSecond": args.steps * args.batch * args.seq / cpu_secs,
        "examplesPerCpuSecond": args.steps * args.batch / cpu_secs, "loadAverage1m": os.getloadavg()[0],
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
