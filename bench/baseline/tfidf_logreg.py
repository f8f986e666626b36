#!/usr/bin/python3
"""TF-IDF + logistic regression on exactly the train/val/test split of a Changwen run: the reference figure that
Changwen's models are compared with in docs/experiments.md ("Small-corpus models").

A measuring instrument, not product code. Needs Debian's python3-sklearn and python3-jieba
(sudo apt-get install -y python3-sklearn python3-jieba); CI does not run it.

    /usr/bin/python3 bench/baseline/tfidf_logreg.py RUN_DIR [--max-words N] [--solver liblinear|lbfgs] [--json OUT.json]

RUN_DIR is a Changwen run folder (changwen train ... --out RUN_DIR). Its corpus.json names the corpus folder; a
corpus with its own train/val(dev)/test files (chinanews, titles) is read from them, any other from the split Changwen
recorded in splits.tsv (`source<TAB>split`: a document file relative to the corpus folder, or `file:line` for a line
file), so the documents of each split are Changwen's; the split sizes are checked against the run's summary.json.
The five layouts of ../shared/data are read: one folder per class, one file per document, UTF-8 or GB18030
(thucnews, fudan); `label<TAB>text` train/val/test files, plain or .gz (chinanews); `text<TAB>class-index` files with
a class.txt (titles); a CSV with a header row, columns content/text and category/label or those of options.json (sohu).

Method: jieba (precise mode, HMM on; whitespace tokens dropped) segments each document, whole unless --max-words
cuts it to its first N words (Changwen's --max-len); TfidfVectorizer over word unigrams and bigrams, sublinear tf,
min_df 2; LogisticRegression with C chosen on the validation split from a small grid, refit on train alone (as
Changwen trains on train and selects on val). The solver is liblinear (one-vs-rest, coordinate descent: minutes on
chinanews); --solver lbfgs fits the multinomial model instead, which took 861 s on thucnews and did not finish on
fudan in 25 minutes on a loaded machine. Prints one line and a JSON object (with the seconds of segmentation, features
and the C grid's fits, and the BLAS numpy uses).
"""
import argparse
import csv
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


def open_lines(path, newline=None):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline=newline)
    return open(path, encoding="utf-8-sig", newline=newline)


VAL_NAMES = ("val", "dev", "valid", "validation")
TEXT_COLUMNS = ("content", "text")
LABEL_COLUMNS = ("category", "label")


def split_of_name(name):
    """train.tsv.gz -> train, dev.txt -> val; None for any other file (Changwen's CorpusLayout names)."""
    stem = name.split(".")[0].lower()
    if stem == "train" or stem == "test":
        return stem
    return "val" if stem in VAL_NAMES else None


def read_class_file(root):
    with open(os.path.join(root, "class.txt"), encoding="utf-8-sig") as f:
        names = [line.strip() for line in f]
    while names and not names[-1]:
        names.pop()
    return names


def line_documents(root, name, layout, options):
    """(source, label, text) of every document of a line file: source is Changwen's `file:line` (1-based)."""
    path = os.path.join(root, name)
    if layout == "csv":
        with open_lines(path, newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader)]
            text_at = header.index(pick_column(header, options.get("text_column"), TEXT_COLUMNS, path))
            label_at = header.index(pick_column(header, options.get("label_column"), LABEL_COLUMNS, path))
            for row in reader:
                # csv.reader's line_num is the line the record ends on, as CsvHelper's LineNumber is.
                if len(row) > max(text_at, label_at):
                    yield f"{name}:{reader.line_num}", row[label_at].strip(), row[text_at]
        return
    classes = read_class_file(root) if layout == "indexed" else None
    with open_lines(path) as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if classes is not None:  # text<TAB>class-index, class-index a line of class.txt
                text, _, index = line.rpartition("\t")
                label = classes[int(index.strip())]
            else:  # label<TAB>text
                label, _, text = line.partition("\t")
            yield f"{name}:{number}", label.strip(), text


def pick_column(header, given, defaults, path):
    for name in ([given] if given else list(defaults)):
        if name in header:
            return name
    sys.exit(f"{path}: no column {given or ' or '.join(defaults)} in the header {header}")


def detect_layout(root):
    """folders (thucnews, fudan), tsv (chinanews), indexed (titles: text<TAB>index + class.txt) or csv (sohu)."""
    if any(os.path.isdir(os.path.join(root, n)) for n in os.listdir(root)):
        return "folders"
    if os.path.exists(os.path.join(root, "class.txt")):
        return "indexed"
    if any(n.lower().endswith((".csv", ".csv.gz")) for n in os.listdir(root)):
        return "csv"
    return "tsv"


