"""Smoke test of the built bundle, as a machine with no Python would run it (`make smoke`).

After `make installer`, with every command in a bare environment (like `env -i`: a fresh
HOME, PATH=/usr/bin:/bin, no venv, no PYTHONPATH, the working folder a temporary one):

1. unpack the Linux tarball (elsewhere the dist/ folder is used) and check it carries the
   .desktop entry, the icons and the install scripts;
2. `Haven --version` prints this version; `Haven doctor` exits 0 and reports SQLCipher;
3. `Haven --smoke-test` with QT_QPA_PLATFORM=offscreen opens the main window on a fresh
   temporary profile and quits once it has painted (exit 0);
4. the bundled command line makes a profile, completes a screening (the fictional example),
   records the sharing decision, exports a signed PDF and verifies it: the libraries only
   that path loads (reportlab, pyHanko, fontTools, HarfBuzz) are in the bundle too;
5. start-up time: the median of RUNS bundled smoke tests against the same from the source
   install (`.venv/bin/python -m ui --smoke-test`), the two taking turns; more than
   MAX_SLOWDOWN times slower fails.

Exit 0 when all hold; otherwise 1 with the first thing that did not.
"""

from __future__ import annotations

import argparse
import resource
import secrets
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
RUNS = 5
MAX_SLOWDOWN = 1.2
TIMEOUT = 180


class SmokeFailure(Exception):
    """One line saying what the bundle did not do."""


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from app import __version__

    return __version__


def bare_env(home: Path, *, display: bool = False) -> dict[str, str]:
    """What `env -i` leaves, plus a fresh HOME: nothing from the build machine's Python."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    if display:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run(
    argv: Sequence[str | Path], home: Path, *, display: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(a) for a in argv],
        env=bare_env(home, display=display),
        cwd=cwd or home,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def unpack(workdir: Path) -> Path:
    """The program folder as users get it: from the tarball on Linux, else dist/."""
    if not sys.platform.startswith("linux"):
        app = DIST / ("Haven.app/Contents/MacOS" if sys.platform == "darwin" else "Haven")
        return app
    tarballs = sorted(DIST.glob(f"Haven-{version()}-linux-*.tar.gz"))
    if not tarballs:
        raise SmokeFailure("no Linux tarball in dist/: run `make installer` first")
    with tarfile.open(tarballs[-1]) as tar:
        tar.extractall(workdir, filter="tar")
    top = workdir / f"Haven-{version()}"
    for name in ("haven.desktop", "haven.svg", "haven.png", "install.sh", "uninstall.sh"):
        if not (top / name).is_file():
            raise SmokeFailure(f"the tarball has no {name}")
    desktop = (top / "haven.desktop").read_text("utf-8")
    if "Exec=" not in desktop or "Icon=haven" not in desktop:
        raise SmokeFailure("haven.desktop has no Exec or Icon line")
    return top / "Haven"


def executable(folder: Path) -> Path:
    for name in ("Haven", "Haven.exe"):
        if (folder / name).is_file():
            return folder / name
    raise SmokeFailure(f"no Haven executable in {folder}")


def check_bundle(program: Path, homes: Path) -> None:
    shown = run([program, "--version"], homes / "version")
    if shown.returncode != 0 or shown.stdout.strip() != f"haven {version()}":
        raise SmokeFailure(f"--version: exit {shown.returncode}, {shown.stdout!r}{shown.stderr!r}")
    print(f"ok  --version: {shown.stdout.strip()}")
    doctor = run([program, "doctor"], homes / "doctor")
    expected = ("SQLCipher: 4.", "FTS5: ok", "Cryptography: ok", "PDF fonts: ok",
                "Qt platform plugins: ok")  # fmt: skip
    if doctor.returncode != 0 or not all(line in doctor.stdout for line in expected):
        raise SmokeFailure(f"doctor: exit {doctor.returncode}\n{doctor.stdout}{doctor.stderr}")
    for line in doctor.stdout.splitlines():
        print(f"ok  doctor: {line}")
    gui = run([program, "--smoke-test"], homes / "gui", display=True)
    if gui.returncode != 0 or "main window painted" not in gui.stdout:
        raise SmokeFailure(f"--smoke-test: exit {gui.returncode}\n{gui.stdout}{gui.stderr}")
    print(f"ok  {gui.stdout.strip()}")


PASSPHRASE = secrets.token_urlsafe(24)  # a throwaway profile in a temporary folder


def check_signed_pdf(program: Path, homes: Path) -> None:
    home = homes / "pdf"
    profile = home / "profile"
    examples = ROOT / "forms" / "examples"

    def haven(*args: str | Path, stdin: str = PASSPHRASE + "\n") -> str:
        home.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(program), *map(str, args)],
            input=stdin,
            env=bare_env(home),
            cwd=home,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise SmokeFailure(f"{args[0]} {args[1]}: exit {done.returncode}: {done.stderr}")
        return done.stdout

    where = ("--profile-dir", profile, "--passphrase-stdin")
    haven("profile", "create", *where, "--name", "Smoke Test", "--role", "practitioner",
          "--agency", "Haven installation check", "--local-authority", "Birmingham")  # fmt: skip
    child = haven("child", "add", *where, "--name", "Jamie Example", "--dob", "2012-02-10")
    record = haven(
        "record", "new", *where, "--form", "screening", "--child", child.strip(),
        "--answers", examples / "screening.json",
    ).strip()  # fmt: skip
    haven("record", "complete", record, *where)
    haven("share", record, *where, "--answers", examples / "sharing-decision.json")
    cert = home / "org.pem"
    haven("cert", "create-self-signed", *where, "--org", "Example School", "--out", cert)
    pdf = home / "screening.pdf"
    haven("export", "pdf", record, *where, "--out", pdf, "--sign")
    verified = haven("verify", pdf, "--trust", cert, stdin="")
    if "Changed since signing: no" not in verified:
        raise SmokeFailure(f"verify: the signed PDF did not verify: {verified}")
    print(f"ok  signed PDF exported and verified ({pdf.stat().st_size // 1024} KiB)")


def start_ups(
    commands: dict[str, tuple[Sequence[str | Path], Path]], homes: Path, runs: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of `runs` smoke tests per command, each with a fresh HOME.

    The commands take turns (A, B, A, B, ...) after one warm-up each, so a build or test
    running beside this on a shared machine slows both sides alike rather than one.
    """
    wall: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    for index in range(runs + 1):
        for label, (argv, cwd) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            result = run(argv, homes / f"{label}-{index}", display=True, cwd=cwd)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if result.returncode != 0:
                raise SmokeFailure(f"{label} smoke test failed: {result.stdout}{result.stderr}")
            if index:  # the first round only warms the page cache
                wall[label].append(elapsed)
                cpu[label].append(
                    after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                )
    return {
        label: (statistics.median(wall[label]), statistics.median(cpu[label])) for label in commands
    }


