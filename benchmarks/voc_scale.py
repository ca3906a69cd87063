"""Voice of the customer at scale: the roster redactor, and the whole notebook, on 200,000 messages.

Issue 14 found the voice-of-the-customer notebook unfinished after 10 minutes on 200,000 messages:
the redactor ran one regular expression per roster name form (1,616 with the demo's customers) over
every text. Two measurements, each in a fresh process (wall time and peak resident memory of that
process and its kernel, read with ``os.wait4``), median of ``--repeat`` runs:

- **redactor**: ``Redactor(customers.name)`` built and applied to the customers' messages of the demo
  workspace, repeated to ``--messages`` texts — the new redactor (one automaton) against the baseline,
  ``carelib/text/redact.py`` as of commit ``--baseline`` (read with ``git show`` into a temporary
  file, not kept). The baseline is run on ``--baseline-messages`` texts only (its cost per text does
  not depend on how many there are) and its time for ``--messages`` is extrapolated from that.
- **notebook**: ``carelib run notebooks/voice_of_customer.ipynb -p source=messages -p period=latest``
  on a generated workspace: the demo workspace with its messages repeated (new message ids, same
  tickets and times) until the customers' side alone holds ``--messages`` texts. Where the time
  goes comes from the executed notebook's cell timings. Target: ≤ 5 minutes on 2 cores. A run that
  passes ``--timeout`` is stopped and reported as not finished. The notebook is run as it is (the Ward
  tree's graph pieces joined along a minimum spanning tree of their centroids, c - 1 edges) and, as the
  baseline, with the tree as it was before (``PAIRWISE_TREE`` below: sklearn's ``ward_tree`` joins every
  pair of pieces, c(c - 1)/2 distance computations), put into the notebook's kernel by a temporary
  ``sitecustomize`` module on ``PYTHONPATH``.

- **at_scale** (issue 18): the practice's at-scale path on ~1 M complaints —
  ``voice_of_customer.open_review(FOLDER, source="complaints")`` on the week-partitioned workspace that
  ``benchmarks/voc_at_scale_gen.py`` writes (``--complaints-scale 100``: 976,133 complaints, 2,000,000
  customers; generated once into ``--dir``, reused after), which builds the workspace's redactor (names and
  ids of every customer), runs :func:`carelib.text.at_scale.run` (DuckDB batches, 2 workers) and loads the
  per-text results into the review. The theme book is removed before each run, so every run fits it on the
  20,000-text sample as a first run does. Each run in a fresh process; reported: wall, CPU seconds (the
  process and its workers, ``os.wait4``), peak RSS of the process (``ru_maxrss``: the largest of the process
  and its workers), the peak of the whole process tree's RSS and PSS summed (sampled every 0.2 s from
  ``/proc``), the load average, and the accounting (rows in = set aside + texts read = themed + unthemed).
  Targets: ≤ 8 minutes and ≤ 2 GB on 2 cores, every text assigned.

    python benchmarks/voc_scale.py [--messages 200000] [--repeat 3] [--parts redactor,notebook,at_scale] [--write-docs]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CLI = Path(sys.executable).with_name("carelib")
NOTEBOOK = ROOT / "notebooks" / "voice_of_customer.ipynb"
BASELINE = "f4adb13"  # the last commit with one regular expression per roster name


def customer_texts(n: int) -> list[str]:
    import pandas as pd

    m = pd.read_parquet(DEMO / "messages.parquet", columns=["author_role", "text"])
    texts = m.loc[m["author_role"] == "customer", "text"].dropna().tolist()
    return (texts * (n // len(texts) + 1))[:n]


def load_baseline(commit: str, folder: Path):
    """The redactor module as of ``commit``, imported from a temporary copy."""
    source = subprocess.run(["git", "show", f"{commit}:carelib/text/redact.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = folder / "redact_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("redact_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["redact_baseline"] = module
    spec.loader.exec_module(module)
    return module


def run_redactor(which: str, n: int, commit: str) -> dict:
    """Executed in a child process: build the redactor from the demo roster, redact ``n`` texts."""
    import pandas as pd

    texts = customer_texts(n)
    names = pd.read_csv(DEMO / "customers.csv", usecols=["name"])["name"].dropna()
    with tempfile.TemporaryDirectory() as tmp:
        if which == "baseline":
            module = load_baseline(commit, Path(tmp))
        else:
            from carelib.text import redact as module
        t0 = time.perf_counter()
        r = module.Redactor(names)
        built = time.perf_counter() - t0
        out = [r.redact(t) for t in texts]
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "build": built, "texts": len(out), "roster": int(names.nunique()),
            "redacted": sum(a != b for a, b in zip(texts, out, strict=True))}


def make_workspace(folder: Path, n: int) -> Path:
    """The demo workspace with its messages repeated until the customers' side holds ``n`` texts."""
    import pandas as pd

    ws = folder / f"voc-{n}"
    if (ws / "messages.parquet").exists():
        return ws
    ws.mkdir(parents=True, exist_ok=True)
    for p in DEMO.iterdir():
        if p.is_file() and p.name != "messages.parquet":
            shutil.copy2(p, ws / p.name)
    m = pd.read_parquet(DEMO / "messages.parquet")
    per_copy = int((m["author_role"] == "customer").sum())
    copies = []
    for k in range(n // per_copy + 1):
        c = m.copy()
        c["message_id"] = c["message_id"].astype(str) + (f"-r{k}" if k else "")
        copies.append(c)
    big = pd.concat(copies, ignore_index=True)
    keep = (big["author_role"] != "customer") | (big.groupby("author_role").cumcount() < n)
    big[keep].to_parquet(ws / "messages.parquet", index=False)
    return ws


PAIRWISE_TREE = '''
import numpy as np


def _tree_pairwise(x, idx):
    """The Ward tree as before the minimum-spanning-tree join: sklearn joins every pair of pieces itself."""
    import warnings

    from scipy.sparse import csr_matrix
    from sklearn.cluster import ward_tree

    n, k = idx.shape
    graph = csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ward_tree(x, connectivity=graph)[0]


from carelib.text import themes as _themes  # noqa: E402

_themes.ThemeModel._tree = staticmethod(_tree_pairwise)
'''


def cell_times(executed: Path) -> list[tuple[str, float]]:
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    out, section = [], "setup"
    for c in nb.cells:
        if c.cell_type == "markdown" and c.source.startswith("## "):
            section = c.source.splitlines()[0][3:]
        elif c.cell_type == "code":
            first = c.source.splitlines()[0] if c.source else ""
            label = "parameters" if "parameters" in c.metadata.get("tags", []) else (
                "imports" if first.startswith("import") else section)
            out.append((label, float(c.metadata.get("papermill", {}).get("duration") or 0)))
    return out


def measure(cmd: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Wall time and peak RSS (the process and the children it waited for) of ``cmd``; no time past ``timeout``."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True, env=env, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - t0 > timeout:
                os.killpg(proc.pid, 9)  # the command and its kernel
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"wall": None, "peak_mb": None, "out": ""}
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if proc.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{text[-2000:]}\n{err.read()[-3000:]}")
    return {"wall": wall, "peak_mb": usage.ru_maxrss / 1024, "out": text}


def run_at_scale(folder: str) -> dict:
    """Executed in a child process: the practice's review of the complaints, at scale; seconds by part."""
    from carelib.practices import voice_of_customer as voc
    from carelib.text import at_scale

    seconds: dict[str, float] = {}
    real_run = at_scale.run

    def timed_run(*a, **k):
        done = real_run(*a, **k)
        seconds.update(done.seconds)
        seconds["batches"] = done.batches
        return done

    at_scale.run = timed_run
    t0 = time.perf_counter()
    review = voc.open_review(folder, source="complaints")
    seconds["open_review"] = time.perf_counter() - t0
    rows = {k: int(v) for k, v in review.accounting["rows"].items()}
    texts = review.texts
    book, how = review.book_state
    return {"seconds": seconds, "accounting": rows, "texts": len(texts), "themed": int(texts["theme"].notna().sum()),
            "unthemed": int(texts["theme"].isna().sum()), "book": how, "sample": book.meta.get("sample", {}),
            "themes": len(book.active)}


def _tree_memory(root: int) -> tuple[float, float]:
    """RSS and PSS (MB) of ``root`` and its descendants, summed (``/proc``; 0 for a process gone meanwhile)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    rss = pss = 0.0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return rss, pss


def measure_tree(cmd: list[str]) -> dict:
    """Wall, CPU seconds and peak RSS (``os.wait4``) of ``cmd``, its process tree's peak RSS and PSS, load average."""
    t0 = time.perf_counter()
    load = [os.getloadavg()[0]]
    tree_rss = tree_pss = 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True)
        last = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss, pss = _tree_memory(proc.pid)
            tree_rss, tree_pss = max(tree_rss, rss), max(tree_pss, pss)
            if time.perf_counter() - last > 10:
                load.append(os.getloadavg()[0])
                last = time.perf_counter()
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        load.append(os.getloadavg()[0])
        out.seek(0)
        err.seek(0)
        text = out.read()
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{text[-2000:]}\n{err.read()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "tree_rss_mb": tree_rss, "tree_pss_mb": tree_pss, "load_min": min(load), "load_max": max(load),
            "load_mean": statistics.mean(load), "out": text}


