#!/usr/bin/env python3
"""PyTorch CPU reference: multimodal behaviour-sequence / profile / attributes / image model.

Usage (requirements: Benchmarks/requirements-torch.txt; see Benchmarks/README.md):
  python torch_reference.py            # runs threads=2 then threads=1 (separate processes),
                                       # writes results_torch.json + results_torch.md into --dir
                                       # (default: the current directory)
  python torch_reference.py --threads 1 --out t1.json   # one setting only, JSON to --out (or stdout)
  python torch_reference.py --threads 2 --sections train,inference --encoders image \
      --repetitions 5 --seconds-per-repetition 0.5 --out t.json   # what Benchmarks/side_by_side.sh runs

The JSON of one setting has the keys of `fusionlab bench model --json`: train.{32,128,512},
inference_b512, latency_b1.inference_mode, encoder_train_b128.<name>; each throughput entry holds
median/min/max samples/s.

Methodology (all figures): untimed warm-up, then REPS timed repetitions; each repetition runs whole
steps until >= MIN_REP_SEC elapsed; samples/s = batch * steps / elapsed; the median (plus min/max)
over repetitions is reported. Data are random tensors generated once, outside the timed region
(a pool of 4 distinct batches is cycled). Latency: 1,000 individually timed batch-1 forward calls
after 100 warm-up calls.
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import tempfile
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

D = 64
L = 50
VOCAB_EVENT, VOCAB_ITEM, VOCAB_CAT, VOCAB_GAP = 5, 5000, 100, 32
PROFILE_FLOATS, PROFILE_CATS, PROFILE_CAT_VOCAB = 16, 3, 10
ATTR_FLOATS, ATTR_CAT_VOCABS = 8, (100, 50)
CAT_EMB = 8  # embedding width for the small categorical fields feeding the MLPs
REPS = 7
MIN_REP_SEC = 1.0
POOL = 4


# ----------------------------------------------------------------------------- model
class SeqEncoder(nn.Module):
    """4 token embeddings summed + learned positions -> 2-layer pre-LN Transformer -> masked mean pool."""

    def __init__(self):
        super().__init__()
        self.ev = nn.Embedding(VOCAB_EVENT, D)
        self.item = nn.Embedding(VOCAB_ITEM, D)
        self.cat = nn.Embedding(VOCAB_CAT, D)
        self.gap = nn.Embedding(VOCAB_GAP, D)
        self.pos = nn.Parameter(torch.randn(L, D) * 0.02)
        layer = nn.TransformerEncoderLayer(D, nhead=4, dim_feedforward=128, dropout=0.1,
                                           activation="relu", batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(D),
                                         enable_nested_tensor=False)

    def forward(self, ev, item, cat, gap, pad_mask):  # pad_mask: (B, L) bool, True = padding
        x = self.ev(ev) + self.item(item) + self.cat(cat) + self.gap(gap) + self.pos
        x = self.enc(x, src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).to(x.dtype)
        return (x * keep).sum(1) / keep.sum(1).clamp_min(1.0)


class TabEncoder(nn.Module):
    """floats ++ embedded categoricals -> Linear -> ReLU -> Linear(->64)."""

    def __init__(self, n_float, cat_vocabs):
        super().__init__()
        self.embs = nn.ModuleList(nn.Embedding(v, CAT_EMB) for v in cat_vocabs)
        n_in = n_float + CAT_EMB * len(cat_vocabs)
        self.mlp = nn.Sequential(nn.Linear(n_in, D), nn.ReLU(), nn.Linear(D, D))

    def forward(self, floats, cats):  # cats: (B, n_cat) int64
        parts = [floats] + [e(cats[:, i]) for i, e in enumerate(self.embs)]
        return self.mlp(torch.cat(parts, dim=-1))


class ImageEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 -> 16
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 -> 8
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),                   # 8x8x64
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, D))

    def forward(self, img):
        return self.net(img)


class Fusion(nn.Module):
    """4 modality tokens -> pre-LN residual MHA (4 heads) -> learned-query attention pooling -> MLP 64->64->1."""

    def __init__(self):
        super().__init__()
        self.type_emb = nn.Parameter(torch.randn(4, D) * 0.02)  # modality-type embedding
        self.ln = nn.LayerNorm(D)
        self.mha = nn.MultiheadAttention(D, 4, dropout=0.1, batch_first=True)
        self.pool_q = nn.Parameter(torch.randn(D) * 0.02)
        self.pool_k = nn.Linear(D, D)
        self.head = nn.Sequential(nn.Linear(D, D), nn.ReLU(), nn.Linear(D, 1))

    def forward(self, toks):  # (B, 4, D)
        x = toks + self.type_emb
        h = self.ln(x)
        x = x + self.mha(h, h, h, need_weights=False)[0]
        scores = self.pool_k(x) @ self.pool_q / math.sqrt(D)   # (B, 4)
        w = scores.softmax(-1)                                 # per-sample modality weights
        pooled = (w.unsqueeze(-1) * x).sum(1)
        return self.head(pooled).squeeze(-1), w


class MultiModal(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = SeqEncoder()
        self.prof = TabEncoder(PROFILE_FLOATS, [PROFILE_CAT_VOCAB] * PROFILE_CATS)
        self.attr = TabEncoder(ATTR_FLOATS, list(ATTR_CAT_VOCABS))
        self.img = ImageEncoder()
        self.fusion = Fusion()

    def forward(self, b):
        toks = torch.stack([
            self.seq(b["ev"], b["item"], b["cat"], b["gap"], b["pad"]),
            self.prof(b["pf"], b["pc"]),
            self.attr(b["af"], b["ac"]),
            self.img(b["img"]),
        ], dim=1)
        logit, _ = self.fusion(toks)
        return logit


# ----------------------------------------------------------------------------- data
def make_batch(B, g):
    lengths = torch.randint(5, L + 1, (B,), generator=g)
    pad = torch.arange(L).unsqueeze(0) >= lengths.unsqueeze(1)
    ri = lambda hi, shape: torch.randint(0, hi, shape, generator=g)
    return {
        "ev": ri(VOCAB_EVENT, (B, L)), "item": ri(VOCAB_ITEM, (B, L)), "cat": ri(VOCAB_CAT, (B, L)),
        "gap": ri(VOCAB_GAP, (B, L)), "pad": pad,
        "pf": torch.randn(B, PROFILE_FLOATS, generator=g),
        "pc": ri(PROFILE_CAT_VOCAB, (B, PROFILE_CATS)),
        "af": torch.randn(B, ATTR_FLOATS, generator=g),
        "ac": torch.stack([ri(v, (B,)) for v in ATTR_CAT_VOCABS], 1),
        "img": torch.randn(B, 3, 32, 32, generator=g),
        "y": torch.randint(0, 2, (B,), generator=g).float(),
    }


# single-encoder wrappers (encoder + Linear(64,1) head, same loss/optimizer) for the per-encoder step
class EncOnly(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.name = name
        self.enc = {"sequence": SeqEncoder, "profile": lambda: TabEncoder(PROFILE_FLOATS, [PROFILE_CAT_VOCAB] * PROFILE_CATS),
                    "attributes": lambda: TabEncoder(ATTR_FLOATS, list(ATTR_CAT_VOCABS)),
                    "image": ImageEncoder, "fusion_only": Fusion}[name]()
        self.out = nn.Linear(D, 1)

    def forward(self, b):
        n = self.name
        if n == "sequence":
            z = self.enc(b["ev"], b["item"], b["cat"], b["gap"], b["pad"])
        elif n == "profile":
            z = self.enc(b["pf"], b["pc"])
        elif n == "attributes":
            z = self.enc(b["af"], b["ac"])
        elif n == "image":
            z = self.enc(b["img"])
        else:  # fusion block alone on 4 precomputed random tokens
            return self.enc(b["toks"])[0]
        return self.out(z).squeeze(-1)


# ----------------------------------------------------------------------------- timing
SECTIONS = ("train", "inference", "latency", "encoders")
ENCODERS = ("sequence", "profile", "attributes", "image", "fusion_only")


def timed_reps(step, batch_size, warmup_steps):
    for _ in range(warmup_steps):
        step()
    # calibrate steps per repetition
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        dt = time.perf_counter() - t0
        if dt >= MIN_REP_SEC:
            break
        n = max(n + 1, int(n * MIN_REP_SEC * 1.1 / max(dt, 1e-6)))
    rates = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        dt = time.perf_counter() - t0
        rates.append(batch_size * n / dt)
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "steps_per_rep": n, "reps": REPS, "ms_per_step_median": 1000.0 * batch_size / statistics.median(rates)}


def train_step_fn(model, batches):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    lossf = nn.BCEWithLogitsLoss()
    model.train()
    it = [0]

    def step():
        b = batches[it[0] % len(batches)]
        it[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(b), b["y"])
        loss.backward()
        opt.step()
    return step


def count_train_flops(model, b):
    try:
        from torch.utils.flop_counter import FlopCounterMode
        m = MultiModal()
        m.load_state_dict(model.state_dict())
        m.train()
        with FlopCounterMode(display=False) as fc:
            loss = nn.functional.binary_cross_entropy_with_logits(m(b), b["y"])
            loss.backward()
        return fc.get_total_flops()
    except Exception as e:  # noqa: BLE001
        return None


def run_one(threads, sections=SECTIONS, encoders=ENCODERS, flops=True):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    res = {"threads": threads, "torch_num_threads": torch.get_num_threads(),
           "torch_num_interop_threads": torch.get_num_interop_threads()}
    model = MultiModal()
    res["params"] = sum(p.numel() for p in model.parameters())

    # ---- full-model train throughput
    if "train" in sections:
        res["train"] = {}
        for B in (32, 128, 512):
            batches = [make_batch(B, g) for _ in range(POOL)]
            m = MultiModal()
            r = timed_reps(train_step_fn(m, batches), B, warmup_steps=5)
            fl = count_train_flops(m, batches[0]) if flops else None
            if fl:
                r["train_flops_per_step"] = fl
                r["effective_gflops"] = fl / (r["ms_per_step_median"] / 1000.0) / 1e9
            res["train"][str(B)] = r
            print(f"[t={threads}] train B={B}: {r['median']:.0f} samples/s", file=sys.stderr, flush=True)

    # ---- inference throughput, batch 512
    model.eval()
    if "inference" in sections:
        batches = [make_batch(512, g) for _ in range(POOL)]
        it = [0]

        def infer():
            b = batches[it[0] % POOL]
            it[0] += 1
            model(b)
        with torch.inference_mode():
            res["inference_b512"] = timed_reps(infer, 512, warmup_steps=3)
        print(f"[t={threads}] infer B=512: {res['inference_b512']['median']:.0f} samples/s", file=sys.stderr, flush=True)
    if "latency" in sections:
        latency(model, threads, g, res)
    if "encoders" in sections:
        encoders_alone(encoders, threads, g, res)
    return res


def latency(model, threads, g, res):
    """Single-sample latency: 1,000 individually timed calls after 100 warm-up calls."""
    singles = [make_batch(1, g) for _ in range(16)]
    res["latency_b1"] = {}
    for mode_name, ctx in (("inference_mode", torch.inference_mode), ("no_grad", torch.no_grad)):
        lat = []
        with ctx():
            for i in range(100):
                model(singles[i % 16])
            for i in range(1000):
                b = singles[i % 16]
                t0 = time.perf_counter_ns()
                model(b)
                lat.append((time.perf_counter_ns() - t0) / 1e6)
        lat.sort()
        res["latency_b1"][mode_name] = {"p50_ms": lat[499], "p99_ms": lat[989], "mean_ms": statistics.fmean(lat),
                                        "min_ms": lat[0], "max_ms": lat[-1], "calls": 1000}
        print(f"[t={threads}] latency {mode_name}: p50 {lat[499]:.3f} ms p99 {lat[989]:.3f} ms",
              file=sys.stderr, flush=True)



def encoders_alone(names, threads, g, res):
    """Each encoder alone (+ Linear(64, 1) head), train step, batch 128."""
    res["encoder_train_b128"] = {}
    batches = [make_batch(128, g) for _ in range(POOL)]
    for b in batches:
        b["toks"] = torch.randn(128, 4, D, generator=g)
    for name in names:
        m = EncOnly(name)
        r = timed_reps(train_step_fn(m, batches), 128, warmup_steps=5)
        r["params"] = sum(p.numel() for p in m.parameters())
        res["encoder_train_b128"][name] = r
        print(f"[t={threads}] encoder {name}: {r['median']:.0f} samples/s", file=sys.stderr, flush=True)


def env_info():
    import numpy
    info = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": numpy.__version__,
            "platform": platform.platform(), "machine": platform.machine(),
            "mkldnn_enabled": torch.backends.mkldnn.is_available(),
            "mkl_available": torch.backends.mkl.is_available(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "parallel_info": torch.__config__.parallel_info()}
    try:
        info["cpu_model"] = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:  # noqa: BLE001
        pass
    return info


def fmt_table(all_res, info):
    out = [f"# PyTorch CPU reference ({info['torch']}, {info.get('cpu_model', '?')}, capability {info['cpu_capability']})", "",
           f"Median of {REPS} timed repetitions (each >= {MIN_REP_SEC}s) after warm-up; samples/s (min-max).", "",
           "| measurement | threads=2 | threads=1 |", "|---|---|---|"]
    by_t = {r["threads"]: r for r in all_res}
    ts = [2, 1]

    def cell(r):
        return f"{r['median']:.0f} ({r['min']:.0f}-{r['max']:.0f})"
    for B in ("32", "128", "512"):
        out.append(f"| train step, full model, batch {B} | " + " | ".join(cell(by_t[t]["train"][B]) for t in ts) + " |")
    for B in ("32", "128", "512"):
        out.append(f"| train step ms, batch {B} | " + " | ".join(f"{by_t[t]['train'][B]['ms_per_step_median']:.1f}" for t in ts) + " |")
    if "effective_gflops" in by_t[2]["train"]["512"]:
        out.append("| train effective GFLOP/s (FlopCounter), batch 512 | " + " | ".join(
            f"{by_t[t]['train']['512']['effective_gflops']:.1f}" for t in ts) + " |")
    out.append("| inference, batch 512 | " + " | ".join(cell(by_t[t]["inference_b512"]) for t in ts) + " |")
    for mode in ("inference_mode", "no_grad"):
        out.append(f"| latency batch 1 ({mode}) p50 / p99 ms | " + " | ".join(
            f"{by_t[t]['latency_b1'][mode]['p50_ms']:.3f} / {by_t[t]['latency_b1'][mode]['p99_ms']:.3f}" for t in ts) + " |")
    for name in ("sequence", "profile", "attributes", "image", "fusion_only"):
        out.append(f"| encoder alone train, batch 128: {name} | " + " | ".join(cell(by_t[t]["encoder_train_b128"][name]) for t in ts) + " |")
    out += ["", f"Parameters (full model): {by_t[2]['params']:,}"]
    if "train_flops_per_step" in by_t[2]["train"]["512"]:
        out.append(f"Train FLOPs per step at batch 512 (fwd+bwd, FlopCounterMode, matmul/conv only): "
                   f"{by_t[2]['train']['512']['train_flops_per_step']/1e9:.2f} GFLOP")
    return "\n".join(out) + "\n"


def main():
    global REPS, MIN_REP_SEC
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int)
    ap.add_argument("--out")
    ap.add_argument("--dir", default=".")  # not the script's folder: the shipped results_torch.md stays
    ap.add_argument("--repetitions", type=int, default=REPS, help="timed repetitions (the median is reported)")
    ap.add_argument("--seconds-per-repetition", type=float, default=MIN_REP_SEC)
    ap.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS))
    ap.add_argument("--encoders", default=",".join(ENCODERS), help="comma-separated: " + ", ".join(ENCODERS))
    ap.add_argument("--no-flops", action="store_true", help="skip the FlopCounter pass after each train size")
    a = ap.parse_args()
    sections, encoders = a.sections.split(","), a.encoders.split(",")
    for given, valid, flag in ((sections, SECTIONS, "--sections"), (encoders, ENCODERS, "--encoders")):
        bad = [x for x in given if x not in valid]
        if bad:
            ap.error(f"{flag}: unknown {', '.join(bad)}; valid: {', '.join(valid)}")
    if a.repetitions < 1 or not a.seconds_per_repetition > 0:
        ap.error("--repetitions must be >= 1 and --seconds-per-repetition > 0")
    REPS, MIN_REP_SEC = a.repetitions, a.seconds_per_repetition
    if a.threads:
        res = run_one(a.threads, sections, encoders, flops=not a.no_flops)
        res["torch"] = torch.__version__
        s = json.dumps(res, indent=1)
        if a.out:
            open(a.out, "w").write(s)
        else:
            print(s)
        return
    all_res = []
    for t in (2, 1):
        tmp = os.path.join(tempfile.gettempdir(), f"torch_ref_t{t}.json")
        subprocess.run([sys.executable, os.path.abspath(__file__), "--threads", str(t), "--out", tmp], check=True)
        all_res.append(json.load(open(tmp)))
    info = env_info()
    doc = {"env": info, "method": {"reps": REPS, "min_rep_sec": MIN_REP_SEC, "statistic": "median",
                                   "data": "random tensors, pool of 4 batches cycled, generated outside timing",
                                   "latency": "1000 calls batch 1 after 100 warm-up, perf_counter_ns per call"},
           "results": all_res}
    json.dump(doc, open(os.path.join(a.dir, "results_torch.json"), "w"), indent=1)
    table = fmt_table(all_res, info)
    open(os.path.join(a.dir, "results_torch.md"), "w").write(table)
    print(table)


if __name__ == "__main__":
    main()
