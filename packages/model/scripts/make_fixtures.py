#!/usr/bin/env python3
"""Generate the committed test fixtures of @opensoc/model (packages/model/fixtures/).

Regenerate (CPU only, no network, a few seconds once the packages are installed):

    pip install torch transformers peft safetensors tokenizers     # plain PyPI, CPU wheels are fine
    cd packages/model && python3 scripts/make_fixtures.py

Everything is random with fixed seeds; nothing is downloaded. Outputs (keep total < 3 MB):

  fixtures/safetensors/python_dtypes.{safetensors,json}
      F32/F16/BF16 tensors of edge-case values written by Python's `safetensors`
      (torch conversions), plus the expected float values.
  fixtures/tiny-llama/
      config.json, model.safetensors (save_pretrained of a tiny random LlamaForCausalLM:
      vocab 512, hidden 64, 2 layers, 4 heads / 2 KV heads, intermediate 172, untied, f32),
      tokenizer.json + tokenizer_config.json (a 512-token Llama-style byte-fallback BPE trained
      here on synthetic log lines), reference.json (input ids) and reference.safetensors
      (logits_<i> [len, vocab] f32 for each input sequence).
  fixtures/tiny-lora/
      adapter_config.json + adapter_model.safetensors (PEFT LoRA r=4, alpha=8 on all seven
      modules, lora_B random non-zero), reference.safetensors (logits with the adapter applied).
  fixtures/tokenizer/
      tiny_reference.json: ids from transformers for a set of log lines + deterministic fuzz
        strings (tiny-llama tokenizer); "ids" with split_special_tokens=True (special-token text
        is plain text, our default), "ids_parse_special" with transformers' default
      llama2_reference.json: ids from transformers for the Llama-2 tokenizer.json rebuilt from
        llama-tokenizer-js's vocabulary/merges (that tokenizer.json is not committed: 1.8 MB;
        src/io/tokenizer.ts rebuilds the same JSON from the npm package).
  fixtures/tinyllama-1.1b-config.json
      TinyLlama-1.1B's config.json; the script prints PEFT's trainable parameter count for
      r=16 on the seven modules (must be 12,615,680).

Companion scripts (used by the TypeScript tests only when python3 has these packages):
  scripts/check_peft_load.py ADAPTER_DIR   load an adapter written by our code into PEFT, logits
  scripts/check_hf_load.py MODEL_DIR       load a checkpoint/tokenizer written by our code in transformers
Set OPENSOC_SKIP_PYTHON=1 to skip those tests.
"""
from __future__ import annotations

import base64
import json
import math
import os
import random
import re
import struct
import sys
import tempfile
from pathlib import Path

import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
PKG = HERE.parent
FIX = PKG / "fixtures"
SPACE = "\u2581"  # ▁

# Input sequences for the logits references (ids < 512; 1 = <s>).
INPUT_IDS = [
    [1, 300, 17, 45, 260, 511, 3, 99],
    [1, 400, 401, 402, 403, 260, 261, 7, 8, 9, 10, 500, 2],
    [1, 42, 43, 44, 45],
]

LOG_LINES = [
    "Nov 28 07:45:01 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.7 port 51522 ssh2",
    "Nov 28 07:45:02 web01 sshd[1234]: Accepted publickey for deploy from 10.0.0.5 port 40022 ssh2: RSA SHA256:abc+/=",
    '192.168.1.20 - - [28/Nov/2026:07:45:03 +0000] "GET /wp-login.php?user=../../etc/passwd HTTP/1.1" 404 153 "-" "curl/8.4.0"',
    "kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:aa:bb:cc SRC=198.51.100.23 DST=10.0.0.1 LEN=60 PROTO=TCP SPT=44321 DPT=23",
    "  two leading spaces and  double  spaces\tand a tab",
    "Unicode: café, naïve, Zürich, 東京, emoji 🚨🔥 end",
    "multi\nline\r\nentry",
    "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA",
    "SELECT * FROM users WHERE id = '1' OR '1'='1'; -- <script>alert(1)</script>",
    "x",
    " leading space",
    "trailing space ",
    "",
    # Special-token text inside untrusted log data: by default our tokenizers treat it as plain
    # text (transformers: split_special_tokens=True); ids_parse_special has transformers' default.
    "user=</s> msg=<s>hello<unk> done",
]