def bench_at_scale(args) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from voc_at_scale_gen import complaints_workspace

    folder = Path(args.dir or Path(tempfile.gettempdir()) / "carekit-bench") / f"voc-complaints-{args.complaints_scale:g}"
    if not ((folder / "customers.parquet").exists() and (folder / "complaints").is_dir()):
        t0 = time.perf_counter()
        rows = complaints_workspace(folder, args.complaints_scale)
        print(f"generated {folder}: {rows} in {time.perf_counter() - t0:.0f} s", flush=True)
    runs = []
    for i in range(args.repeat):
        shutil.rmtree(folder / "themes", ignore_errors=True)  # every run fits the book, as a first run does
        r = measure_tree([sys.executable, __file__, "--one-at-scale", str(folder)])
        r.update(json.loads(r.pop("out").strip().splitlines()[-1]))
        runs.append(r)
        s = r["seconds"]
        print(f"at_scale run {i + 1}: wall {r['wall']:.1f} s  cpu {r['cpu']:.1f} s  peak {r['peak_mb']:.0f} MB  "
              f"tree RSS {r['tree_rss_mb']:.0f} MB  PSS {r['tree_pss_mb']:.0f} MB  load {r['load_min']:.1f}–"
              f"{r['load_max']:.1f}  book {s['book']:.1f} s  texts {s['texts']:.1f} s  "
              f"{r['themed']:,}/{r['texts']:,} themed", flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "peak_mb", "tree_rss_mb", "tree_pss_mb")}
    part = {k: statistics.median(r["seconds"][k] for r in runs) for k in ("book", "texts", "total", "open_review")}
    first = runs[0]
    acc = first["accounting"]
    same = all(r["accounting"] == acc and r["themed"] == first["themed"] for r in runs)
    n = first["texts"]

    def each(key: str, fmt: str = ",.0f") -> str:
        return ", ".join(format(r[key], fmt) for r in runs)

    contract = acc.get("set aside: break the table's contract", 0)
    whole = first["themed"] + first["unthemed"] == n and first["unthemed"] == 0
    lines = [
        "| measure | median | each run |",
        "|---|---:|---|",
        f"| wall of the process (s) | **{med['wall']:.0f}** | {each('wall')} |",
        f"| CPU seconds (process and workers) | {med['cpu']:.0f} | {each('cpu')} |",
        f"| peak RSS of the process, `ru_maxrss` (MB) | **{med['peak_mb']:,.0f}** | {each('peak_mb')} |",
        f"| peak of the process tree's RSS summed (MB; pages shared with the workers counted in each) | "
        f"{med['tree_rss_mb']:,.0f} | {each('tree_rss_mb')} |",
        f"| peak of the process tree's PSS summed (MB) | {med['tree_pss_mb']:,.0f} | {each('tree_pss_mb')} |",
        f"| load average (1 min) during the runs, mean | {statistics.median(r['load_mean'] for r in runs):.1f} | "
        + ", ".join(f"{r['load_min']:.1f}–{r['load_max']:.1f}" for r in runs) + " |",
        "",
        "Where the time goes (median, seconds):",
        "",
        "| part | seconds |",
        "|---|---:|",
        f"| interpreter, imports, opening the workspace | {med['wall'] - part['open_review']:.1f} |",
        f"| the workspace's redactor (every customer's name and id) and loading the results into the review | "
        f"{part['open_review'] - part['total']:.1f} |",
        f"| book: sample query, redaction and fit on {first['sample'].get('texts', 0):,} texts, saved | {part['book']:.1f} |",
        f"| {n:,} texts: read, redact, score, assign, write ({first['seconds']['batches']:.0f} batches, 2 workers) | "
        f"{part['texts']:.1f} |",
        "",
        f"Accounting ({'the same in every run' if same else 'NOT the same in every run'}): "
        f"{acc['rows in the table']:,} rows in = {contract:,} set aside (contract) + "
        f"{acc.get('set aside: no text', 0):,} without text + {acc.get('texts read', n):,} texts read; "
        f"{first['themed']:,} with a theme + {first['unthemed']:,} without content = {n:,}. "
        f"Targets: wall ≤ 480 s {'met' if med['wall'] <= 480 else 'not met'}; peak RSS ≤ 2,048 MB "
        f"{'met' if med['peak_mb'] <= 2048 else 'not met'} (the tree's PSS summed: "
        f"{'met' if med['tree_pss_mb'] <= 2048 else 'not met'}); every text assigned: {'met' if whole else 'not met'}.",
    ]
    return lines


