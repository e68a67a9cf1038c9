"""The tutorial's path, from an empty folder outside the repository: scaffold a plugin,
install it next to wheels of the core and national plugin built from this checkout, check
it, and run its tests on the kit with rule coverage."""

from __future__ import annotations

import os
import subprocess
import sys
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "gradient-rules"


def _run(*args: str | Path, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=900, check=False, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    built = _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", folder,
                 ROOT, ROOT / "plugins" / "national")
    assert built.returncode == 0, built.stderr[-3000:]
    return folder


def test_new_plugin_installs_checks_and_tests_clean_from_an_empty_folder(
        tmp_path: Path, wheels: Path) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    made = _run(SCRIPT, "new-plugin", "zhejiang", "--name-zh", "浙江省", "--name-en",
                "Zhejiang", cwd=work)
    assert made.returncode == 0, made.stderr
    plugin = work / "gradient-rules-zhejiang"
    assert (plugin / "pyproject.toml").is_file() and (plugin / "decisions.md").is_file()
    again = _run(SCRIPT, "new-plugin", "zhejiang", cwd=work)
    assert again.returncode == 2 and "not an empty folder" in again.stderr

    target = tmp_path / "site"
    wheel_files = sorted(str(w) for w in wheels.glob("*.whl"))
    installed = _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                     "--target", target, *wheel_files, plugin)
    assert installed.returncode == 0, installed.stderr[-3000:]
    meta = next(target.glob("gradient_rules_zhejiang-*.dist-info")) / "METADATA"
    requires = Parser().parsestr(meta.read_text(encoding="utf-8")).get_all("Requires-Dist")
    assert any(r.startswith("gradient-rules<") or r.startswith("gradient-rules>=")
               for r in requires or []), requires
    assert "gradient-rules-national" in (requires or [])

    env = {**os.environ, "PYTHONPATH": str(target), "GRADIENT_RULES_LANG": "en"}
    where = _run(sys.executable, "-c", "import gradient_rules.testing, gradient_rules_national;"
                 "print(gradient_rules.testing.__file__, gradient_rules_national.__file__)",
                 env=env)
    assert where.stdout.split() and all(p.startswith(str(target)) for p in where.stdout.split())

    checked = _run(SCRIPT, "check", "zhejiang", env=env, cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "zhejiang: 0 error(s), 0 warning(s)" in checked.stdout

    tested = _run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                  "--gr-coverage=zhejiang", plugin, env=env, cwd=plugin)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-2000:]
    assert "of 14 rules seen met and not met (100%)" in tested.stdout
