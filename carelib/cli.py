"""The ``carelib`` command: argument parsing only; each command calls one library function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from carelib.errors import CarelibError, ParameterError

__all__ = ["main"]


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
    from carelib.runner import coerce_parameters, run_notebook

    typed = coerce_parameters(args.notebook, _params_file(args.params_file))
    typed.update(coerce_parameters(args.notebook, _key_values(args.param), strings=True))
    result = run_notebook(args.notebook, typed, args.out, data=args.data)
    print(f"executed notebook: {result.executed}")
    print(f"report: {result.report}  ({result.seconds:.1f} s)")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from carelib.tables import Workspace

    ws = Workspace(args.folder)
    problems = ws.validate()
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s) in {args.folder}", file=sys.stderr)
        return 1
    print(f"{args.folder}: {len(ws.available())} table(s) valid: {', '.join(ws.available())}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from carelib.runner import parameters_table

    table = parameters_table(args.notebook)
    for row in table.itertuples(index=False):
        print(f"{row.name}: {row.type} = {row.default!r}" + (f"  # {row.help}" if row.help else ""))
    return 0


def _cmd_playbook_run(args: argparse.Namespace) -> int:
    from carelib.playbook import run_playbook

    run = run_playbook(
        args.name, _key_values(args.param), data=args.data, runs_dir=args.runs, force=args.force,
        workers=args.workers, strings=True,
    )
    print(f"run {run.run_id}: {run.status} in {run.seconds:.1f} s")
    if args.pdf:
        from carelib.browser import to_pdf

        print(f"pdf: {to_pdf(run.report, Path(run.report).with_suffix('.pdf'))}")
    print(f"report: {run.report}")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from carelib.playbook import list_runs

    table = list_runs(args.runs, args.playbook)
    if table.empty:
        print(f"no runs in {args.runs}/")
        return 0
    for row in table.head(args.last).itertuples(index=False):
        print(f"{row.playbook:22} {row.run_id:34} {row.status:7} {row.seconds:7.1f} s  {row.headline or ''}")
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from carelib.runner import refresh_notebook

    for nb in args.notebooks:
        print(f"refreshed {refresh_notebook(nb)}")
    return 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from carelib.datasets import make_demo

    out = make_demo(args.out, seed=args.seed, scale=args.scale)
    print(f"demo workspace written to {out}")
    return 0


def _cmd_datadict(args: argparse.Namespace) -> int:
    from carelib.datadict import data_dictionary

    print(data_dictionary(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carelib", description="carekit: care for customers one by one, at scale.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a notebook with parameters and render its HTML report")
    run.add_argument("notebook", help="the .ipynb to run")
    run.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter (repeatable)")
    run.add_argument("--params-file", help="YAML file of parameters (-p values win)")
    run.add_argument("--data", help="workspace folder (fills the notebook's data_dir)")
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check every table of a workspace folder against its contract")
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

    runs = sub.add_parser("runs", help="list past playbook runs with status, duration and headline values")
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
    demo.add_argument("--scale", type=float, default=1.0)
    demo.set_defaults(func=_cmd_demo_data)

    dd = sub.add_parser("datadict", help="print the workspace data dictionary (Markdown)")
    dd.set_defaults(func=_cmd_datadict)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CarelibError as exc:
        print(f"carelib {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"carelib {args.command}: interrupted; nothing was overwritten", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
