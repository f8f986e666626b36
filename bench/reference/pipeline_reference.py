"""End-to-end PyTorch peer of `changwen train` for issue 8's pipeline figure and issue 25's LSTM figure. A measuring
instrument, not product code.

It does what `changwen train CORPUS --model mergenet|lstm --max-len 500 --epochs 3 --pool last --forget-bias none
--clip-grad-norm none --bucket false --cache ""` does, in Python with Debian's python3-jieba and python3-torch:
read the `label<TAB>text` train/val/test files (plain or .gz), or a folder-per-class corpus (one UTF-8 file per
document, THUCNews's layout) split as Changwen split it (`--splits`, the run folder's splits.tsv, so both sides train,
validate and test on the same documents), segment with jieba (precise mode, HMM on, whitespace
tokens dropped) on every core, build the vocabulary on train (pad 0, unknown 1, the 50,000 most frequent words),
keep the first 500 words and post-pad, train the post's MergeNet or LSTM classifier (bench/reference/torch_reference.py:
the LSTM reads the last column, pads included, with libtorch's default forget bias) with Adam
(lr 0.001, batch 64, shuffled every epoch), score the validation split after every epoch, save the best weights to
disk, and report the test split's accuracy and macro-F1 with them. Prints one JSON line with the phase timings.

    /usr/bin/python3 bench/reference/pipeline_reference.py ../shared/data/chinanews --out /tmp/py-run [--threads 2]
    /usr/bin/python3 bench/reference/pipeline_reference.py ../shared/data/thucnews --splits RUN/splits.tsv --model lstm --epochs 2 --out /tmp/py-run

Peak memory is taken from outside (bench/e2e-pipeline.sh runs both sides under /usr/bin/time -v).
"""
import argparse
import collections
import gzip
import json
import multiprocessing
import os
import random
import sys
import time

import jieba
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import LstmClassifier, MergeNet  # noqa: E402  (the same networks as the step benchmark)


def read_split(folder, split):
    names = [n for n in os.listdir(folder) if n.split(".")[0] == split]
    if len(names) != 1:
        raise SystemExit(f"{folder}: expected one {split}.tsv[.gz], found {names}")
    path = os.path.join(folder, names[0])
    opener = gzip.open if path.endswith(".gz") else open
    labels, texts = [], []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                continue
            label, _, text = line.partition("\t")
            labels.append(label)
            texts.append(text)
    return labels, texts


def read_folder_splits(folder, splits_path):
    """A folder-per-class corpus (label = folder name), split by Changwen's record `source<TAB>train|val|test`."""
    raw = {s: ([], []) for s in ("train", "val", "test")}
    with open(splits_path, encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            source, _, split = line.rstrip("\n").rpartition("\t")
            if n == 0 and source == "source":
                continue
            with open(os.path.join(folder, source), encoding="utf-8") as f:
                text = f.read()
            raw[split][0].append(source.split("/")[0])
            raw[split][1].append(text)
    return raw


def segment(text):
    return [w for w in jieba.lcut(text) if w.strip()]


def init_worker():
    jieba.initialize()


def build_vocab(docs, max_vocab):
    counts = collections.Counter(w for d in docs for w in d)
    ranked = sorted(counts.items(), key=lambda p: (-p[1], p[0]))[: max_vocab - 2]
    return {w: i + 2 for i, (w, _) in enumerate(ranked)}


def encode(docs, vocab, max_len):
    ids = torch.zeros(len(docs), max_len, dtype=torch.int64)
    lengths = torch.zeros(len(docs), dtype=torch.int64)
    for r, d in enumerate(docs):
        row = [vocab.get(w, 1) for w in d[:max_len]]
        if row:
            ids[r, : len(row)] = torch.tensor(row)
        lengths[r] = len(row)
    return ids, lengths


def predict(model, ids, lengths, batch):
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(ids), batch):
            out.append(model(ids[s:s + batch], lengths[s:s + batch]).argmax(1))
    return torch.cat(out)


def macro_f1(gold, pred, classes):
    f1s = []
    for c in range(classes):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / classes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--out", required=True)
    parser.add_argument("--model", choices=("mergenet", "lstm"), default="mergenet")
    parser.add_argument("--splits", help="Changwen's splits.tsv, for a folder-per-class corpus")
    parser.add_argument("--threads", type=int, default=0, help="0 = os.cpu_count()")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=500)
    parser.add_argument("--max-vocab", type=int, default=50000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--pkernel", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    threads = args.threads if args.threads > 0 else os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    clock, phases = time.perf_counter(), {}

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 2)
        clock = now

    if args.splits:
        raw = read_folder_splits(args.corpus, args.splits)
    else:
        raw = {s: read_split(args.corpus, s) for s in ("train", "val", "test")}
    lap("read_s")
    with multiprocessing.Pool(threads, initializer=init_worker) as pool:
        docs = {s: pool.map(segment, raw[s][1], chunksize=64) for s in raw}
    lap("segment_s")
    classes = sorted(set(raw["train"][0]))
    label_id = {c: i for i, c in enumerate(classes)}
    vocab = build_vocab(docs["train"], args.max_vocab)
    data = {}
    for s in raw:
        ids, lengths = encode(docs[s], vocab, args.max_len)
        data[s] = (ids, lengths, torch.tensor([label_id[l] for l in raw[s][0]], dtype=torch.int64))
    lap("encode_s")

    if args.model == "lstm":
        model = LstmClassifier(len(vocab) + 2, len(classes), "last", None)
    else:
        model = MergeNet(len(vocab) + 2, len(classes), args.pkernel)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    ids, lengths, labels = data["train"]
    best, best_path, epochs = -1.0, os.path.join(args.out, "best.pt"), []
    for epoch in range(args.epochs):
        model.train()
        order = list(range(len(ids)))
        random.shuffle(order)
        total = 0.0
        for s in range(0, len(order), args.batch):
            rows = torch.tensor(order[s:s + args.batch])
            loss = F.cross_entropy(model(ids[rows], lengths[rows]), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        torch.backends.mkldnn.enabled = False  # inference without oneDNN, as the issue asks of the reference
        val = float((predict(model, *data["val"][:2], args.batch) == data["val"][2]).float().mean())
        torch.backends.mkldnn.enabled = True
        if val > best:
            best = val
            torch.save(model.state_dict(), best_path)
        epochs.append({"epoch": epoch + 1, "train_loss": total / len(order), "val_accuracy": val})
    lap("train_s")
    model.load_state_dict(torch.load(best_path))
    torch.backends.mkldnn.enabled = False
    pred = predict(model, *data["test"][:2], args.batch)
    gold = data["test"][2]
    lap("evaluate_s")
    print(json.dumps({"side": "pytorch", "model": args.model, "torch_version": torch.__version__, "threads": threads,
                      "documents": {s: len(raw[s][0]) for s in raw}, "vocabulary": len(vocab) + 2,
                      "phases": phases, "epochs": epochs, "best_val_accuracy": best,
                      "test_accuracy": float((pred == gold).float().mean()),
                      "test_macro_f1": macro_f1(gold, pred, len(classes))}))


if __name__ == "__main__":
    sys.exit(main())
