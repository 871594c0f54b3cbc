"""Load test of the web chat: many users against a running app on 127.0.0.1.

    .venv/bin/python benchmarks/load.py          (or `make bench-load`)

By default it starts ``python app.py`` itself on a free port, with a temporary copy of the
corpus and a fresh index, then:

1. ROUNDS rounds in which USERS concurrent ``gradio_client`` users each ask QUESTIONS questions
   from eval/pertanyaan.jsonl through the public ``/tanya`` API. Just before round 2 a small
   document is added to the temporary corpus, and one second into round 2 a
   ``tanya-trafficking rebuild-index`` runs in another process; the app loads the new
   generation in the background and swaps it in. After the round, a question only that
   document answers must be answered from it.
2. A soak of ``--soak-seconds`` over plain HTTP: ``--soak-users`` threads, each asking question
   after question the way ``curl`` would (``POST /gradio_api/call/tanya``, then ``GET`` the
   event's stream), while the server's RSS is sampled every second.

Reported per round: answered, refused with "queue full", errors, slow (> 10 s), p50/p95/max
latency, and the server's RSS after the round; for the soak the same plus its request rate and
RSS at the start, half-way and the end. Floors (exit code 1 when missed): no errors and no
traceback in the server log, every request answered or refused cleanly within 10 s, RSS growth
under 10 % from round 1 to the last round, the new generation taken over during round 2 and
its new document answering, every answer whole from one generation (round 1 all the old
one's, the rounds after round 2 all the new one's, round 2 each one or the other: the new
document shifts a few answers a little), and RSS flat over the soak's second half (under
``--soak-rss-mb`` MB of growth: a leak of a few KB per request shows).

Prints a Markdown table for the README; writes the full results as JSON only when asked
(``--out FILE``). ``--url URL --pid PID`` targets an app that is already running instead (no
rebuild then).
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
import urllib.error
import urllib.request
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
SOAK_SECONDS = 120
SOAK_USERS = 20
SOAK_RSS_MB = 20.0  # allowed RSS growth over the soak's second half
# Added to the temporary corpus before the mid-load rebuild: a new generation to take over,
# and a question only it answers.
NEW_DOC_NAME = "catatan-uji-beban.txt"
NEW_DOC_TEXT = ("Catatan uji beban.\n\nMenara pengamat burung di tepi Danau Sentani dibangun "
                "pada tahun 1987 oleh warga kampung Yoboi.\n")
NEW_DOC_QUESTION = "Kapan menara pengamat burung di tepi Danau Sentani dibangun?"
NEW_DOC_ANSWER = "1987"


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


def http_ask(url: str, question: str) -> tuple[str, str]:
    """(kind, text) of one plain-HTTP ``/call/tanya``: POST, then GET the event's stream."""
    body = json.dumps({"data": [question, ""]}).encode()
    req = urllib.request.Request(f"{url}gradio_api/call/tanya", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=DEADLINE_S + 5) as r:
            event_id = json.loads(r.read())["event_id"]
        with urllib.request.urlopen(f"{url}gradio_api/call/tanya/{event_id}",
                                    timeout=DEADLINE_S + 5) as r:
            text = r.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as e:
        return ("queue_full" if e.code == 503 else "error"), f"HTTP {e.code}"
    except Exception as e:  # noqa: BLE001 - every outcome is counted
        return classify(e), f"{type(e).__name__}: {e}"
    if "event: complete" in text:
        data = text.split("event: complete", 1)[1].split("data:", 1)[-1].strip()
        answer = json.loads(data.splitlines()[0])[0] if data else ""
        return ("answered" if isinstance(answer, str) and answer.strip() else "error"), answer
    return "error", text[-300:]


def soak(url: str, pid: int | None, questions: list[str], users: int,
         seconds: float) -> tuple[list[dict], list[tuple[float, int]]]:
    """``users`` plain-HTTP callers for ``seconds``; the server's RSS sampled every second."""
    stop = time.monotonic() + seconds
    samples: list[tuple[float, int]] = []

    def caller(k: int) -> list[dict]:
        out, j = [], 0
        while time.monotonic() < stop:
            q = questions[(k * 31 + j) % len(questions)]
            j += 1
            t0, wall = time.perf_counter(), time.time()
            kind, text = http_ask(url, q)
            out.append({"question": q, "kind": kind, "seconds": time.perf_counter() - t0,
                        "at": wall, "text": text})
        return out

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(caller, k) for k in range(users)]
        while time.monotonic() < stop:
            if pid:
                samples.append((time.monotonic() - t0, rss_bytes(pid)))
            time.sleep(1.0)
        results = [r for f in futures for r in f.result()]
    if pid:
        samples.append((time.monotonic() - t0, rss_bytes(pid)))
    return results, samples


