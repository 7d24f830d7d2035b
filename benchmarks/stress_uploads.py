"""Hostile and large uploads against a real gunicorn: worker memory, answer time, /healthz meanwhile.

    psql -h 127.0.0.1 -U postgres -c 'create database stress_uploads'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/stress_uploads .venv/bin/python benchmarks/stress_uploads.py

Steps: migrate; build the test personas' world once (kesu.testing), a survey wave and a liaison's
report; start gunicorn (2 sync workers, --preload) and one ``kesu db_worker`` on 127.0.0.1 only; warm
each worker with a tiny xlsx (the first upload imports openpyxl); then upload,
one at a time, each hostile file kind to each import URL as the office (or the liaison, for the
report workbook): an xlsx declaring a million-row range, a small xlsx of a million empty-looking
rows without a declared range, a zip bomb, a 150 MB cell, a 60 MB file, a CSV field over 128 KB;
then a large valid value file and a large valid questionnaire file, which must be handed to a job.
Meanwhile one thread polls /healthz every 100 ms and another samples every gunicorn worker's RSS
from /proc every 20 ms. Prints one row per upload (status, what the page said, seconds, the
workers' peak RSS), the /healthz worst case, the job outcomes, and the load average.

Goals (issue 11): worker RSS < 500 MB, every answer (or hand-off to a job) within 10 s, /healthz
under 200 ms throughout.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kesu.settings")

from benchmarks.timing import percentile  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8112"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
MB = 1024 * 1024
GOAL_RSS_MB, GOAL_SECONDS, GOAL_HEALTH_MS = 500, 10.0, 200.0
# ``nice`` for the db_worker: a background import is batch work; at 10 the web workers keep the CPU first.
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", "0"))
JOB_WAIT_SECONDS = 180  # how long the script waits for the background imports to finish


# ---- the hostile files --------------------------------------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = "指标,区划代码,期间,数值"


def xlsx(sheet: bytes | None = None, shared: bytes | None = None, *, stream: Any = None) -> bytes:
    """A minimal workbook around one sheet part; ``stream`` writes a huge part chunk by chunk."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        archive.writestr(
            "xl/sharedStrings.xml",
            shared
            or b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
        )
        if stream is not None:
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                stream(part)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet or SHEET_HEAD + b"<sheetData/></worksheet>")
    return buffer.getvalue()