def fuzz_lines(n: int = 150) -> list[str]:
    """Deterministic random strings from tricky pieces (whitespace runs, unicode, byte fallback)."""
    rng = random.Random(99)
    pieces = ["Failed", " password", " for", " root", "  ", "\t", "\n", " ", "é", "東京", "🚨", "0x1F", "../..",
              '"', "'", "SELECT", "<", ">", "=", "ü", "ß", "\u200b", "a", "bc", "tion", " the", "%20", "\\", "{}",
              SPACE, "İ", "ǅ", "\r\n", "12345", "-", "_", "sshd[", "]:"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def set_seed(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def write_json(path: Path, obj, indent: int | None = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


def enc_float(x: float):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


# ---------------------------------------------------------------------------------------------
# 1. safetensors dtype compatibility


def make_safetensors_fixture() -> None:
    set_seed(1)
    edge = [
        0.0, -0.0, 1.0, -1.0, 0.5, 65504.0, 65519.0, 65520.0, 1e6, -1e6, 1e-8, 2.0 ** -24, 2.0 ** -25,
        3 * 2.0 ** -25, 2.0 ** -14, 1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8,
        3.4028234663852886e38, 1.17549435e-38, 1e-40, float("inf"), float("-inf"), float("nan"),
        math.pi, -math.e, 1 / 3,
    ]
    rnd = (torch.randn(36) * torch.tensor([10.0 ** (i % 7 - 3) for i in range(36)])).tolist()
    src = torch.tensor(edge + rnd, dtype=torch.float32)
    shape = [src.numel() // 4, 4]
    src = src.reshape(shape)
    tensors = {"f32": src.clone(), "f16": src.to(torch.float16), "bf16": src.to(torch.bfloat16)}
    meta = {"format": "pt", "writer": "make_fixtures.py"}
    out = FIX / "safetensors"
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out / "python_dtypes.safetensors"), metadata=meta)
    write_json(
        out / "python_dtypes.json",
        {
            "shape": shape,
            "metadata": meta,
            "source": [enc_float(v) for v in src.flatten().tolist()],
            "expected": {k: [enc_float(v) for v in t.float().flatten().tolist()] for k, t in tensors.items()},
        },
    )


# ---------------------------------------------------------------------------------------------
# 2. tokenizers


def llama_style_tokenizer_json(vocab: dict[str, int], merges: list[str]) -> dict:
    """A tokenizer.json structured exactly like meta-llama/Llama-2-7b-hf's."""
    special = lambda i, c: {  # noqa: E731
        "id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
        "normalized": False, "special": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": SPACE},
                {"type": "Replace", "pattern": {"String": " "}, "content": SPACE},
            ],
        },
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<unk>",
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": merges,
        },
    }


TOKENIZER_CONFIG = {
    "add_bos_token": True,
    "add_eos_token": False,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": None,
    "clean_up_tokenization_spaces": False,
    "legacy": True,
    "model_max_length": 2048,
    # Load tokenizer.json as is (LlamaTokenizer in transformers 5 rebuilds its own pipeline).
    "tokenizer_class": "PreTrainedTokenizerFast",
}


