"""Accuracy, speed and memory of reading scanned plans (OCR).

    .venv/bin/python benchmarks/ocr_bench.py [--seeds DIR] [--gold DIR] [--only 000,004]
        [--variants scan150,scan200,scan300,twocol200,photo200] [--pages N] [--json OUT]

Each seed plan is typeset on A4 pages and degraded (``kesu.docparse.tests.scans``: grey, skew,
blur and speckle for ``scan``; two columns for ``twocol``; perspective, uneven light and JPEG for
``photo``, uploaded as separate JPG pages), read back through ``extract_document`` and parsed;
the parse is scored with ``shared/tools/score_parse.py`` against the seed's gold file, and the
recognised text is compared with the seed text for the character error rate (CER: edits of a
difflib alignment over characters, whitespace ignored, divided by the seed's characters).
``--pages N`` reads only the first N pages (speed and CER only: the F1s need the whole plan).
Prints one line per run, then pages/second, peak RSS and the load average (the machine is shared).

``--job [--job-pages 20]``: the real ``plan_scan_import`` job, as the web upload starts it, on a
20-page image-only PDF (seed 004 followed by seed 000, 200 dpi scanner style): a throwaway SQLite
database and media folder in a temporary directory, migrated, the test world's office uploading
for its city, and django-tasks' immediate backend running the job in this process. Prints the
job's seconds, pages/second, its status, the peak RSS while it ran (the scan is made before, and
the peak reset, so the figure is the worker's) and the load average before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib.util
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from kesu.docparse import parse_extraction  # noqa: E402
from kesu.docparse.readers import extract_document  # noqa: E402
from kesu.docparse.scan import Extraction, read_images  # noqa: E402
from kesu.docparse.tests import scans  # noqa: E402

SHARED = REPO.parent / "shared"
VARIANTS = ("scan150", "scan200", "scan300", "twocol200", "photo200")
_SPACE = re.compile(r"\s+")


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_parse", SHARED / "tools" / "score_parse.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(gold: Path, prediction: dict[str, Any]) -> dict[str, Any]:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ocr-bench-{os.getpid()}.json"
    path.write_text(json.dumps(prediction, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _scorer().main(str(gold), str(path))
    path.unlink()
    return dict(json.loads(out.getvalue()))


def cer(reference: str, recognised: str, prefix_only: bool = False) -> float:
    """Edits of a difflib alignment over characters (whitespace ignored) per reference character.
    ``prefix_only``: the recognised text covers the reference's first pages only, so the reference
    is cut where the alignment ends."""
    ref, hyp = _SPACE.sub("", reference), _SPACE.sub("", recognised)
    if prefix_only:
        blocks = difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_matching_blocks()
        ends = [b.a + b.size for b in blocks if b.size >= 8]
        ref = ref[: max(ends, default=len(hyp))]
    edits = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes():
        if tag != "equal":
            edits += max(i2 - i1, j2 - j1)
    return edits / max(1, len(ref))


def read_variant(text: str, variant: str, seed: int, max_pages: int | None) -> tuple[Extraction, int]:
    style, dpi = variant.rstrip("0123456789"), int(variant.lstrip("abcdefghijklmnopqrstuvwxyz"))
    header = text.strip().split("\n")[0][:30]
    pages = list(scans.scanned_pages(text, style, dpi, seed=seed, max_pages=max_pages, header=header))
    if style == "photo":  # photos arrive as separate JPG files
        files = [(scans.jpeg(page), f"IMG_{i:04d}.jpg") for i, page in enumerate(pages, start=1)]
        return read_images(files), len(pages)
    return extract_document(scans.image_pdf(pages, dpi), "scan.pdf"), len(pages)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=Path, default=SHARED / "seeds")
    parser.add_argument("--gold", type=Path, default=SHARED / "gold")
    parser.add_argument("--only", default="")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--dump", type=Path, default=None, help="write each recognised text here")
    parser.add_argument("--job", action="store_true", help="time the plan_scan_import job")
    parser.add_argument("--job-pages", type=int, default=20)
    args = parser.parse_args()
    if args.job:
        return run_job(args.seeds, args.job_pages)
    seeds = sorted(args.seeds.glob("*.txt"))
    if args.only:
        seeds = [s for s in seeds if s.name.split("_")[0] in args.only.split(",")]
    rows: list[dict[str, Any]] = []
    total_pages, total_seconds = 0, 0.0
    for variant in args.variants.split(","):
        for seed_path in seeds:
            text = seed_path.read_text(encoding="utf-8")
            number = seed_path.name.split("_")[0]
            started = time.perf_counter()
            extraction, pages = read_variant(text, variant, int(number), args.pages)
            seconds = time.perf_counter() - started
            total_pages += pages
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                (args.dump / f"{number}-{variant}.txt").write_text(extraction.text, encoding="utf-8")
                spans = json.dumps(extraction.uncertain)  # with the text: the parse can be redone offline
                (args.dump / f"{number}-{variant}.uncertain.json").write_text(spans, encoding="utf-8")
            total_seconds += seconds
            row: dict[str, Any] = {
                "seed": number,
                "variant": variant,
                "pages": pages,
                "s_per_page": round(seconds / pages, 2),
                "uncertain": len(extraction.uncertain),
            }
            if args.pages is None:
                row["cer"] = round(cer(text, extraction.text), 4)
                prediction = parse_extraction(extraction).to_json_dict()
                gold = args.gold / f"seed_{number}.json"
                if gold.exists():
                    metrics = score(gold, prediction)
                    row.update({k: metrics[k] for k in ("task_f1", "unit_f1", "target_f1", "goal_ok")})
            else:
                row["cer"] = round(cer(text, extraction.text, prefix_only=True), 4)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    summary = {
        "pages": total_pages,
        "seconds": round(total_seconds, 1),
        "pages_per_second": round(total_pages / max(total_seconds, 1e-9), 3),
        "twenty_pages_s": round(20 * total_seconds / max(total_pages, 1), 1),
        "peak_rss_mb": round(peak_mb),
        "load_average": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(summary, ensure_ascii=False))
    for variant in args.variants.split(","):
        mine = [r for r in rows if r["variant"] == variant]
        if mine:
            print(variant, "mean CER", round(sum(r["cer"] for r in mine) / len(mine), 4))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, ensure_ascii=False, indent=1))
    return 0


def _peak_rss_mb() -> float:
    """Peak RSS since the last ``_reset_peak`` (Linux), else since the process started."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def job_scan(seeds: Path, pages: int) -> bytes:
    """An image-only PDF of ``pages`` pages: seed 004, then seed 000 (each 15–16 pages)."""
    texts = [next(seeds.glob(f"{n}_*.txt")).read_text(encoding="utf-8").strip() for n in ("004", "000")]
    text = "\n".join(texts)
    header = texts[0].split("\n")[0][:30]
    made = list(scans.scanned_pages(text, "scan", 200, seed=20, max_pages=pages, header=header))
    return scans.image_pdf(made, 200)