def rss_at(samples: list[tuple[float, int]], fraction: float, width: float = 0.1) -> float:
    """Median RSS (MB) of the samples within ``width`` of the soak around ``fraction``."""
    if not samples:
        return 0.0
    end = samples[-1][0]
    lo, hi = (fraction - width / 2) * end, (fraction + width / 2) * end
    window = sorted(r for t, r in samples if lo <= t <= hi) or [samples[-1][1]]
    return round(window[len(window) // 2] / 2**20, 1)


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
    parser.add_argument("--soak-seconds", type=float, default=SOAK_SECONDS,
                        help="length of the plain-HTTP soak (0: none)")
    parser.add_argument("--soak-users", type=int, default=SOAK_USERS)
    parser.add_argument("--soak-rss-mb", type=float, default=SOAK_RSS_MB,
                        help="allowed RSS growth over the soak's second half")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    items = [json.loads(line) for line in
             (PROJECT_ROOT / "eval" / "pertanyaan.jsonl").read_text("utf-8").splitlines()
             if line.strip()]
    questions = [item["question"] for item in items]

    tmp = tempfile.TemporaryDirectory(prefix="tanya-load-")
    server = None
    if args.url:
        url, pid, log, index, corpus = args.url.rstrip("/") + "/", args.pid, None, None, None
    else:
        print("Menyalakan aplikasi (membangun indeks)…", flush=True)
        server = start_server(Path(tmp.name))
        url, pid, log = server.url, server.proc.pid, server.log
        index, corpus = server.index, server.corpus
    print(f"Aplikasi: {url}", flush=True)

    rebuild = {}

    def start_rebuild():
        """In round 2: a new document in the corpus, then a rebuild in another process, one
        second into the load."""
        if index is None:
            return
        (corpus / NEW_DOC_NAME).write_text(NEW_DOC_TEXT, "utf-8")

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
    soak_results, soak_samples, new_doc = [], [], None
    try:
        for n in range(1, args.rounds + 1):
            during = start_rebuild if n == REBUILD_ROUND else None
            results, t0, t1 = run_round(url, questions, args.users, args.questions,
                                        offset=0, during=during)
            if "thread" in rebuild and n == REBUILD_ROUND:
                rebuild.pop("thread").join()
                # A request makes the app look at CURRENT (at most once a second) and load
                # a new generation in the background; the old one answers meanwhile. The
                # next round starts once the new one answers.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    taken = "Generasi indeks baru dipakai" in log.read_text(
                        "utf-8", errors="replace")
                    new_doc = http_ask(url, NEW_DOC_QUESTION)
                    if taken:
                        break
                    time.sleep(0.5)
            time.sleep(1.0)
            row = summarize(n, results, t1 - t0, rss_bytes(pid) if pid else 0)
            rounds.append(row)
            answers_by_round.append(results)
            print(json.dumps(row), flush=True)
        if args.soak_seconds > 0:
            print(f"Uji tahan lewat HTTP biasa: {args.soak_users} pengguna, "
                  f"{args.soak_seconds:g} detik…", flush=True)
            t0 = time.time()
            soak_results, soak_samples = soak(url, pid, questions, args.soak_users,
                                              args.soak_seconds)
            soak_seconds = time.time() - t0
            time.sleep(1.0)
    finally:
        log_text = log.read_text("utf-8", errors="replace") if log else ""
        if server is not None:
            server.close()
        tmp.cleanup()

    # The rebuild: every answer comes whole from one generation. Round 1 is the old one's,
    # the rounds after the rebuild round the new one's (the new document shifts the ranking
    # and the speller's vocabulary a little, so some answers change); in the rebuild round
    # each answer is one or the other, never a mix or a failure.
    def answers(results):
        by_question = {}
        for r in results:
            if r["kind"] == "answered":
                by_question.setdefault(r["question"], set()).add(r["text"])
        return by_question

    first = answers(answers_by_round[0])
    after = answers([r for results in answers_by_round[REBUILD_ROUND:] for r in results])
    changed = sorted(q for q in first.keys() & after.keys() if first[q] != after[q])
    mixed = sorted(
        {q for q, texts in first.items() if len(texts) > 1}
        | {q for q, texts in after.items() if len(texts) > 1}
        | {r["question"] for r in (answers_by_round[REBUILD_ROUND - 1]
                                   if len(answers_by_round) > REBUILD_ROUND else [])
           if r["kind"] == "answered" and r["text"] not in
           first.get(r["question"], set()) | after.get(r["question"], set())})
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
    soak_row = None
    if soak_results:
        soak_row = summarize("soak", soak_results, soak_seconds,
                             soak_samples[-1][1] if soak_samples else 0)
        soak_row.update({
            "users": args.soak_users,
            "requests_per_s": round(len(soak_results) / soak_seconds, 1),
            "rss_start_mb": rss_at(soak_samples, 0.05),
            "rss_half_mb": rss_at(soak_samples, 0.5),
            "rss_end_mb": rss_at(soak_samples, 0.95),
        })
        soak_row["rss_growth_second_half_mb"] = round(
            soak_row["rss_end_mb"] - soak_row["rss_half_mb"], 1)
    all_rows = rounds + ([soak_row] if soak_row else [])
    tracebacks = log_text.count("Traceback")
    rss1, rss3 = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    growth = (rss3 - rss1) / rss1 if rss1 else 0.0
    floors = {
        "no_errors": all(r["errors"] == 0 for r in all_rows),
        "no_tracebacks": tracebacks == 0,
        "all_within_10s": all(r["slow_over_10s"] == 0 for r in all_rows),
        "all_answered_or_refused": all(r["answered"] + r["queue_full"] == r["requests"]
                                       for r in all_rows),
        "rss_growth_under_10pct": growth < RSS_GROWTH_MAX,
    }
    if soak_row and pid:
        floors["soak_rss_flat"] = soak_row["rss_growth_second_half_mb"] < args.soak_rss_mb
    if index is not None and args.rounds >= REBUILD_ROUND:
        floors["rebuild_succeeded"] = rebuild.get("returncode") == 0
        floors["new_generation_taken_over"] = len(takeover) >= 1
        floors["new_document_answers"] = bool(
            new_doc and new_doc[0] == "answered" and NEW_DOC_ANSWER in new_doc[1]
            and NEW_DOC_NAME in new_doc[1])
        floors["answers_whole_from_one_generation"] = not mixed
    report = {
        "users": args.users, "questions_per_user": args.questions, "rounds": rounds,
        "rebuild": {k: v for k, v in rebuild.items() if k != "thread"} | {
            "taken_over_by": takeover, "seconds": round(rebuild["finished"] - rebuild[
                "started"], 1) if "started" in rebuild else None,
            "requests_in_flight": during_rebuild,
            "new_document_answer": new_doc[1][:500] if new_doc else None},
        "answers_changed_by_rebuild": changed,
        "answers_from_neither_generation": mixed,
        "soak": soak_row,
        "soak_rss_samples_mb": [[round(t, 1), round(r / 2**20, 1)] for t, r in soak_samples],
        "server_tracebacks": tracebacks,
        "rss_growth_round1_to_last": round(growth, 4),
        "errors_sample": [r["text"] for r in
                          [r for results in answers_by_round for r in results] + soak_results
                          if r["kind"] == "error"][:5],
        "floors": floors,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8")

    print()
    print("| putaran | permintaan | dijawab | ditolak (antrean penuh) | galat | > 10 s "
          "| p50 | p95 | maks | RSS sesudahnya |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in all_rows:
        name = {REBUILD_ROUND: f"{REBUILD_ROUND} (dengan rebuild)" if index else 2,
                "soak": f"uji tahan HTTP ({r.get('users')} pengguna, "
                        f"{r['seconds']:g} s)"}.get(r["round"], r["round"])
        print(f"| {name} | {r['requests']} | {r['answered']} | {r['queue_full']} | "
              f"{r['errors']} | {r['slow_over_10s']} | {r['p50_ms']} ms | {r['p95_ms']} ms | "
              f"{r['max_ms']} ms | {r['rss_mb']} MB |")
    if window:
        print(f"\nSelama rebuild ({report['rebuild']['seconds']} s) dan pengambilalihan: "
              f"{during_rebuild['requests']} permintaan, {during_rebuild['answered']} dijawab, "
              f"{during_rebuild['errors']} galat, terlama {during_rebuild['max_ms']} ms")
    print(f"\nRSS putaran 1 → {len(rounds)}: {growth:+.1%}; traceback di log server: "
          f"{tracebacks}; generasi baru dipakai: {', '.join(takeover) or '-'}; jawaban "
          f"berubah karena dokumen baru: {len(changed)} pertanyaan; jawaban campuran atau "
          f"bukan dari salah satu generasi: {len(mixed)}")
    if new_doc:
        print(f"Dokumen baru menjawab: {'ya' if floors['new_document_answers'] else 'tidak'} "
              f"({new_doc[1][:120]!r})")
    if soak_row:
        print(f"Uji tahan: {soak_row['requests_per_s']} permintaan/detik; RSS awal "
              f"{soak_row['rss_start_mb']} MB, pertengahan {soak_row['rss_half_mb']} MB, akhir "
              f"{soak_row['rss_end_mb']} MB (paruh kedua "
              f"{soak_row['rss_growth_second_half_mb']:+} MB; batas {args.soak_rss_mb:g} MB)")
    failed = [name for name, ok in floors.items() if not ok]
    print("Semua batas terpenuhi." if not failed else f"GAGAL: {', '.join(failed)}")
    if args.out:
        print(f"Hasil: {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