def synthetic_log_corpus(n: int = 3000) -> list[str]:
    rng = random.Random(7)
    users = ["root", "admin", "deploy", "alice", "bob", "www-data", "postgres", "oracle", "test"]
    hosts = ["web01", "web02", "db01", "fw-edge", "dc01", "mail"]
    procs = ["sshd", "sudo", "nginx", "kernel", "CRON", "systemd", "postfix/smtpd", "audit"]
    paths = ["/index.html", "/wp-login.php", "/admin", "/api/v1/login", "/etc/passwd", "/.env", "/cgi-bin/test.sh"]
    verbs = ["GET", "POST", "PUT", "DELETE", "HEAD"]
    msgs = [
        "Failed password for {u} from {ip} port {p} ssh2",
        "Accepted password for {u} from {ip} port {p} ssh2",
        "Invalid user {u} from {ip} port {p}",
        "session opened for user {u} by (uid=0)",
        "pam_unix(sshd:session): session closed for user {u}",
        "{u} : TTY=pts/0 ; PWD=/home/{u} ; USER=root ; COMMAND=/bin/bash",
        '{ip} - - "{v} {path} HTTP/1.1" {code} {size} "-" "Mozilla/5.0"',
        "[UFW BLOCK] IN=eth0 OUT= SRC={ip} DST=10.0.0.1 PROTO=TCP SPT={p} DPT={dp}",
        "connect from unknown[{ip}]",
        "error: maximum authentication attempts exceeded for {u} from {ip}",
    ]
    out = []
    for _ in range(n):
        ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
        m = rng.choice(msgs).format(
            u=rng.choice(users), ip=ip, p=rng.randint(1024, 65535), dp=rng.choice([22, 23, 80, 443, 3389]),
            v=rng.choice(verbs), path=rng.choice(paths), code=rng.choice([200, 301, 403, 404, 500]),
            size=rng.randint(0, 99999),
        )
        out.append(f"Nov {rng.randint(1, 30)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} "
                   f"{rng.choice(hosts)} {rng.choice(procs)}[{rng.randint(100, 9999)}]: {m}")
    return out


def make_tiny_tokenizer_json(vocab_size: int = 512) -> dict:
    """Train a Llama-style byte-fallback BPE (ids 0-2 specials, 3-258 byte tokens, then BPE)."""
    from tokenizers import Tokenizer, models, normalizers, trainers

    n_fixed = 3 + 256
    tmp = Tokenizer(models.BPE())
    tmp.normalizer = normalizers.Sequence([normalizers.Prepend(SPACE), normalizers.Replace(" ", SPACE)])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - n_fixed, special_tokens=[], show_progress=False,
                                  limit_alphabet=100)
    tmp.train_from_iterator(synthetic_log_corpus(), trainer)
    model = json.loads(tmp.to_str())["model"]
    trained = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    for tok, _ in trained:
        if tok not in vocab:
            vocab[tok] = len(vocab)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    assert len(vocab) <= vocab_size, len(vocab)
    # pad to exactly vocab_size with unused tokens so that vocab == model vocab
    i = 0
    while len(vocab) < vocab_size:
        vocab[f"<unused{i}>"] = len(vocab)
        i += 1
    return llama_style_tokenizer_json(vocab, merges)


def llama2_tokenizer_json_from_npm() -> dict | None:
    """Rebuild Llama-2's tokenizer.json from llama-tokenizer-js's embedded vocab and merges."""
    js = PKG / "node_modules" / "llama-tokenizer-js" / "llama-tokenizer.js"
    if not js.exists():
        print(f"skip llama2 reference: {js} not found", file=sys.stderr)
        return None
    text = js.read_text(encoding="utf-8")
    vocab_b64 = re.search(r'const llama_vocab_base64 = "([^"]+)"', text).group(1)
    merges_b64 = re.search(r'const llama_merges_binary = "([^"]+)"', text).group(1)
    tokens = base64.b64decode(vocab_b64).decode("utf-8").split("\n")
    assert len(tokens) == 32000, len(tokens)
    raw = base64.b64decode(merges_b64)
    ids = struct.unpack(f"<{len(raw) // 2}H", raw)
    merges = [f"{tokens[ids[i]]} {tokens[ids[i + 1]]}" for i in range(0, len(ids), 2)]
    return llama_style_tokenizer_json({t: i for i, t in enumerate(tokens)}, merges)