def bench_redactor(args) -> list[str]:
    rows = {}
    for which, n in (("new", args.messages), ("baseline", args.baseline_messages)):
        runs = []
        for _ in range(args.repeat):
            r = measure([sys.executable, __file__, "--one", which, str(n), args.baseline])
            r.update(json.loads(r.pop("out")))
            runs.append(r)
            print(f"redactor {which:<8} {n:>8,} texts  in-process {r['seconds']:7.1f} s  wall {r['wall']:7.1f} s  "
                  f"peak {r['peak_mb']:5.0f} MB", flush=True)
        rows[which] = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "build", "wall", "peak_mb")}
        rows[which].update(texts=n, roster=runs[0]["roster"], redacted=runs[0]["redacted"])
    new, old = rows["new"], rows["baseline"]
    per_old = (old["seconds"] - old["build"]) / old["texts"]
    per_new = (new["seconds"] - new["build"]) / new["texts"]
    old_at_n = old["build"] + per_old * args.messages
    return [
        "| redactor | texts redacted | build (s) | redaction, µs per text | time for "
        f"{args.messages:,} texts (s) | wall of the process (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| baseline `{args.baseline}` (one regex per name form) | {old['texts']:,} | {old['build']:.2f} | "
        f"{per_old * 1e6:,.0f} | {old_at_n:,.0f} (extrapolated) | {old['wall']:.1f} | {old['peak_mb']:.0f} |",
        f"| new (one automaton) | {new['texts']:,} | {new['build']:.2f} | {per_new * 1e6:,.0f} | "
        f"{new['seconds']:,.1f} (measured) | {new['wall']:.1f} | {new['peak_mb']:.0f} |",
        "",
        f"Roster: the {new['roster']:,} distinct names of `data/demo/customers.csv` (1,616 name forms with first and last "
        f"names alone). Texts: the demo's customer messages, repeated. Speed-up on redaction alone: "
        f"{per_old / per_new:,.0f}×.",
    ]


