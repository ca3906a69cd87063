"""The ``carelib`` command: argument parsing only; each command calls one library function.

No path prints a traceback: :func:`main` turns every error into one line on stderr,
``carelib COMMAND: what went wrong``, and an exit code (``--debug`` or ``CARELIB_DEBUG=1``
shows the traceback):

====  =====================================================================================
code  meaning
====  =====================================================================================
0     done
1     ``carelib validate`` found problems in the data (listed on stdout)
2     usage, parameter or data error: a value outside what a parameter allows, a missing or
      unreadable file or folder, YAML that does not parse (nothing was run)
3     a run failed: a notebook cell raised, the kernel died or could not start, the disk
      filled up or another error while writing (the last good report is left as it was)
70    internal error: a bug in carelib; the line says to rerun with ``--debug``
130   interrupted by Ctrl-C (SIGINT); a playbook run is recorded as ``interrupted``
143   stopped by SIGTERM, handled as Ctrl-C
====  =====================================================================================
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import numbers
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

import yaml

from carelib.errors import CarelibError, DataError, ParameterError, RunError
from carelib.run import kernels

__all__ = ["main", "build_parser", "EXIT_CODES"]

EXIT_CODES = {"ok": 0, "invalid": 1, "usage": 2, "failed": 3, "internal": 70, "interrupted": 130, "terminated": 143}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that runs stop and are recorded the same way."""


def _key_values(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"-p expects key=value, got {item!r}")
        out[key.strip()] = value
    return out


def _params_file(path: str | None) -> dict:
    if not path:
        return {}
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"--params-file {path!r} cannot be read as YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ParameterError(f"--params-file {path!r} must hold a mapping of name: value")
    return loaded


