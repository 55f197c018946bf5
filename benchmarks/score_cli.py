"""Issue 2: ``iop score`` on 1,000,000 PHQ-9 rows against BioPsyKit and a bare polars script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from benchmarks.environment import Tools
from benchmarks.report import Line, Outcome
from benchmarks.runner import BenchmarkError, Contender, Plan, Sample, Series, run_interleaved

IOP = "iop score"
BARE = "bare polars"
BIOPSYKIT = "BioPsyKit (pandas)"
REALISTIC = "iop score (realistic)"
#: BioPsyKit time / iop time must be at least this; iop time / bare polars time at most this.
PEER_TARGET = 5.0
FLOOR_TARGET = 1.5
#: Issue 13: the realistic file at most this many times the clean file's time, and its memory.
REALISTIC_TARGET = 1.5
REALISTIC_MEMORY_MB = 400.0
#: A one-row file: what each contender costs before the first row (interpreter, imports).
STARTUP_SUFFIX = " start-up"
NAMES = (IOP, BARE, BIOPSYKIT)
PEER_PACKAGES = ("biopsykit", "pandas", "numpy")


def contenders(tools: Tools, folder: Path, *, startup: bool = True) -> list[Contender]:
    """The contenders on the clean file (and the realistic one); one-row runs if ``startup``."""
    clean, messy, tiny = (folder / f for f in ("phq9_clean.csv", "phq9_realistic.csv", "one.csv"))
    found = [
        *_three(tools, clean, folder, ""),
        Contender(
            REALISTIC,
            [str(tools.iop), "score", str(messy), "--out", str(folder / "r.csv")],
            ok_codes=(0, 3),
        ),
    ]
    return found + (_three(tools, tiny, folder, STARTUP_SUFFIX) if startup else [])


def _three(tools: Tools, source: Path, folder: Path, suffix: str) -> list[Contender]:
    tag = "_one" if suffix else ""
    out = {name: str(folder / f"out_{i}{tag}.csv") for i, name in enumerate(NAMES)}
    return [
        Contender(IOP + suffix, [str(tools.iop), "score", str(source), "--out", out[IOP]]),
        Contender(
            BARE + suffix,
            [str(tools.python), tools.contender("polars_phq9.py"), str(source), out[BARE]],
        ),
        Contender(
            BIOPSYKIT + suffix,
            [
                str(tools.bench_python),
                tools.contender("biopsykit_phq9.py"),
                str(source),
                out[BIOPSYKIT],
            ],
        ),
    ]


def output_of(contender: Contender) -> str:
    """The output file a contender writes (its last argument, or the one after --out)."""
    command = list(contender.command)
    return command[command.index("--out") + 1] if "--out" in command else command[-1]


def write_inputs(tools: Tools, folder: Path, *, rows: int, seed: int) -> dict[str, object]:
    """Write the clean, realistic and one-row PHQ-9 files (in a child process)."""
    written: dict[str, object] = json.loads(
        tools.helper("inputs", folder, "--rows", rows, "--seed", seed)
    )
    with (folder / "phq9_clean.csv").open(encoding="utf-8") as clean:
        head = [clean.readline(), clean.readline()]
    (folder / "one.csv").write_text("".join(head), encoding="utf-8")
    return written


def check_agreement(tools: Tools, found: list[Contender]) -> str:
    """Fail loudly unless the three contenders' outputs on the clean file have equal scores."""
    paths = [output_of(c) for c in found if c.name in NAMES]
    if len(paths) != len(NAMES):
        msg = f"expected the outputs of {', '.join(NAMES)}"
        raise BenchmarkError(msg)
    checked = json.loads(tools.helper("agree", *paths))
    return f"the three outputs agree on all {checked['rows']:,} scores"


def paired_ratios(top: Series, bottom: Series) -> list[float]:
    """``top / bottom`` turn by turn (the runs of one turn saw the same machine load)."""
    return [a / b for a, b in zip(top.times, bottom.times, strict=True)]


def timing_line(label: str, series: Series, rows: int | None) -> Line:
    """A table row for a timed contender."""
    return Line(
        label=label,
        median=series.median,
        low=series.low,
        high=series.high,
        rows_per_s=rows / series.median if rows else None,
        peak_mb=series.peak_mb,
    )


def ratio_lines(series: dict[str, Series]) -> list[Line]:
    """iop against the peer (at least 5x faster) and against the floor (at most 1.5x)."""
    iop, bare, peer = series[IOP], series[BARE], series[BIOPSYKIT]
    faster = peer.median / iop.median
    slower = iop.median / bare.median
    by_turn_faster = paired_ratios(peer, iop)
    by_turn_slower = paired_ratios(iop, bare)
    return [
        Line(
            label="  iop vs BioPsyKit",
            figure=f"{faster:.1f}x faster (per turn {_span(by_turn_faster, 1)})",
            target=f">= {PEER_TARGET:g}x faster",
            passed=faster >= PEER_TARGET,
        ),
        Line(
            label="  iop vs bare polars",
            figure=f"{slower:.2f}x the time (per turn {_span(by_turn_slower, 2)})",
            target=f"<= {FLOOR_TARGET:g}x",
            passed=slower <= FLOOR_TARGET,
        ),
    ]