def compare_start_up(program: Path, homes: Path, runs: int) -> None:
    source_python = ROOT / ".venv" / "bin" / "python"
    if not source_python.exists():
        source_python = Path(sys.executable)
    # The source install runs from the repository (that is where `-m ui` is found) but
    # with the same bare environment otherwise.
    medians = start_ups(
        {
            "bundled": ([program, "--smoke-test"], homes),
            "source": ([source_python, "-m", "ui", "--smoke-test"], ROOT),
        },
        homes,
        runs,
    )
    (bundled, bundled_cpu), (source, source_cpu) = medians["bundled"], medians["source"]
    ratio = bundled / source
    print(
        f"ok  start-up to a painted main window (median of {runs}, taking turns): "
        f"bundled {bundled:.2f} s (CPU {bundled_cpu:.2f} s), source {source:.2f} s "
        f"(CPU {source_cpu:.2f} s), ratio {ratio:.2f} (limit {MAX_SLOWDOWN})"
    )
    if ratio > MAX_SLOWDOWN:
        raise SmokeFailure(
            f"the bundle starts {ratio:.2f}x slower than the source install (limit {MAX_SLOWDOWN})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--no-timing", action="store_true", help="skip the start-up comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="haven-smoke-") as tmp:
        work = Path(tmp)
        try:
            program = executable(unpack(work / "unpacked"))
            print(f"Bundle under test: {program}")
            check_bundle(program, work / "homes")
            check_signed_pdf(program, work / "homes")
            if not args.no_timing:
                compare_start_up(program, work / "homes", args.runs)
        except (SmokeFailure, subprocess.TimeoutExpired) as exc:
            print(f"smoke: FAILED: {exc}", file=sys.stderr)
            return 1
    print("smoke: the bundle works in a bare environment.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