def _cmd_run(args: argparse.Namespace) -> int:
    from carelib.run.notebook import coerce_parameters, run_notebook

    if not Path(args.notebook).is_file():
        raise ParameterError(f"notebook {args.notebook!r} not found")
    given = {**_params_file(args.params_file), **_key_values(args.param)}  # -p values win
    typed = coerce_parameters(args.notebook, given, strings=True, data=args.data)
    result = run_notebook(args.notebook, typed, args.out, data=args.data)
    print(f"executed notebook: {result.executed}")
    print(f"report: {result.report}  ({result.seconds:.1f} s)")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from carelib.run.validate import validate_workspace

    report = validate_workspace(args.folder)
    for line in report.problems:
        print(line)
    if not report.ok:
        print(report.summary(), file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from carelib.run.notebook import parameters_table

    table = parameters_table(args.notebook)
    for row in table.itertuples(index=False):
        print(f"{row.name}: {row.type} = {row.default!r}" + (f"  # {row.help}" if row.help else ""))
    return 0


def _cmd_playbook_run(args: argparse.Namespace) -> int:
    from carelib.run.playbook import run_playbook

    if args.workers < 1:
        raise ParameterError(f"--workers expects 1 or more, got {args.workers}")
    run = run_playbook(
        args.name, _key_values(args.param), data=args.data, runs_dir=args.runs, force=args.force,
        workers=args.workers, strings=True,
    )
    print(f"run {run.run_id}: {run.status} in {run.seconds:.1f} s", flush=True)
    if args.pdf:
        from carelib.report.browser import to_pdf

        pdf = to_pdf(run.report, Path(run.report).with_suffix(".pdf"), footer=f"{run.playbook} · run {run.run_id}")
        print(f"pdf: {pdf}", flush=True)
    print(f"report: {run.report}", flush=True)
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from carelib.run.playbook import list_runs

    table = list_runs(args.runs, args.playbook)
    if table.empty:
        print(f"no runs in {args.runs}/")
    for row in table.head(args.last).itertuples(index=False):
        seconds = f"{float(row.seconds):7.1f} s" if isinstance(row.seconds, numbers.Real) and row.seconds == row.seconds else " " * 9
        headline = row.headline if isinstance(row.headline, str) else ""  # older lines may have none
        print(f"{row.playbook!s:22} {row.run_id!s:34} {row.status!s:11} {seconds}  {headline}")
    if Path(args.runs).is_dir():  # the page of every playbook's runs (a folder that is not there stays so)
        from carelib.run.history import HISTORY_FILE, write_history

        try:
            page = write_history(args.runs)
        except OSError as exc:
            what = exc.strerror or str(exc)
            raise RunError(f"cannot write the run history {Path(args.runs) / HISTORY_FILE}: {what}") from exc
        print(f"history: {page}")
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from carelib.run.notebook import refresh_notebook

    for nb in args.notebooks:
        print(f"refreshed {refresh_notebook(nb)}")
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    if args.partitioned:
        from carelib.demo.scale import make_scale_workspace

        result = make_scale_workspace(args.out, scale=args.scale, seed=args.seed,
                                      progress=(lambda line: print(line, flush=True)) if args.progress else None)
        print("\n".join(result.lines()))
        print(f"week-partitioned workspace written to {result.path}")
        return 0
    if args.scale > 5:
        raise ParameterError(f"--scale {args.scale:g}: the demo goes up to 5; a bigger workspace is written as "
                             "week-partitioned Parquet: add --partitioned (--scale then counts units of 1 M survey "
                             "answers, 100 k tickets: see docs/at-scale.md)")
    from carelib.demo.workspace import make_demo

    out = make_demo(args.out, seed=args.seed, scale=args.scale)
    print(f"demo workspace written to {out}")
    from carelib.demo.truths import END
    from carelib.practices.voice_of_customer import write_book

    print(write_book(str(out), "complaints", today=END))  # the demo's fixed today: same seed, same bytes
    return 0


def _cmd_themes(args: argparse.Namespace) -> int:
    from carelib.practices import voice_of_customer as voc

    if args.action == "show":
        print(voc.show_book(args.data, args.source))
    else:
        print(voc.refit_book(args.data, args.source, apply=args.apply, seed=args.seed))
    return 0


def _cmd_append(args: argparse.Namespace) -> int:
    from carelib.data.week_append import append_files

    for report in append_files(args.workspace, args.sources, table=args.table, replace=args.replace):
        print("\n".join(report.lines()))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from carelib.data.importer import REPORT_FILE, import_export
    from carelib.data.mapping_infer import infer_mapping

    if args.infer:
        draft = infer_mapping(args.kind, args.source, sheet=args.sheet)
        if not args.map:
            print(draft, end="")
            return 0
        if Path(args.map).exists():
            raise ParameterError(f"--map {args.map!r} exists: --infer does not overwrite a mapping; give a new name")
        Path(args.map).write_text(draft, encoding="utf-8")
        print(f"draft mapping written to {args.map}: check every '# check:' line, then run without --infer")
        return 0
    if not args.out:
        raise ParameterError("--out WORKSPACE is required (the folder the tables are written to)")
    report = import_export(args.kind, args.source, args.out, args.map, sheet=args.sheet)
    for line in report.lines():
        print(line)
    print(f"workspace: {args.out} (row accounting in {Path(args.out) / REPORT_FILE})")
    return 0


def _cmd_qda_export(args: argparse.Namespace) -> int:
    from carelib.qual.qda_workspace import export_workspace, project_summary

    path, project = export_workspace(args.data, args.out, codings=args.codings, project=args.project,
                                     auto=not args.no_auto)
    print("\n".join(project_summary(project)[:-1]))  # an export maps everything: no "not imported" line
    print(f"wrote {path}")
    return 0


def _cmd_qda_import(args: argparse.Namespace) -> int:
    from carelib.qual.qda_workspace import import_project

    out = args.out or (str(Path(args.data) / "qda-import") if args.data else None)
    if not out:
        raise ParameterError("give --out FOLDER (or --data WORKSPACE to write to WORKSPACE/qda-import)")
    print("\n".join(import_project(args.project, out, data_dir=args.data).lines()))
    return 0


def _cmd_datadict(args: argparse.Namespace) -> int:
    from carelib.data.datadict import data_dictionary

    print(data_dictionary(), end="")
    return 0


class _Parser(argparse.ArgumentParser):
    """Every command and sub-command accepts ``--debug`` (show the traceback of an error)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                          help="show the traceback when an error stops the command")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="carelib", description="carekit: care for customers one by one, at scale.",
        epilog="exit codes: 0 done, 1 validation problems, 2 usage/parameter/data error, 3 run failed, "
               "70 internal error, 130 interrupted, 143 terminated",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a notebook with parameters and render its HTML report")
    run.add_argument("notebook", help="the .ipynb to run")
    run.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter (repeatable)")
    run.add_argument("--params-file", help="YAML file of parameters (-p values win)")
    run.add_argument("--data", help="workspace folder (fills the notebook's data_dir)")
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check a workspace folder: every table against its contract, "
                                          "codebook.yml and the transcripts in interviews/")
    val.add_argument("folder")
    val.set_defaults(func=_cmd_validate)

    par = sub.add_parser("params", help="list a notebook's parameters with types, defaults and comments")
    par.add_argument("notebook")
    par.set_defaults(func=_cmd_params)

    pb = sub.add_parser("playbook", help="run a playbook (a practice) and render its report")
    pb_sub = pb.add_subparsers(dest="action", required=True)
    pbr = pb_sub.add_parser("run", help="run the playbook's notebooks and render one report")
    pbr.add_argument("name", help="playbook name in playbooks/ or a path to its YAML")
    pbr.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE")
    pbr.add_argument("--data", help="workspace folder")
    pbr.add_argument("--runs", default="runs", help="runs folder (default: runs)")
    pbr.add_argument("--force", action="store_true", help="run every step, ignoring the cache")
    pbr.add_argument("--workers", type=int, default=2, help="steps run at once when independent (default 2)")
    pbr.add_argument("--pdf", action="store_true", help="also print the report to PDF with headless Chromium")
    pbr.set_defaults(func=_cmd_playbook_run)

    runs = sub.add_parser("runs", help="list past playbook runs with status, duration and headline values and "
                                      "write the run history page RUNS/index.html")
    runs.add_argument("--playbook")
    runs.add_argument("--runs", default="runs")
    runs.add_argument("--last", type=int, default=20)
    runs.set_defaults(func=_cmd_runs)

    ref = sub.add_parser("refresh", help="re-execute notebooks in place (stored outputs for nbval)")
    ref.add_argument("notebooks", nargs="+")
    ref.set_defaults(func=_cmd_refresh)

    demo = sub.add_parser("demo-data", help="(re)generate the demo workspace")
    demo.add_argument("out", nargs="?", default="data/demo")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--scale", type=float, default=1.0,
                      help="size: the demo's multiplier (up to 5); with --partitioned, scale units (100 = 100 M answers)")
    demo.add_argument("--partitioned", action="store_true",
                      help="write Hearthly at scale as week-partitioned Parquet (TABLE/week=YYYY-Www/part-0.parquet)")
    demo.add_argument("--progress", action="store_true", help="with --partitioned: print a line per week written")
    demo.set_defaults(func=_cmd_demo_data)

    app = sub.add_parser("append", help="add new rows to week-partitioned tables as new weeks: checked against the "
                                        "contract, an existing week refused unless --replace, written atomically")
    app.add_argument("workspace", help="the workspace folder")
    app.add_argument("sources", nargs="+", help="table files (the name says the table: responses.csv) or folders "
                                                "of them (the --out of `carelib import`)")
    app.add_argument("--table", help="the table of every source file (default: each file's name)")
    app.add_argument("--replace", action="store_true", help="replace weeks that exist already")
    app.set_defaults(func=_cmd_append)

    th = sub.add_parser("themes", help="the workspace's theme book: show it, or refit it (a diff; --apply writes it)")
    th_sub = th.add_subparsers(dest="action", required=True)
    for action, what in (("show", "list the book's themes: id, name, key phrases, history"),
                         ("refit", "propose a new model on the current texts, matched to the old ids, and show the diff")):
        one = th_sub.add_parser(action, help=what)
        one.add_argument("--data", required=True, help="workspace folder")
        one.add_argument("--source", default="complaints", help="text source of the book (default: complaints)")
        if action == "refit":
            one.add_argument("--apply", action="store_true", help="write the new model and themes.yml")
            one.add_argument("--seed", type=int, default=None, help="seed of the new model (default: the book's)")
        one.set_defaults(func=_cmd_themes)

    dd = sub.add_parser("datadict", help="print the workspace data dictionary (Markdown)")
    dd.set_defaults(func=_cmd_datadict)

    imp = sub.add_parser("import", help="turn an export (survey tool, helpdesk, reviews, CSV, Excel) into workspace "
                                        "tables with a mapping.yml; --infer drafts the mapping")
    imp.add_argument("kind", help="export kind: csv, xlsx, json, jsonl, surveymonkey, qualtrics, zendesk, cfpb ...")
    imp.add_argument("source", help="the export file (or a folder when the mapping's `from:` names files in it)")
    imp.add_argument("--out", help="workspace folder to write the tables to")
    imp.add_argument("--map", help="mapping.yml (default: the built-in mapping of KIND); with --infer: where to write the draft")
    imp.add_argument("--infer", action="store_true", help="print (or write to --map) a draft mapping from the headers")
    imp.add_argument("--sheet", help="Excel sheet name (default: the first)")
    imp.set_defaults(func=_cmd_import)

    qda = sub.add_parser("qda", help="exchange interviews, codes, codings, cases and memos with NVivo, ATLAS.ti, "
                                     "MAXQDA, QualCoder (REFI-QDA .qdpx; docs/qda.md)")
    qda_sub = qda.add_subparsers(dest="action", required=True)
    qx = qda_sub.add_parser("export", help="write the workspace's interviews (redacted) as a .qdpx project")
    qx.add_argument("--data", required=True, help="workspace folder (interviews/, participants.csv, codebook.yml, "
                                                  "memos.csv)")
    qx.add_argument("-o", "--out", required=True, help="the .qdpx file to write")
    qx.add_argument("--codings", action="append", default=[], metavar="CSV", help="human codings CSV (repeatable)")
    qx.add_argument("--project", help="project name (default: the workspace folder's name)")
    qx.add_argument("--no-auto", action="store_true", help="leave out the automatic codings of the codebook")
    qx.set_defaults(func=_cmd_qda_export)
    qi = qda_sub.add_parser("import", help="read a .qdpx (any QDA tool) into codings.csv, codebook.yml, memos.csv, "
                                           "cases.csv, timecodes.csv and print what it held and could not map")
    qi.add_argument("project", help="the .qdpx file")
    qi.add_argument("--data", help="workspace folder: spans of its transcripts are carried back to the files")
    qi.add_argument("--out", help="folder to write to (default: WORKSPACE/qda-import)")
    qi.set_defaults(func=_cmd_qda_import)
    return parser


def _one_line(text: str, limit: int = 400) -> str:
    r"""An error message as one line: its first line and the first detail under it (the file, row, column, value
    found), with a count of the lines left out.

    Examples
    --------
    >>> _one_line("responses: 2 value(s) break the contract\nex.csv row 3, column 'Score': found 'x'\nex.csv row 9 ...")
    "responses: 2 value(s) break the contract; first: ex.csv row 3, column 'Score': found 'x' (and 1 more line(s); rerun with --debug to see them)"
    """
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    if not lines:
        return "no message"
    cut = [ln if len(ln) <= limit else ln[:limit] + "…" for ln in lines[:2]]
    line = cut[0] + (f"; first: {cut[1]}" if len(cut) > 1 else "")
    return line + (f" (and {len(lines) - 2} more line(s); rerun with --debug to see them)" if len(lines) > 2 else "")


def _os_error(exc: OSError) -> tuple[str, int]:
    what = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    code = 2 if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError | NotADirectoryError) else 3
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what += " (free some space and run again; the last good report was not replaced)"
    return f"{where}{what}", code


def _execution_errors() -> tuple[type[BaseException], ...]:
    """nbclient/papermill/jupyter_client errors that escape a run (imported only if already loaded)."""
    found: list[type[BaseException]] = []
    for module, names in (("nbclient.exceptions", ("CellExecutionError", "DeadKernelError", "CellTimeoutError")),
                          ("papermill.exceptions", ("PapermillException",))):
        mod = sys.modules.get(module)
        found += [getattr(mod, n) for n in names if mod is not None and hasattr(mod, n)]
    return tuple(found)


def _classify(exc: BaseException) -> tuple[str, int]:
    """The one line and exit code for an error that reached :func:`main`."""
    if isinstance(exc, RunError):
        return _one_line(str(exc)), 3
    if isinstance(exc, DataError | ParameterError | CarelibError):
        return _one_line(str(exc)), 2
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, yaml.YAMLError):
        return f"YAML that does not parse: {_one_line(str(exc))}", 2
    if isinstance(exc, _execution_errors()):
        return f"the run failed: {type(exc).__name__}: {_one_line(str(exc))}", 3
    return (f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); "
            f"rerun with --debug for the traceback and report it"), 70


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def _debug_requested(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("CARELIB_DEBUG", "") not in ("", "0")


def main(argv: list[str] | None = None) -> int:
    """Run the ``carelib`` command; return its exit code (see the module docstring)."""
    as_program = argv is None  # the console script; tests and library callers pass a list
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = _debug_requested(argv)
    name = args.command + (f" {args.action}" if getattr(args, "action", None) else "")
    kernels.quiet_logs()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args))
    except KeyboardInterrupt as exc:
        if debug:
            traceback.print_exc()
        terminated = isinstance(exc, Terminated)
        detail = f": {exc.args[0]}" if exc.args else ""
        print(f"carelib {name}: {'stopped by SIGTERM' if terminated else 'interrupted'}{detail}", file=sys.stderr)
        code = EXIT_CODES["terminated" if terminated else "interrupted"]
        if as_program:
            # Everything is recorded (atomic, fsynced writes). Leave now: the interpreter's clean-up of the
            # killed kernels' connections (zmq contexts of abandoned worker threads) can take seconds.
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        return code
    except BrokenPipeError:  # `carelib runs | head`: the reader left; say nothing more
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the one place errors become a line and an exit code
        if debug:
            traceback.print_exc()
        line, code = _classify(exc)
        print(f"carelib {name}: {line}", file=sys.stderr)
        return code
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