def bench_notebook(args) -> list[str]:
    folder = Path(args.dir or Path(tempfile.gettempdir()) / "carekit-bench")
    t0 = time.perf_counter()
    ws = make_workspace(folder, args.messages)
    print(f"workspace {ws} ready in {time.perf_counter() - t0:.1f} s", flush=True)
    lines = ["| notebook | customer messages | wall time, median (s) | peak RSS, median (MB) | runs | target ≤ 300 s |",
             "|---|---:|---:|---:|---:|---|"]
    breakdowns = {}
    for variant in ("as it is", "baseline: sklearn joins every pair of graph pieces"):
        env = dict(os.environ)
        patch = Path(tempfile.mkdtemp(prefix="carekit-patch-"))
        if variant != "as it is":
            (patch / "sitecustomize.py").write_text(PAIRWISE_TREE, encoding="utf-8")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(patch), env.get("PYTHONPATH")]))
        runs, cells = [], []
        for i in range(args.repeat):
            out = Path(tempfile.mkdtemp(prefix="carekit-voc-"))
            cmd = [str(CLI), "run", str(NOTEBOOK), "--data", str(ws), "--out", str(out),
                   "-p", "source=messages", "-p", "period=latest", "-p", "window=4"]
            r = measure(cmd, env=env, timeout=args.timeout)
            runs.append(r)
            if r["wall"] is None:
                print(f"notebook {variant}, run {i + 1}: stopped after {args.timeout:.0f} s", flush=True)
                shutil.rmtree(out)
                break  # the next runs would not finish either
            cells.append(cell_times(next(out.rglob("*.ipynb"))))
            print(f"notebook {variant}, run {i + 1}: wall {r['wall']:.1f} s  peak {r['peak_mb']:.0f} MB", flush=True)
            shutil.rmtree(out)
        shutil.rmtree(patch)
        done = [r for r in runs if r["wall"] is not None]
        if not done:
            lines.append(f"| {variant} | {args.messages:,} | not finished in {args.timeout:.0f} | | {len(runs)} | not met |")
            continue
        wall = statistics.median(r["wall"] for r in done)
        peak = statistics.median(r["peak_mb"] for r in done)
        lines.append(f"| {variant} | {args.messages:,} | {wall:.0f} | {peak:.0f} | {len(done)} | "
                     f"{'met' if wall <= 300 else 'not met'} |")
        breakdowns[variant] = (wall, cells)
    for variant, (wall, cells) in breakdowns.items():
        parts: dict[str, list[float]] = {}
        for run in cells:
            seen: dict[str, float] = {}
            for label, sec in run:
                seen[label] = seen.get(label, 0.0) + sec
            for label, sec in seen.items():
                parts.setdefault(label, []).append(sec)
        lines += ["", f"Where the time goes, {variant} (cells of the executed notebook, median):", "",
                  "| part | seconds |", "|---|---:|"]
        lines += [f"| {label} | {statistics.median(secs):.1f} |" for label, secs in parts.items()]
        rest = wall - sum(statistics.median(s) for s in parts.values())
        lines.append(f"| interpreter, kernel start, papermill and the HTML report (the rest) | {rest:.1f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--baseline-messages", type=int, default=10_000)
    ap.add_argument("--baseline", default=BASELINE, help="commit of the baseline redactor")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parts", default="redactor,notebook")
    ap.add_argument("--timeout", type=float, default=900, help="seconds after which a notebook run is stopped")
    ap.add_argument("--dir", default=None, help="where the generated workspace goes (kept for reuse)")
    ap.add_argument("--write-docs", action="store_true", help="update the voc_scale section of docs/benchmarks.md")
    ap.add_argument("--complaints-scale", type=float, default=100.0, help="scale of the at_scale workspace")
    ap.add_argument("--one", nargs=3, metavar=("WHICH", "N", "COMMIT"), help=argparse.SUPPRESS)
    ap.add_argument("--one-at-scale", metavar="FOLDER", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_redactor(args.one[0], int(args.one[1]), args.one[2])))
        return
    if args.one_at_scale:
        print(json.dumps(run_at_scale(args.one_at_scale)))
        return
    parts = args.parts.split(",")
    tables = {}
    if "redactor" in parts:
        tables["redactor"] = "\n".join(bench_redactor(args))
    if "notebook" in parts:
        tables["notebook"] = "\n".join(bench_notebook(args))
    if "at_scale" in parts:
        tables["at_scale"] = "\n".join(bench_at_scale(args))
    for t in tables.values():
        print(t, "\n")
    if args.write_docs:
        write_docs(tables, args)


