"""PyTorch reference for Changwen's `torch-compare` benchmark (issue 8). This is a measuring instrument, not product code.

It mirrors, layer for layer, the networks Changwen builds (src/Changwen/Models/LstmClassifier.cs, MergeNet.cs,
SequencePooling.cs, TextClassifierModel.cs) and its training step (src/Changwen/Training/Trainer.cs `Step`):
forward, cross-entropy, zero_grad, backward, optional clipping of the joint gradient norm, Adam step. The inputs are
drawn from the same SplitMix64 stream as the C# side (bench/Changwen.Bench/TorchCompareBenchmark.cs), so both sides
see identical ids, lengths and labels. It prints one JSON line on stdout.

    /usr/bin/python3 bench/reference/torch_reference.py --model lstm --len 500 --mode train --reps 3 --warmup 1
    /usr/bin/python3 bench/reference/torch_reference.py --mode matmul --size 1024

Models: `lstm` (the post's: last column, libtorch's default forget bias, no clipping), `mergenet` (the post's MergeNet,
last column), `lstm-fixed` (Changwen's fixes as first measured: mean over the real words, forget-gate bias 1, gradients clipped to 1).
"""
import argparse
import json
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


class SplitMix64:
    """The same generator as the C# side, so both draw the same batch."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def make_batch(batch, length, vocab, classes, seed):
    """Lengths uniform in [T/2, T], ids uniform in [1, vocab), post-padded with 0; labels uniform over the classes."""
    rng = SplitMix64(seed)
    lengths, ids, labels = [], [], []
    low = length // 2
    for _ in range(batch):
        n = low + rng.next() % (length - low + 1)
        row = [1 + rng.next() % (vocab - 1) for _ in range(n)] + [0] * (length - n)
        lengths.append(n)
        ids.extend(row)
        labels.append(rng.next() % classes)
    return (torch.tensor(ids, dtype=torch.int64).view(batch, length),
            torch.tensor(lengths, dtype=torch.int64),
            torch.tensor(labels, dtype=torch.int64))


def pool(kind, r_out, mask):
    """SequencePooling: `last` reads the final column, pads included; `mean` averages the real steps."""
    if kind == "last":
        return r_out[:, -1, :]
    weights = mask.unsqueeze(-1).to(r_out.dtype)
    count = weights.sum(1).clamp_min(1)
    return (r_out * weights).sum(1) / count


def make_lstm(hidden, forget_bias):
    lstm = nn.LSTM(hidden, hidden, 1, batch_first=True)
    if forget_bias is not None:
        # As TextClassifierModel.SetForgetBias: gates are i, f, g, o; bias_ih gets the value, bias_hh zero.
        with torch.no_grad():
            lstm.bias_ih_l0[hidden:2 * hidden].fill_(forget_bias)
            lstm.bias_hh_l0[hidden:2 * hidden].fill_(0)
    return lstm


class LstmClassifier(nn.Module):
    def __init__(self, vocab, classes, pool_kind, forget_bias, dim=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.lstm = make_lstm(dim, forget_bias)
        self.fc = nn.Linear(dim, classes)
        self.pool_kind = pool_kind

    def forward(self, ids, lengths):
        r_out, _ = self.lstm(self.embedding(ids))
        return self.fc(pool(self.pool_kind, r_out, ids.ne(0)))


class MergeNet(nn.Module):
    def __init__(self, vocab, classes, pkernel, pool_kind="last", kernel=3, dim=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, dim, kernel)
        self.bn = nn.BatchNorm1d(dim)
        self.pool = nn.MaxPool1d(pkernel)
        self.lstm = nn.LSTM(dim, dim, 1, batch_first=True)
        self.fc = nn.Linear(dim, classes)
        self.kernel, self.pkernel, self.pool_kind = kernel, pkernel, pool_kind

    def forward(self, ids, lengths):
        x = self.embedding(ids).permute(0, 2, 1)
        x = self.pool(F.relu(self.bn(self.conv(x))))
        r_out, _ = self.lstm(x.permute(0, 2, 1))
        # MergeNet.PooledMask, computed as Changwen computes it even when `last` pooling ignores it.
        m = ids.ne(0).float().unsqueeze(1)
        m = F.max_pool1d(m, self.kernel, stride=1)
        m = F.max_pool1d(m, self.pkernel, stride=self.pkernel).squeeze(1).gt(0)
        return self.fc(pool(self.pool_kind, r_out, m))


def build(model, vocab, classes, pkernel):
    """The three cases of issue 8, with the options Changwen's torch-compare passes to ModelFactory."""
    if model == "lstm":
        return LstmClassifier(vocab, classes, "last", None), None
    if model == "lstm-fixed":
        return LstmClassifier(vocab, classes, "mean", 1.0), 1.0
    if model == "mergenet":
        return MergeNet(vocab, classes, pkernel), None
    raise SystemExit(f"unknown model {model}")


def train_step(model, optimizer, ids, lengths, labels, clip):
    """Trainer.Step: forward, cross-entropy, zero_grad, backward, clip (optional), Adam step; the loss read back."""
    logits = model(ids, lengths)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


def blas_info():
    config = torch.__config__.show()
    blas = re.findall(r"(?:BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=[^,\s]+", config)
    return config, blas


def matmul_gflops(size, iterations=3):
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(iterations):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["lstm", "mergenet", "lstm-fixed"], default="lstm")
    parser.add_argument("--len", type=int, default=500, dest="length")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--mode", choices=["train", "infer", "matmul"], default="train")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iters", type=int, default=1, help="inference: forward passes per repetition")
    parser.add_argument("--threads", type=int, default=0, help="0 = os.cpu_count()")
    parser.add_argument("--vocab", type=int, default=50000)
    parser.add_argument("--classes", type=int, default=14)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pkernel", type=int, default=0, help="mergenet: MaxPool1d kernel; 0 = 20 from 3000 words, else 10")
    parser.add_argument("--size", type=int, default=1024, help="matmul: square matrix size")
    args = parser.parse_args()

    threads = args.threads if args.threads > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    config, blas = blas_info()
    result = {"side": "pytorch", "torch_version": torch.__version__, "threads": torch.get_num_threads(),
              "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "blas": blas, "mode": args.mode}

    if args.mode == "matmul":
        result.update(size=args.size, gflops=matmul_gflops(args.size), config=config)
        print(json.dumps(result))
        return

    model, clip = build(args.model, args.vocab, args.classes,
                         args.pkernel or (20 if args.length >= 3000 else 10))
    ids, lengths, labels = make_batch(args.batch, args.length, args.vocab, args.classes, args.seed)
    result.update(model=args.model, len=args.length, batch=args.batch, id_sum=int(ids.sum()))

    if args.mode == "train":
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        for _ in range(args.warmup):
            train_step(model, optimizer, ids, lengths, labels, clip)
        times = []
        for _ in range(args.reps):
            start = time.perf_counter()
            train_step(model, optimizer, ids, lengths, labels, clip)
            times.append((time.perf_counter() - start) * 1000.0)
        result["ms"] = times
    else:
        torch.backends.mkldnn.enabled = False
        model.eval()

        def predict():
            # As Predictor: forward, softmax, probabilities copied out of the tensor.
            return model(ids, lengths).softmax(1).numpy().copy()

        rates = []
        with torch.no_grad():
            for _ in range(args.warmup):
                predict()
            for _ in range(args.reps):
                start = time.perf_counter()
                for _ in range(args.iters):
                    predict()
                rates.append(args.batch * args.iters / (time.perf_counter() - start))
        result.update(iters=args.iters, docs_per_s=rates)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