def load_run(run_dir):
    """Returns {split: [(label, text)]} with the documents of the run's train, val and test splits, and the layout."""
    corpus = json.load(open(os.path.join(run_dir, "corpus.json"), encoding="utf-8"))
    options = json.load(open(os.path.join(run_dir, "options.json"), encoding="utf-8")).get("corpus", {})
    root = corpus["path"]
    if os.path.isfile(root):
        sys.exit(f"{root}: a corpus given as one file is not supported here; give its folder")
    layout = detect_layout(root)
    splits = {"train": [], "val": [], "test": []}
    if corpus["has_own_splits"]:
        for name in sorted(os.listdir(root)):
            split = split_of_name(name)
            if split is None or name == "class.txt":
                continue
            for _, label, text in line_documents(root, name, layout, options):
                if text.strip():
                    splits[split].append((label, text.strip()))
        if not splits["val"]:
            sys.exit(f"{root}: no validation file; Changwen carves one from train, which this script does not reproduce")
        return splits, layout
    recorded = {}
    with open(os.path.join(run_dir, "splits.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:2] != ["source", "split"]:
            sys.exit(f"{run_dir}/splits.tsv: unexpected header {header}")
        for line in f:
            source, split = line.rstrip("\n").split("\t")[:2]
            recorded[source] = split
    if layout == "folders":
        for source, split in recorded.items():
            text = read_text(os.path.join(root, source)).strip()
            if text:
                splits[split].append((source.split("/")[0], text))
        return splits, layout
    found = 0
    for name in sorted(os.listdir(root)):
        if name == "class.txt" or os.path.isdir(os.path.join(root, name)):
            continue
        for source, label, text in line_documents(root, name, layout, options):
            split = recorded.get(source)
            if split is not None and text.strip():
                found += 1
                splits[split].append((label, text.strip()))
    if found != len(recorded):
        sys.exit(f"{run_dir}/splits.tsv names {len(recorded)} documents, {found} of them found in {root}: the corpus changed, "
                 f"or this script numbers lines differently from Changwen")
    return splits, layout


def check_counts(run_dir, splits):
    """The split sizes must be Changwen's (summary.json's train_docs and val_docs, the test report's support)."""
    summary_path = os.path.join(run_dir, "summary.json")
    if not os.path.exists(summary_path):
        return
    summary = json.load(open(summary_path, encoding="utf-8"))
    expected = {"train": summary.get("train_docs"), "val": summary.get("val_docs")}
    for split, count in expected.items():
        if count is not None and count != len(splits[split]):
            sys.exit(f"{run_dir}: Changwen's {split} split has {count} documents, this script read {len(splits[split])}")


def segment(texts, max_words):
    out = []
    for text in texts:
        words = [w for w in jieba.lcut(text) if w.strip()]
        if max_words:
            words = words[:max_words]
        out.append(" ".join(words))
    return out


def blas():
    """The BLAS numpy and scipy call (liblinear itself does not use one), as threadpoolctl reports it."""
    try:
        from threadpoolctl import threadpool_info
        return sorted({f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)" for i in threadpool_info()})
    except ImportError:
        return None


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
    splits, layout = load_run(args.run_dir)
    check_counts(args.run_dir, splits)
    labels = {s: [label for label, _ in docs] for s, docs in splits.items()}
    words = {s: segment([text for _, text in docs], args.max_words) for s, docs in splits.items()}
    segment_seconds = time.time() - clock

    clock_features = time.time()
    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                 sublinear_tf=True, min_df=2)
    x_train = vectorizer.fit_transform(words["train"])
    x_val = vectorizer.transform(words["val"])
    x_test = vectorizer.transform(words["test"])

    feature_seconds = time.time() - clock_features
    clock_fit = time.time()
    grid = []
    best = None
    for c in C_GRID:
        clock_c = time.time()
        model = LogisticRegression(C=c, solver=args.solver, max_iter=2000)
        model.fit(x_train, labels["train"])
        val_accuracy = accuracy_score(labels["val"], model.predict(x_val))
        grid.append({"c": c, "val_accuracy": val_accuracy, "seconds": round(time.time() - clock_c, 1)})
        if best is None or val_accuracy > best[0]:
            best = (val_accuracy, c, model)
    val_accuracy, c, model = best
    fit_seconds = time.time() - clock_fit
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
        "layout": layout,
        "segment_seconds": round(segment_seconds, 1),
        "feature_seconds": round(feature_seconds, 1),
        "fit_seconds": round(fit_seconds, 1),
        "blas": blas(),
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