def write_docs(tables: dict[str, str], args) -> None:
    import platform

    from _docs import write_section

    body = ("## Voice of the customer at scale: redaction and the notebook (`benchmarks/voc_scale.py`)\n\n"
            f"{args.messages:,} customer messages; a fresh process per run, median of {args.repeat}; peak RSS is the "
            f"maximum resident set of the process and the kernel it waited for. Python {platform.python_version()}, "
            "2 cores shared with other work, 24 GiB. Targets (issue 14): redaction of 200,000 messages with the demo "
            "roster well under a minute; the whole notebook ≤ 5 minutes. Reproduce: `python benchmarks/voc_scale.py "
            "--write-docs`.\n\n")
    if "redactor" in tables:
        body += "### The roster redactor\n\n" + tables["redactor"] + "\n\n"
    if "notebook" in tables:
        body += ("### `notebooks/voice_of_customer.ipynb`, `source=messages`\n\n" + tables["notebook"] + "\n\n")
    if "redactor" in tables or "notebook" in tables:
        write_section("voc_scale", body, keep_reading=True)
    if "at_scale" in tables:
        body = ("## Voice of the customer on 1 M complaints (`carelib/text/at_scale.py`, issue 18)\n\n"
                f"The complaints of the {args.complaints_scale:g}-unit Hearthly workspace "
                "(`benchmarks/voc_at_scale_gen.py` writes only its customers and complaints, byte for byte the files "
                "`carelib.demo.scale` writes), DuckDB, 2 workers, batches of 50,000, through the practice: "
                "`voice_of_customer.open_review(FOLDER, source=\"complaints\")` (the workspace's redactor, "
                "`at_scale.run`, the per-text results loaded into the review). No theme book at the start of a run "
                f"(fitted on the 20,000-text sample and saved). A fresh process per run, median of {args.repeat}; "
                f"Python {platform.python_version()}, 2 cores shared with other work (the load average says how much), "
                "24 GiB. Reproduce: `python benchmarks/voc_scale.py --parts at_scale --write-docs`.\n\n"
                + tables["at_scale"] + "\n\n")
        write_section("voc_at_scale", body, keep_reading=True)


if __name__ == "__main__":
    main()
