#!/usr/bin/python3
"""Python jieba's precise cut with the HMM (jieba.lcut(text, cut_all=False, HMM=True)) on every core: characters/s.

usage: /usr/bin/python3 bench/python-jieba.py FILE.tsv.gz [PROCESSES]

Debian's python3-jieba (0.42.1). The texts are read first; each worker process loads jieba's dictionary before the
clock starts (a warm-up map), so only cutting is timed, as in `segment-compare` for jieba.NET and Changwen.
The pool gets the documents in chunks of 64; the parent only counts tokens.
"""
import gzip
import multiprocessing
import os
import resource
import sys
import time

import jieba


def load(_):
    jieba.setLogLevel(60)
    jieba.initialize()
    return os.getpid()


def cut(text):
    return len(jieba.lcut(text, cut_all=False, HMM=True))


def main():
    path = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line]
    characters = sum(len(t) for t in texts)
    print(f"file: {path}: {len(texts):,} documents, {characters:,} characters; {processes} processes; "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
    with multiprocessing.Pool(processes) as pool:
        start = time.perf_counter()
        pool.map(load, range(processes * 4), chunksize=1)
        print(f"jieba dictionary loaded in every worker: {time.perf_counter() - start:.2f} s")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        tokens = sum(pool.map(cut, texts, chunksize=64))
        seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Children's CPU is only counted once they exit, i.e. when the pool closes above.
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"Python jieba {jieba.__version__}, {processes} processes: {seconds:.2f} s wall, {characters / seconds / 1e6:.2f} M chars/s, "
          f"{cpu:.1f} CPU-s ({characters / cpu / 1e6:.2f} M chars per CPU-second), {tokens:,} tokens; "
          f"load average {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
