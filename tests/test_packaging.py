"""The project's set-up files agree with each other and with what the README promises."""

from __future__ import annotations

import re
import tomllib

import yaml


def test_environment_yml_installs_this_project_from_pyproject(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    minimum = re.search(r">=\s*(\d+\.\d+)", project["requires-python"]).group(1)
    assert python == f"python={minimum}"
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert len(pip) == 1 and pip[0].startswith('-e ".['), "environment.yml must install the project itself"
    extras = pip[0].split("[", 1)[1].split("]", 1)[0].split(",")
    assert set(extras) <= set(project["optional-dependencies"])
    # one source of truth: no package is pinned in environment.yml besides python and pip
    assert [d for d in deps if isinstance(d, str)] == [python, "pip"]


def test_runtime_dependencies_have_lower_bounds(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert ">=" in dep, f"{dep} needs a lower bound"
    assert project["license"] == "Apache-2.0"
    assert project["scripts"]["carelib"] == "carelib.cli:main"


def test_readme_commands_and_ci(root):
    readme = (root / "README.md").read_text()
    makefile = (root / "Makefile").read_text()
    for target in ("demo", "test", "lab", "notebooks"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"
    ci = (root / ".ci" / "run").read_text()
    assert "make test" in ci


def test_py_typed_is_shipped(root):
    assert (root / "carelib" / "py.typed").exists()
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "py.typed" in setuptools["package-data"]["*"]
    assert setuptools["packages"]["find"]["include"] == ["carelib*"]
