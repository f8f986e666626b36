#!/usr/bin/env python3
"""Issue 22's heavy request against `changwen serve`, loopback only and bounded in time.

Starts `CHANGWEN serve RUN_DIR` on 127.0.0.1 (a free port), warms it with a small request, then sends the heavy request
(13 texts of 99,000 copies of one character, 3.9 MB) and, 0.3 s later, a small request. Prints both latencies and
statuses, and the server's RSS before the heavy request and 3 s after it was answered. Stops the server it started.

usage: heavy-request-probe.py CHANGWEN RUN_DIR
"""
import json, os, socket, subprocess, sys, threading, time, urllib.error, urllib.request

changwen, run_dir = sys.argv[1], sys.argv[2]
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
url = f"http://127.0.0.1:{port}"
server = subprocess.Popen([changwen, "serve", run_dir, "--urls", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def rss_mb():
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def post(texts, timeout=120):
    body = json.dumps({"texts": texts}, ensure_ascii=False).encode()
    request = urllib.request.Request(url + "/v1/classify", body, {"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    except Exception as e:  # timeouts, resets
        status, text = type(e).__name__, str(e)
    return status, time.monotonic() - start, text[:160]


try:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/readyz", timeout=1).read()
            break
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("server did not start")
            time.sleep(0.2)
    post(["体育新闻"])
    before = rss_mb()
    heavy = {}
    thread = threading.Thread(target=lambda: heavy.setdefault("r", post(["的" * 99_000] * 13)))
    thread.start()
    time.sleep(0.3)
    small = post(["球队昨晚赢得了比赛"])
    thread.join()
    time.sleep(3)
    after = rss_mb()
    print(f"small request: status {small[0]}, {small[1]:.3f} s  ({small[2]})")
    print(f"heavy request: status {heavy['r'][0]}, {heavy['r'][1]:.3f} s")
    print(f"RSS before heavy {before:.0f} MB, 3 s after {after:.0f} MB ({(after - before) / before:+.1%})")
finally:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