def reference_ids(tok_dir: Path) -> list[dict]:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    rows = []
    for line in LOG_LINES + fuzz_lines():
        with_bos = tok(line, split_special_tokens=True)["input_ids"]
        plain = tok(line, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        rows.append({
            "text": line,
            "ids": plain,
            "ids_with_bos": with_bos,
            "ids_parse_special": tok(line, add_special_tokens=False)["input_ids"],
            "decoded": tok.decode(plain),
            "decoded_with_bos_skip_special": tok.decode(with_bos, skip_special_tokens=True),
        })
    return rows


def save_tokenizer(dir_: Path, tj: dict) -> None:
    dir_.mkdir(parents=True, exist_ok=True)
    (dir_ / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    write_json(dir_ / "tokenizer_config.json", TOKENIZER_CONFIG)


# ---------------------------------------------------------------------------------------------
# 3. tiny llama + LoRA


def tiny_config():
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=512, hidden_size=64, intermediate_size=172, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-5,
        max_position_embeddings=128, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        pad_token_id=None, initializer_range=0.1, hidden_act="silu", attention_bias=False,
        mlp_bias=False, attn_implementation="eager",
    )


@torch.no_grad()
def logits_for(model) -> dict[str, torch.Tensor]:
    model.eval()
    out = {}
    for i, ids in enumerate(INPUT_IDS):
        x = torch.tensor([ids], dtype=torch.long)
        out[f"logits_{i}"] = model(input_ids=x).logits[0].float().contiguous()
    return out


def make_tiny_llama() -> None:
    from transformers import LlamaForCausalLM

    set_seed(1234)
    model = LlamaForCausalLM(tiny_config()).float()
    with torch.no_grad():
        # Non-trivial norm weights so that they matter in the comparison.
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    d = FIX / "tiny-llama"
    d.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(d), safe_serialization=True)
    # Load back from disk so that the references are computed from exactly what is committed.
    model = LlamaForCausalLM.from_pretrained(str(d), dtype=torch.float32, attn_implementation="eager")
    save_file(logits_for(model), str(d / "reference.safetensors"), metadata={"format": "pt"})
    write_json(d / "reference.json", {"input_ids": INPUT_IDS, "logits": "reference.safetensors: logits_<i> [len, vocab] f32"})


def make_tiny_lora() -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    set_seed(4321)
    base = LlamaForCausalLM.from_pretrained(str(FIX / "tiny-llama"), dtype=torch.float32, attn_implementation="eager")
    cfg = LoraConfig(
        r=4, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )
    model = get_peft_model(base, cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(0.1 * torch.randn_like(p))
    model.peft_config["default"].base_model_name_or_path = "tiny-llama"
    d = FIX / "tiny-lora"
    model.save_pretrained(str(d))
    save_file(logits_for(model), str(d / "reference.safetensors"), metadata={"format": "pt"})


def tinyllama_trainable_params() -> int:
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg_json = {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "bos_token_id": 1, "eos_token_id": 2,
        "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632,
        "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32,
        "num_hidden_layers": 22, "num_key_value_heads": 4, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": None, "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
        "transformers_version": "4.35.0", "use_cache": True, "vocab_size": 32000,
    }
    write_json(FIX / "tinyllama-1.1b-config.json", cfg_json)
    with torch.device("meta"):
        model = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in cfg_json.items() if k not in ("architectures", "model_type")}))
    model = get_peft_model(model, LoraConfig(
        r=16, lora_alpha=32, task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    ))
    trainable, total = model.get_nb_trainable_parameters()
    print(f"TinyLlama-1.1B LoRA r=16 x7 modules: trainable params {trainable:,} of {total:,}")
    assert trainable == 12_615_680, trainable
    return trainable


def main() -> None:
    make_safetensors_fixture()

    tiny_tok = make_tiny_tokenizer_json(512)
    save_tokenizer(FIX / "tiny-llama", tiny_tok)
    write_json(FIX / "tokenizer" / "tiny_reference.json", {"tokenizer": "tiny-llama", "lines": reference_ids(FIX / "tiny-llama")}, None)

    l2 = llama2_tokenizer_json_from_npm()
    if l2 is not None:
        with tempfile.TemporaryDirectory() as tmp:
            save_tokenizer(Path(tmp), l2)
            write_json(FIX / "tokenizer" / "llama2_reference.json",
                       {"tokenizer": "llama-2 (rebuilt from llama-tokenizer-js)", "lines": reference_ids(Path(tmp))}, None)

    make_tiny_llama()
    make_tiny_lora()
    tinyllama_trainable_params()

    total = sum(f.stat().st_size for f in FIX.rglob("*") if f.is_file())
    print(f"fixtures total: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
