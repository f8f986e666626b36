#!/usr/bin/python3
"""TF-IDF + logistic regression on exactly the train/val/test split of a Changwen run: the reference figure that
Changwen's models are compared with in docs/experiments.md ("Small-corpus models").

A measuring instrument, not product code. Needs Debian's python3-sklearn and python3-jieba
(sudo apt-get install -y python3-sklearn python3-jieba); CI does not run it.

    /usr/bin/python3 bench/baseline/tfidf_logreg.py RUN_DIR [--max-words N] [--solver liblinear|lbfgs] [--json OUT.json]

RUN_DIR is a Changwen run folder (changwen train ... --out RUN_DIR). Its corpus.json names the corpus; a corpus with
its own train/val/test files (chinanews) is read from them, any other from the split Changwen recorded in
splits.tsv (`source<TAB>split`, source relative to the corpus folder), so the documents of each split are the same.
Only the folder layout (one folder per class, one file per document, UTF-8 or GB18030) and the `label<TAB>text`
train/val/test files (plain or .gz) are supported: the layouts of ../shared/data/thucnews, fudan and chinanews.

Method: jieba (precise mode, HMM on; whitespace tokens dropped) segments each document, whole unless --max-words
cuts it to its first N words (Changwen's --max-len); TfidfVectorizer over word unigrams and bigrams, sublinear tf,
min_df 2; LogisticRegression with C chosen on the validation split from a small grid, refit on train alone (as
Changwen trains on train and selects on val). The solver is liblinear (one-vs-rest, coordinate descent: minutes on
chinanews); --solver lbfgs fits the multinomial model instead, which took 861 s on thucnews and did not finish on
fudan in 25 minutes on a loaded machine. Prints one line and a JSON object.
"""
import argparse
import gzip
import json
import os
import sys
import time

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

C_GRID = [1.0, 10.0, 100.0]


def read_text(path):
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def open_lines(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def load_run(run_dir):
    """Returns {split: [(label, text)]} with the documents of the run's train, val and test splits."""
    corpus = json.load(open(os.path.join(run_dir, "corpus.json"), encoding="utf-8"))
    root = corpus["path"]
    splits = {"train": [], "val": [], "test": []}
    if corpus["has_own_splits"]:
        for split in splits:
            names = [n for n in os.listdir(root) if n.split(".")[0] == split]
            if len(names) != 1:
                sys.exit(f"{root}: expected one {split} file, found {names}")
            with open_lines(os.path.join(root, names[0])) as lines:
                for line in lines:
                    line = line.rstrip("\n")
                    if not line.strip():
                        continue
                    label, _, text = line.partition("\t")
                    if text.strip():
                        splits[split].append((label, text))
        return splits
    with open(os.path.join(run_dir, "splits.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:2] != ["source", "split"]:
            sys.exit(f"{run_dir}/splits.tsv: unexpected header {header}")
        for line in f:
            source, split = line.rstrip("\n").split("\t")[:2]
            label = source.split("/")[0]
            text = read_text(os.path.join(root, source))
            if text.strip():
                splits[split].append((label, text))
    return splits


def segment(texts, max_words):
    out = []
    for text in texts:
        words = [w for w in jieba.lcut(text) if w.strip()]
        if max_words:
            words = words[:max_words]
        out.append(" ".join(words))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--max-words", type=int, default=0, help="keep each document's first N words (0 = all)")
    parser.add_argument("--solver", choices=["liblinear", "lbfgs"], default="liblinear",
                        help="liblinear: one-vs-rest (fast); lbfgs: multinomial (slow on large vocabularies)")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()
    jieba.setLogLevel(60)

    clock = time.time()
    splits = load_run(args.run_dir)
    labels = {s: [label for label, _ in docs] for s, docs in splits.items()}
    words = {s: segment([text for _, text in docs], args.max_words) for s, docs in splits.items()}
    segment_seconds = time.time() - clock

    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                 sublinear_tf=True, min_df=2)
    x_train = vectorizer.fit_transform(words["train"])
    x_val = vectorizer.transform(words["val"])
    x_test = vectorizer.transform(words["test"])

    grid = []
    best = None
    for c in C_GRID:
        model = LogisticRegression(C=c, solver=args.solver, max_iter=2000)
        model.fit(x_train, labels["train"])
        val_accuracy = accuracy_score(labels["val"], model.predict(x_val))
        grid.append({"c": c, "val_accuracy": val_accuracy})
        if best is None or val_accuracy > best[0]:
            best = (val_accuracy, c, model)
    val_accuracy, c, model = best
    predicted = model.predict(x_test)
    result = {
        "run_dir": os.path.abspath(args.run_dir),
        "documents": {s: len(d) for s, d in splits.items()},
        "max_words": args.max_words or None,
        "features": x_train.shape[1],
        "solver": args.solver,
        "c": c,
        "grid": grid,
        "val_accuracy": val_accuracy,
        "test_accuracy": accuracy_score(labels["test"], predicted),
        "test_macro_f1": f1_score(labels["test"], predicted, average="macro"),
        "segment_seconds": round(segment_seconds, 1),
        "total_seconds": round(time.time() - clock, 1),
    }
    print(f"tfidf+logreg {args.run_dir}: test accuracy {result['test_accuracy']:.4f}, macro F1 {result['test_macro_f1']:.4f} "
          f"({args.solver}, C={c}, val {val_accuracy:.4f}, {x_train.shape[1]} features, train/val/test "
          f"{len(splits['train'])}/{len(splits['val'])}/{len(splits['test'])})")
    print(json.dumps(result, ensure_ascii=False))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