def inline_row(number: int, cells: list[Any]) -> bytes:
    out = []
    for column, cell in enumerate(cells):
        ref = f"{chr(65 + column)}{number}"
        if isinstance(cell, int | float):
            out.append(f'<c r="{ref}"><v>{cell}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{cell}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'.encode()


def declared_huge_range() -> bytes:
    """About 1 MB of real rows in a sheet that declares A1:XFD1048576 (17 billion cells)."""
    rows = [inline_row(1, HEADER_ROW.split(","))]
    number = 2
    while sum(len(r) for r in rows) < 9 * MB:  # compresses to about 1 MB
        rows.append(
            inline_row(number, ["volunteer_count", f"4104{number % 100:02d}", "2024", number * 7919 % 10007])
        )
        number += 1
    sheet = (
        SHEET_HEAD
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )
    return xlsx(sheet)


def million_empty_rows() -> bytes:
    """No declared range and a million formatted, empty rows: a few hundred KB that openpyxl would walk for a minute."""

    def write(part: Any) -> None:
        part.write(SHEET_HEAD + b"<sheetData>" + inline_row(1, HEADER_ROW.split(",")))
        chunk = []
        for number in range(2, 1_000_002):
            chunk.append(b'<row r="%d" s="1" customFormat="1"/>' % number)
            if len(chunk) == 50_000:
                part.write(b"".join(chunk))
                chunk = []
        part.write(b"".join(chunk) + b"</sheetData></worksheet>")

    return xlsx(stream=write)


def zip_bomb() -> bytes:
    """A sheet that unpacks to 1 GB of blank text (about 1 MB packed)."""

    def write(part: Any) -> None:
        part.write(SHEET_HEAD + b"<sheetData>" + inline_row(1, HEADER_ROW.split(",")))
        blank = b" " * (8 * MB)
        for _ in range(128):
            part.write(blank)
        part.write(b"</sheetData></worksheet>")

    return xlsx(stream=write)


def huge_cell() -> bytes:
    """One shared string of 150 MB."""
    shared = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>' + b"x" * (150 * MB) + b"</t></si></sst>"
    )
    sheet = (
        SHEET_HEAD
        + b'<dimension ref="A1:D2"/><sheetData>'
        + inline_row(1, HEADER_ROW.split(","))
        + b'<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    return xlsx(sheet, shared)


def sixty_megabytes() -> bytes:
    line = b"volunteer_count,410400,2024,1\n"
    return (HEADER_ROW + "\n").encode() + line * (60 * MB // len(line))


def long_csv_field() -> bytes:
    return (HEADER_ROW + "\n").encode() + b'volunteer_count,410400,2024,"' + b"9" * 200_000 + b'"\n'


def large_valid_values(rows: int = 40_000) -> bytes:
    codes = ["410400000000", "410402000000", "410421000000"]
    lines = [f"volunteer_count,{codes[i % 3]},2024,第{i}组,{i}" for i in range(rows)]
    return ("指标,区划代码,期间,分组,数值\n" + "\n".join(lines) + "\n").encode()


def large_valid_responses(rows: int = 20_000) -> bytes:
    run = uuid.uuid4().hex[:6]
    head = "受访者编号,层,初级抽样单元,性别,年龄,文化程度,城乡,职业,K1,K2,M1,S1,A1"
    lines = [
        f"{run}-{i:06d},S1,P1,{('男', '女')[i % 2]},{18 + i % 50},初中,{('城镇', '农村')[i % 2]},"
        f"农林牧渔业生产人员,对,真空,对,修正,太阳能|风能"
        for i in range(rows)
    ]
    return (head + "\n" + "\n".join(lines) + "\n").encode()


HOSTILE = {
    "xlsx declaring A1:XFD1048576": ("range.xlsx", declared_huge_range),
    "xlsx of 1M empty rows, no range": ("rows.xlsx", million_empty_rows),
    "zip bomb (1 GB unpacked)": ("bomb.xlsx", zip_bomb),
    "xlsx with a 150 MB cell": ("cell.xlsx", huge_cell),
    "60 MB CSV": ("big.csv", sixty_megabytes),
    "CSV field of 200 KB": ("field.csv", long_csv_field),
}


# ---- the server and its measurements ------------------------------------------------------------


def setup() -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kesu.accounts.models import User
    from kesu.regions.models import Region, Unit
    from kesu.reporting.models import Report
    from kesu.reporting.testing import open_test_cycle
    from kesu.survey.models import FrameUnit, Wave
    from kesu.survey.testing import small_instrument
    from kesu.testing import build_world

    if not User.objects.filter(username="pds-office").exists():
        build_world()
    pingyin = Region.objects.get(code="370124000000")
    wave = Wave.objects.filter(region=pingyin, title="压力测试调查").first()
    if wave is None:
        wave = Wave.objects.create(
            region=pingyin, period="2025", title="压力测试调查", instrument=small_instrument(pingyin)
        )
        FrameUnit.objects.create(wave=wave, stratum="S1", psu="P1", base_weight=100.0)
    edu = Unit.objects.get(region__code="410400000000", name="市教育体育局")
    report = Report.objects.filter(unit=edu).order_by("-pk").first()
    if report is None:
        report = open_test_cycle(edu).reports.get(unit=edu)
    office, county, liaison = (
        session_cookie(User.objects.get(username=name)) for name in ("pds-office", "py-office", "edu-liaison")
    )
    return {
        "urls": [
            ("指标数值导入", "/indicators/values/import/", office, {"provenance": "压力测试"}),
            ("题库导入", "/survey/instruments/import/", county, {"name": "压力测试题库"}),
            ("抽样框导入", f"/survey/waves/{wave.pk}/frame/", county, {}),
            ("普查边际导入", f"/survey/waves/{wave.pk}/margins/", county, {}),
            ("问卷导入", f"/survey/waves/{wave.pk}/responses/import/", county, {}),
            ("报送表导入", f"/reporting/reports/{report.pk}/xlsx/", liaison, {}),
        ],
        "office": office,
        "county": county,
        "wave": wave.pk,
    }


def session_cookie(user: Any) -> str:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key or ""


def post_file(
    path: str, session: str, filename: str, data: bytes, fields: dict[str, str]
) -> tuple[int, str, str]:
    """Multipart POST as a browser behind the TLS proxy would; (status, Location#messages cookie, body)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    body = b"".join(parts)
    csrf = "b" * 32
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    connection.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Origin": "https://127.0.0.1",
            "Referer": "https://127.0.0.1/",
        },
    )
    response = connection.getresponse()
    text = response.read().decode("utf-8", errors="replace")
    connection.close()
    # A redirect carries its flash message in the "messages" cookie: keep it for the next page.
    flash = re.search(r"messages=([^;]*)", response.getheader("Set-Cookie") or "")
    location = response.getheader("Location") or ""
    return response.status, location + (f"#messages={flash.group(1)}" if flash else ""), text


def start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DEBUG": "0"})


def start_server() -> subprocess.Popen[bytes]:
    server = start(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "kesu.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--preload",  # as docs/reporting.md recommends: the app is loaded once, before the workers fork
        ]
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    return server


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass(frozen=True)
class Row:
    """One upload: the file, the import, what came back, and the workers' peak RSS and slowest /healthz meanwhile."""

    kind: str
    size: int
    label: str
    status: int
    said: str
    seconds: float
    peak: float
    health: float


@dataclass
class Watch:
    """Background sampling: the workers' peak RSS since the last reset, and /healthz latencies."""

    server: Any
    worker: Any
    peak: float = 0.0
    worker_peak: float = 0.0
    health: list[float] = field(default_factory=list)
    window: list[float] = field(default_factory=list)  # latencies since the last take_health()
    health_errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        threading.Thread(target=self._rss, daemon=True).start()
        threading.Thread(target=self._health, daemon=True).start()

    def _rss(self) -> None:
        while not self.stop.wait(0.02):
            pids = children(self.server.pid)
            self.peak = max([self.peak, *(rss_mb(pid) for pid in pids)])
            self.worker_peak = max(self.worker_peak, rss_mb(self.worker.pid))

    def _health(self) -> None:
        while not self.stop.wait(0.1):
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                connection.request(
                    "GET", "/healthz", headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
                )
                status = connection.getresponse().status
                connection.close()
            except OSError:
                status = 0
            millis = (time.perf_counter() - started) * 1000
            self.health.append(millis)
            self.window.append(millis)
            self.health_errors += status != 200

    def take_peak(self) -> float:
        peak, self.peak = self.peak, 0.0
        return peak

    def take_health(self) -> float:
        """The slowest /healthz since the last call (an upload's window)."""
        window, self.window = self.window, []
        return max(window, default=0.0)


def warm_up(context: dict[str, Any]) -> None:
    """Each worker's first upload imports openpyxl and fills Django's caches: not what is measured here."""
    tiny = xlsx(
        SHEET_HEAD + b"<sheetData>" + inline_row(1, HEADER_ROW.split(",")) + b"</sheetData></worksheet>"
    )
    label, url, session, fields = context["urls"][0]
    for _ in range(2 * WORKERS):
        post_file(url, session, "warm.xlsx", tiny, fields)


def next_page(path: str, session: str) -> str:
    """The page a redirect leads to, where the report workbook import shows its message."""
    path, _, flash = path.partition("#")
    cookie = f"sessionid={session}" + (f"; {flash}" if flash else "")
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request(
        "GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
    )
    text = connection.getresponse().read().decode("utf-8", errors="replace")
    connection.close()
    return text


def verdict(status: int, location: str, body: str, session: str) -> str:
    if status >= 500:
        return "5xx"
    if "/jobs/" in location:
        return "handed to a job"
    if status in (301, 302, 303):
        page = next_page(location, session)
        match = re.search(r"未导入任何内容[^<]{0,60}", page)
        return f"refused (next page): {match.group(0)}" if match else "redirected, no refusal shown"
    match = re.search(r"(超过[^<。；]{0,40}|无法[^<。；]{0,30}|空字符|不是[^<。；]{0,20})", body)
    return f"refused: {match.group(0)}" if match else f"answered {status}"


def wait_for_jobs(pks: list[int]) -> list[tuple[int, str, str, float]]:
    from kesu.core.models import Job

    started = time.perf_counter()
    while time.perf_counter() - started < JOB_WAIT_SECONDS:
        jobs = list(Job.objects.filter(pk__in=pks))
        if all(job.is_finished for job in jobs):
            break
        time.sleep(1)
    return [
        (
            job.pk,
            job.status,
            job.message[:80],
            ((job.finished_at or job.created_at) - job.created_at).total_seconds(),
        )
        for job in Job.objects.filter(pk__in=pks).order_by("pk")
    ]


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "请设置 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/stress_uploads（本脚本针对 PostgreSQL）"
        )
    context = setup()
    print("building the files …", flush=True)
    files = {name: (filename, build()) for name, (filename, build) in HOSTILE.items()}
    valid_values, valid_responses = large_valid_values(), large_valid_responses()
    load_before = os.getloadavg()
    server = start_server()
    nice = ["nice", "-n", str(WORKER_NICE)] if WORKER_NICE else []
    worker = start([*nice, str(ROOT / ".venv/bin/kesu"), "db_worker", "--interval", "1"])
    watch = Watch(server, worker)
    warm_up(context)
    baseline = max([rss_mb(pid) for pid in children(server.pid)] or [0.0])
    watch.run()
    rows: list[Row] = []
    jobs: list[int] = []
    uploads = [
        (kind, label, url, session, fields, filename, data)
        for kind, (filename, data) in files.items()
        for label, url, session, fields in context["urls"]
    ]
    for kind, index, data in (
        ("valid values, 40,000 rows", 0, valid_values),
        ("valid questionnaires, 20,000 rows", 4, valid_responses),
    ):
        label, url, session, fields = context["urls"][index]
        uploads.append((kind, label, url, session, fields, "large.csv", data))
    try:
        for kind, label, url, session, fields, filename, data in uploads:
            watch.take_peak(), watch.take_health()
            started = time.perf_counter()
            try:
                status, location, body = post_file(url, session, filename, data, fields)
            except OSError as error:
                status, location, body = 0, "", str(error)
            seconds = time.perf_counter() - started
            time.sleep(0.15)  # one more /healthz poll inside this upload's window
            said = verdict(status, location, body, session)
            rows.append(
                Row(kind, len(data), label, status, said, seconds, watch.take_peak(), watch.take_health())
            )
            print(f"  {kind} → {label}: {status} in {seconds:.2f} s", flush=True)
            if "/jobs/" in location:
                jobs.append(int(re.findall(r"/jobs/(\d+)/", location)[0]))
        during_uploads = list(watch.health)
        finished = wait_for_jobs(jobs)
        during_jobs = watch.window
    finally:
        watch.stop.set()
        worker.send_signal(signal.SIGTERM)
        server.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        server.wait(timeout=30)
    print_table(rows, baseline, watch, finished, load_before, during_uploads, during_jobs)


def print_table(
    rows: list[Row],
    baseline: float,
    watch: Watch,
    finished: list[tuple[int, str, str, float]],
    load_before: tuple[float, float, float],
    during_uploads: list[float],
    during_jobs: list[float],
) -> None:
    print()
    print(
        f"{'file':<34}{'size':>9}  {'import':<8}{'status':>7}  {'seconds':>8}  {'peak RSS':>9}  {'healthz':>8}  answer"
    )
    for row in rows:
        print(
            f"{row.kind:<34}{row.size / MB:>7.2f}MB  {row.label:<8}{row.status:>7}  {row.seconds:>8.2f}  "
            f"{row.peak:>7.0f}MB  {row.health:>6.0f}ms  {row.said[:60]}"
        )
    health = watch.health or [0.0]
    worst_rss = max(row.peak for row in rows)
    slowest = max(row.seconds for row in rows)
    errors = sum(1 for row in rows if row.status >= 500 or row.status == 0)
    print()
    print(
        f"uploads: {len(rows)}; 5xx or no answer: {errors}; slowest answer {slowest:.2f} s (goal < {GOAL_SECONDS:g} s)"
    )
    print(
        f"gunicorn workers: {baseline:.0f} MB at rest, worst peak {worst_rss:.0f} MB (goal < {GOAL_RSS_MB} MB)"
    )
    print(f"db_worker peak RSS: {watch.worker_peak:.0f} MB")
    for phase, values in (
        ("while uploading", during_uploads),
        ("while the jobs ran", during_jobs),
        ("all", health),
    ):
        values = values or [0.0]
        print(
            f"/healthz {phase}: {len(values)} polls, median {statistics.median(values):.1f} ms, "
            f"p99 {percentile(values, 99):.1f} ms, max {max(values):.1f} ms (goal < {GOAL_HEALTH_MS:g} ms)"
        )
    print(f"/healthz non-200 answers: {watch.health_errors}")
    for pk, status, message, seconds in finished:
        print(f"job {pk}: {status} after {seconds:.1f} s — {message}")
    after = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores; load average {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f} before, {after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f} after; "
        f"gunicorn {WORKERS} sync workers and one db_worker (nice {WORKER_NICE}) on 127.0.0.1:{PORT}"
    )


if __name__ == "__main__":
    main()
