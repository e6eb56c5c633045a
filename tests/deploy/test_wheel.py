"""The built wheel, installed outside the checkout, serves everything: pages (templates and
catalogues), guides (the guide files), static files and the front-end assets (dkfds, the
Arabic-script font, Chart.js) from the package itself; a missing asset is a 404.

The wheel is built from a copy of the package (so nothing the checkout has besides its files
leaks in) and installed into a fresh virtualenv in a temporary directory. Its dependencies are
not downloaded again: the project's own environment's site-packages is appended to the new
one's path (a plain path entry, so its editable install of helpdesk is not activated); the test
checks that helpdesk itself is imported from the new virtualenv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from bench.server import free_port, running
from tests.conftest import REPO

ASSETS = REPO / "helpdesk" / "assets"
STYLESHEET = "/assets/dkfds/css/dkfds-borgerdk.min.css"


def build_wheel(out: Path) -> Path:
    source = out / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "helpdesk", source / "helpdesk", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--quiet", "--wheel-dir", str(out / "dist"), str(source)),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = (out / "dist").glob("helpdesk-*.whl")
    return wheel


def test_installed_wheel_serves_kiosk_guides_and_assets(tmp_path: Path) -> None:
    if not (ASSETS / "dkfds" / "css" / "dkfds-borgerdk.min.css").is_file():
        pytest.fail("helpdesk/assets is not built: run scripts/bootstrap (npm ci, build-assets)")
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for packaged in (
        "helpdesk/assets/dkfds/css/dkfds-borgerdk.min.css",
        "helpdesk/assets/chartjs/chart.umd.min.js",
        "helpdesk/assets/fonts/arabic/400.css",
        "helpdesk/templates/kiosk/base.html",
        "helpdesk/locales/da/LC_MESSAGES/messages.po",
        "helpdesk/kb/guides/mitid-locked/da.toml",
    ):
        assert packaged in names, packaged
    assert not any("node_modules" in name for name in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install"),
            *("--quiet", "--no-deps", "--no-index", str(wheel)),
        ],
        check=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "helpdesk_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    where = subprocess.run(
        [str(python), "-c", "import helpdesk; print(helpdesk.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where

    port = free_port()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "HOME": str(run_dir),
        "HELPDESK_DATABASE_URL": f"sqlite:///{run_dir / 'wheel.db'}",
        "HELPDESK_LOG_LEVEL": "WARNING",
        **({"LANG": os.environ["LANG"]} if "LANG" in os.environ else {}),
    }
    command = [str(env_dir / "bin" / "helpdesk"), "serve", "--port", str(port)]
    with running(command, port, env, cwd=run_dir) as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            kiosk = client.get("/kiosk?lang=da")
            assert kiosk.status_code == 200
            assert STYLESHEET in kiosk.text
            assert '<html lang="da"' in kiosk.text
            stylesheet = client.get(STYLESHEET)
            assert stylesheet.status_code == 200
            assert stylesheet.headers["content-type"].startswith("text/css")
            assert len(stylesheet.content) > 100_000
            # The stylesheet's fonts and images, the Arabic font and Chart.js.
            for path in (
                "/assets/dkfds/fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2",
                "/assets/dkfds/img/logo-borgerdk.svg",
                "/assets/fonts/arabic/400.css",
                "/assets/fonts/arabic/files/ibm-plex-sans-arabic-arabic-400-normal.woff2",
                "/assets/chartjs/chart.umd.min.js",
            ):
                assert client.get(path).status_code == 200, path
            assert client.get("/assets/dkfds/css/missing.css").status_code == 404
            guide = client.get("/guides/mitid-locked?lang=da")
            assert guide.status_code == 200
            assert "MitID" in guide.text
            assert client.get("/static/helpdesk.css").status_code == 200
        output = server.output()
    assert "Traceback" not in output, output[-3000:]