def realistic_lines(series: dict[str, Series]) -> list[Line]:
    """The realistic file against the clean one (issue 13): time ratio and peak memory."""
    messy, clean = series[REALISTIC], series[IOP]
    ratio = messy.median / clean.median
    return [
        Line(
            label="  realistic vs clean",
            figure=f"{ratio:.2f}x the time (per turn {_span(paired_ratios(messy, clean), 2)})",
            target=f"<= {REALISTIC_TARGET:g}x",
            passed=ratio <= REALISTIC_TARGET,
        ),
        Line(
            label="  realistic peak memory",
            figure=f"{messy.peak_mb:.0f} MB",
            target=f"< {REALISTIC_MEMORY_MB:.0f} MB",
            passed=messy.peak_mb < REALISTIC_MEMORY_MB,
        ),
    ]


def outcome(
    series: dict[str, Series],
    *,
    rows: int,
    written: dict[str, object],
    agreement: str,
    peer_versions: dict[str, str] | None = None,
) -> Outcome:
    """The table rows, notes and facts of the score benchmark."""
    label = f"iop score (clean, {_count(rows)} PHQ-9)"
    lines = [
        timing_line(label, series[IOP], rows),
        timing_line(BARE, series[BARE], rows),
        timing_line(BIOPSYKIT, series[BIOPSYKIT], rows),
        *ratio_lines(series),
        timing_line("iop score (realistic: 1% missing, 0.1% bad)", series[REALISTIC], rows),
        *realistic_lines(series),
    ]
    startup = [n for n in NAMES if n + STARTUP_SUFFIX in series]
    lines += [timing_line(f"{n} (1-row file)", series[n + STARTUP_SUFFIX], None) for n in startup]
    realistic = _summary_line(series[REALISTIC].last)
    notes = [
        f"input: {rows:,} rows, {_count(rows // 10)} clients x 10 weekly administrations; "
        "each contender is a whole process (start-up, read, score, write), run in turns",
        f"correctness: {agreement}",
        f"realistic file, iop says: {realistic}",
    ]
    if startup:
        notes.append("1-row lines: the fixed cost of each process (interpreter and imports)")
    if peer_versions:
        notes.append("peer: " + ", ".join(f"{p} {v}" for p, v in peer_versions.items()))
    facts = {
        "rows": rows,
        "inputs": written,
        "times": {name: s.times for name, s in series.items()},
        "peak_mb": {name: [x.peak_mb for x in s.samples] for name, s in series.items()},
        "ratios": {
            "biopsykit_over_iop": series[BIOPSYKIT].median / series[IOP].median,
            "iop_over_bare": series[IOP].median / series[BARE].median,
            "biopsykit_over_iop_by_turn": paired_ratios(series[BIOPSYKIT], series[IOP]),
            "iop_over_bare_by_turn": paired_ratios(series[IOP], series[BARE]),
        },
        "targets": {"biopsykit_over_iop_min": PEER_TARGET, "iop_over_bare_max": FLOOR_TARGET},
        "peer_versions": peer_versions or {},
    }
    return Outcome("score", f"iop score: {_count(rows)} PHQ-9 rows (issue 2)", lines, notes, facts)


def run(tools: Tools, folder: Path, plan: Plan, *, rows: int, seed: int) -> Outcome:
    """Write the inputs, check the outputs agree, time every contender in turns."""
    written = write_inputs(tools, folder, rows=rows, seed=seed)
    found = contenders(tools, folder)
    agreement: list[str] = []

    def check(_samples: dict[str, Sample]) -> None:
        agreement.append(check_agreement(tools, found))

    series = run_interleaved(found, plan, check_first=check)
    return outcome(
        series,
        rows=rows,
        written=written,
        agreement=agreement[0],
        peer_versions=peer_versions(tools),
    )


def peer_versions(tools: Tools) -> dict[str, str]:
    """The versions of BioPsyKit, pandas and numpy in the BioPsyKit environment."""
    code = (
        "import importlib.metadata as m, json; "
        f"print(json.dumps({{p: m.version(p) for p in {PEER_PACKAGES!r}}}))"
    )
    done = subprocess.run(
        [str(tools.bench_python), "-c", code], capture_output=True, text=True, check=False
    )
    return json.loads(done.stdout) if done.returncode == 0 else {}


def _summary_line(sample: Sample) -> str:
    lines = [line for line in sample.stderr.splitlines() if "rows:" in line]
    return lines[-1].strip() if lines else "(no summary line)"


def _span(values: list[float], digits: int) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def _count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"