def run_job(seeds: Path, pages: int) -> int:
    import tempfile

    data = job_scan(seeds, pages)
    with tempfile.TemporaryDirectory(prefix="ocr-job-") as tmp:
        os.environ["KESU_DATA_DIR"] = tmp
        os.environ.pop("DATABASE_URL", None)
        os.environ["KESU_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from kesu.core.models import Job
        from kesu.plans import actions
        from kesu.testing import build_world

        world = build_world()
        load_before = os.getloadavg()
        _reset_peak()
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        job = actions.start_scan_import(world.pds_office, world.pingdingshan, [(data, "扫描件.pdf")])
        seconds = time.perf_counter() - started
        job = Job.objects.get(pk=job.pk)
        summary = {
            "job": job.kind,
            "status": job.status,
            "message": job.message,
            "pages": pages,
            "seconds": round(seconds, 1),
            # what the job costs whatever else runs: on an idle 2-core server it takes about
            # cpu_seconds / 2 (two pages are read side by side)
            "cpu_seconds": round(_cpu_seconds() - cpu_before, 1),
            "pages_per_second": round(pages / seconds, 3),
            "peak_rss_mb": round(_peak_rss_mb()),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "ocr_threads": ocr_workers(),
            "cpus": os.cpu_count(),
        }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if summary["status"] == "succeeded" else 1


def ocr_workers() -> int:
    from kesu.docparse import ocr

    return ocr.workers()


if __name__ == "__main__":
    sys.exit(main())
