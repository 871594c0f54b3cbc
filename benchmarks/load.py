"""Load test of the web chat: many ``gradio_client`` users against a running app on 127.0.0.1.

    .venv/bin/python benchmarks/load.py          (or `make bench-load`)

By default it starts ``python app.py`` itself on a free port, with a temporary copy of the
corpus and a fresh index, then runs ROUNDS rounds in which USERS concurrent users each ask
QUESTIONS questions from eval/pertanyaan.jsonl through the public ``/tanya`` API. During round
2 a ``tanya-trafficking rebuild-index`` runs in another process; the app loads the new
generation in the background and swaps it in.

Reported per round: answered, refused with "queue full", errors, slow (> 10 s), p50/p95/max
latency, and the server's RSS after the round. Floors (exit code 1 when missed): no errors and
no traceback in the server log, every request answered or refused cleanly within 10 s, RSS
growth under 10 % from round 1 to round 3, every question answered identically before and
after the rebuild, and the new generation taken over during round 2.

Writes benchmarks/results/load.json and prints a Markdown table for the README.
``--url URL --pid PID`` targets an app that is already running instead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

USERS = 20
QUESTIONS = 10
ROUNDS = 3
DEADLINE_S = 10.0
RSS_GROWTH_MAX = 0.10
REBUILD_ROUND = 2


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def classify(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    if "QueueError" in text or "Queue is full" in text or "Antrean penuh" in text \
            or "503" in text:
        return "queue_full"
    return "error"


def user(url: str, questions: list[str], start: threading.Barrier) -> list[dict]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    out = []
    for q in questions:
        t0 = time.perf_counter()
        wall = time.time()
        try:
            job = client.submit(q, api_name="/tanya")
            text = job.result(timeout=DEADLINE_S + 5)
            kind = "answered" if isinstance(text, str) and text.strip() else "error"
            detail = text if kind == "answered" else repr(text)
        except BaseException as e:  # noqa: BLE001 - every outcome is counted
            kind, detail = classify(e), f"{type(e).__name__}: {e}"
        out.append({"question": q, "kind": kind, "seconds": time.perf_counter() - t0,
                    "at": wall, "text": detail})
    client.close()
    return out


def run_round(url: str, questions: list[str], users: int, per_user: int, offset: int,
              during=None) -> tuple[list[dict], float, float]:
    barrier = threading.Barrier(users + 1)
    plans = [[questions[(offset + u * per_user + j) % len(questions)] for j in range(per_user)]
             for u in range(users)]
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(user, url, plan, barrier) for plan in plans]
        barrier.wait()
        t0 = time.time()
        if during:
            during()
        results = [r for f in futures for r in f.result()]
    return results, t0, time.time()


def summarize(n: int, results: list[dict], seconds: float, rss: int) -> dict:
    lat = [r["seconds"] for r in results if r["kind"] == "answered"]
    count = lambda kind: sum(r["kind"] == kind for r in results)  # noqa: E731
    return {
        "round": n,
        "requests": len(results),
        "answered": count("answered"),
        "queue_full": count("queue_full"),
        "errors": count("error"),
        "slow_over_10s": sum(r["seconds"] > DEADLINE_S for r in results),
        "p50_ms": round(percentile(lat, 0.50) * 1000),
        "p95_ms": round(percentile(lat, 0.95) * 1000),
        "max_ms": round(max(lat, default=0) * 1000),
        "seconds": round(seconds, 1),
        "rss_mb": round(rss / 2**20, 1),
        "loadavg_1min": round(os.getloadavg()[0], 2),  # the machine may be shared
    }


def start_server(workdir: Path):
    from apphelpers import start_app

    return start_app(workdir / "app")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--pid", type=int, help="its process id, for RSS")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--out", type=Path,
                        default=PROJECT_ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()

    items = [json.loads(line) for line in
             (PROJECT_ROOT / "eval" / "pertanyaan.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    questions = [item["question"] for item in items]

    tmp = tempfile.TemporaryDirectory(prefix="tanya-load-")
    server = None
    if args.url:
        url, pid, log, index, corpus = args.url, args.pid, None, None, None
    else:
        print("Menyalakan aplikasi (membangun indeks)…", flush=True)
        server = start_server(Path(tmp.name))
        url, pid, log = server.url, server.proc.pid, server.log
        index, corpus = server.index, server.corpus
    print(f"Aplikasi: {url}", flush=True)

    rebuild = {}

    def start_rebuild():
        """In round 2: a rebuild in another process, one second into the load."""
        if index is None:
            return

        def go():
            time.sleep(1.0)
            env = {k: v for k, v in os.environ.items() if not k.startswith("TANYA_")}
            env.update({"TANYA_CORPUS": str(corpus), "TANYA_INDEX": str(index)})
            rebuild["started"] = time.time()
            done = subprocess.run([sys.executable, "-m", "tanya_trafficking.cli",
                                   "rebuild-index"], cwd=PROJECT_ROOT, env=env,
                                  capture_output=True, text=True)
            rebuild["finished"] = time.time()
            rebuild["returncode"] = done.returncode
            rebuild["output"] = (done.stdout + done.stderr)[-2000:]

        thread = threading.Thread(target=go)
        thread.start()
        rebuild["thread"] = thread

    rounds, answers_by_round = [], []
    try:
        for n in range(1, args.rounds + 1):
            during = start_rebuild if n == REBUILD_ROUND else None
            results, t0, t1 = run_round(url, questions, args.users, args.questions,
                                        offset=0, during=during)
            if "thread" in rebuild and n == REBUILD_ROUND:
                rebuild.pop("thread").join()
                time.sleep(2.0)  # the app notices CURRENT within a second, then loads
            time.sleep(1.0)
            row = summarize(n, results, t1 - t0, rss_bytes(pid) if pid else 0)
            rounds.append(row)
            answers_by_round.append(results)
            print(json.dumps(row), flush=True)
    finally:
        log_text = log.read_text("utf-8", errors="replace") if log else ""
        if server is not None:
            server.close()
        tmp.cleanup()

    # The rebuild: same answers to the same questions before and after the takeover.
    first = {}
    for r in answers_by_round[0]:
        if r["kind"] == "answered":
            first.setdefault(r["question"], r["text"])
    changed = sorted({r["question"] for results in answers_by_round[1:] for r in results
                      if r["kind"] == "answered" and first.get(r["question"]) not in
                      (None, r["text"])})
    takeover = re.findall(r"Generasi indeks baru dipakai: (\S+)", log_text)
    # Requests in flight while the rebuild ran and the app took the new generation over.
    window = []
    if "started" in rebuild:
        lo, hi = rebuild["started"], rebuild["finished"] + 2.0
        window = [r for r in answers_by_round[REBUILD_ROUND - 1]
                  if r["at"] < hi and r["at"] + r["seconds"] > lo]
    during_rebuild = {
        "requests": len(window),
        "answered": sum(r["kind"] == "answered" for r in window),
        "errors": sum(r["kind"] == "error" for r in window),
        "max_ms": round(max((r["seconds"] for r in window), default=0) * 1000),
    }
    tracebacks = log_text.count("Traceback")
    rss1, rss3 = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    growth = (rss3 - rss1) / rss1 if rss1 else 0.0
    floors = {
        "no_errors": all(r["errors"] == 0 for r in rounds),
        "no_tracebacks": tracebacks == 0,
        "all_within_10s": all(r["slow_over_10s"] == 0 for r in rounds),
        "all_answered_or_refused": all(r["answered"] + r["queue_full"] == r["requests"]
                                       for r in rounds),
        "rss_growth_under_10pct": growth < RSS_GROWTH_MAX,
    }
    if index is not None:
        floors["rebuild_succeeded"] = rebuild.get("returncode") == 0
        floors["new_generation_taken_over"] = len(takeover) >= 1
        floors["answers_unchanged_by_rebuild"] = not changed
    report = {
        "users": args.users, "questions_per_user": args.questions, "rounds": rounds,
        "rebuild": {k: v for k, v in rebuild.items() if k != "thread"} | {
            "taken_over_by": takeover, "seconds": round(rebuild["finished"] - rebuild[
                "started"], 1) if "started" in rebuild else None,
            "requests_in_flight": during_rebuild},
        "answers_changed_by_rebuild": changed,
        "server_tracebacks": tracebacks,
        "rss_growth_round1_to_last": round(growth, 4),
        "errors_sample": [r["text"] for results in answers_by_round for r in results
                          if r["kind"] == "error"][:5],
        "floors": floors,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8")

    print()
    print("| putaran | permintaan | dijawab | ditolak (antrean penuh) | galat | > 10 s "
          "| p50 | p95 | maks | RSS sesudahnya |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rounds:
        print(f"| {r['round']} | {r['requests']} | {r['answered']} | {r['queue_full']} | "
              f"{r['errors']} | {r['slow_over_10s']} | {r['p50_ms']} ms | {r['p95_ms']} ms | "
              f"{r['max_ms']} ms | {r['rss_mb']} MB |")
    if window:
        print(f"\nSelama rebuild ({report['rebuild']['seconds']} s) dan pengambilalihan: "
              f"{during_rebuild['requests']} permintaan, {during_rebuild['answered']} dijawab, "
              f"{during_rebuild['errors']} galat, terlama {during_rebuild['max_ms']} ms")
    print(f"\nRSS putaran 1 → {len(rounds)}: {growth:+.1%}; traceback di log server: "
          f"{tracebacks}; generasi baru dipakai: {', '.join(takeover) or '-'}; jawaban "
          f"berubah karena rebuild: {len(changed)}")
    failed = [name for name, ok in floors.items() if not ok]
    print("Semua batas terpenuhi." if not failed else f"GAGAL: {', '.join(failed)}")
    print(f"Hasil: {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
