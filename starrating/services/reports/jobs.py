"""Export jobs: who may start which export, where its file goes, what the page shows.

The work itself runs on the queue (starrating/jobs.py): `start_export` only records an
ExportJob; `execute` writes the file and reports progress through a callback (the queue
task commits it). Files live under <files>/exports/, never under static/. A full disk ends
the job with a message in its creator's language and leaves no partial file behind.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...errors import Conflict, DomainError, NotFound, ValidationFailed
from ...extensions import db
from ...models import ExportJob, Role, SchoolClass, Student, StudentStatus, Term, User, utcnow
from ..access import (
    ensure_city_export_job,
    ensure_class_export,
    ensure_export_job_access,
    ensure_term_export,
    same_school,
    teacher_class_ids,
)
from ..city_workbook import write_city_workbook
from ..class_state import term_class_ids
from ..clock import local_date
from ..schools import ensure_city
from ..terms import term_for
from . import pdf, xlsx
from .common import safe_file_part

KINDS = ("xlsx", "cards", "cards_pdf")
# The city workbook (services/city_workbook.py): the city office's, of no school and no term.
CITY_KIND = "city_xlsx"
SUFFIX = {"xlsx": ".xlsx", "cards": ".zip", "cards_pdf": ".pdf", CITY_KIND: ".xlsx"}
# Kinds made per class only (print): "cards_pdf" is one merged, print-ready PDF of a class.
CLASS_ONLY_KINDS = ("cards_pdf",)
MIMETYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}
RECENT_JOBS = 20
SCHOOL_SCOPE = "school"
DISK_FULL = _l("The server's disk is full, so the export could not be written; nothing was "
               "kept. Ask the system administrator to free space, then start the export again.")


class ExportFailed(DomainError):
    """An export could not be written; `message` is already in its reader's language."""

    status = 507


def exports_dir() -> Path:
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_export(actor: User | None, kind: str, term: Term,
                 school_class: SchoolClass | None = None, lang: str = "zh",
                 student_nos: list[str] | None = None) -> ExportJob:
    """Record a queued export after checking the actor may have it; the caller enqueues it."""
    if kind not in KINDS:
        raise ValidationFailed(errors={"kind": ["unknown export"]})
    if lang not in pdf.LABELS:
        lang = "zh"
    if kind in CLASS_ONLY_KINDS and school_class is None:
        raise ValidationFailed(_l("Choose a class: a merged PDF holds one class's cards "
                                  "(for the whole school, export the zip of cards)."))
    if school_class is None:
        ensure_term_export(actor, term)
    else:
        ensure_class_export(actor, term, school_class)
    params = {"term_id": term.id, "class_id": school_class.id if school_class else None,
              "lang": lang}
    if student_nos:  # print: a selection of the class's students for the merged PDF
        if kind not in CLASS_ONLY_KINDS:
            raise ValidationFailed(errors={"students": [_l(
                "Choosing students is for the merged PDF of a class.")]})
        pdf.students_of_class(term, school_class, student_nos)  # each must be in the class
        params["student_nos"] = student_nos
    job = ExportJob(school_id=term.school_id, kind=kind,
                    params=params,
                    status="queued", created_by_id=actor.id if actor else None,
                    queued_at=clock())
    db.session.add(job)
    db.session.flush()
    return job


def start_export_for(actor: User, kind: str, term_id, scope: str, lang: str,
                     students: str = "") -> ExportJob:
    """`start_export` from the reports form: a term id, and "school" or a class id;
    `students`, 学号 separated by commas or spaces, chooses some of the class (print)."""
    term = term_for(actor, term_id or "-")
    school_class = None
    if scope != SCHOOL_SCOPE:
        class_id = int(scope) if str(scope or "").isdigit() else 0
        school_class = db.session.get(SchoolClass, class_id)
        if school_class is None:
            raise NotFound()
    ensure_students_to_export(term, school_class)
    return start_export(actor, kind, term, school_class, lang=lang or "zh",
                        student_nos=pdf.student_numbers(students))


def ensure_students_to_export(term: Term, school_class: SchoolClass | None) -> None:
    """Refuse, with words, an export that would hold no student (a class without students
    in the term, or a term without classes) instead of a file saying "0 students"."""
    class_ids = [school_class.id] if school_class else term_class_ids(term)
    count = db.session.scalar(sa.select(sa.func.count(Student.id)).where(
        Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE)) if class_ids \
        else 0
    if not count:
        where = school_class.name if school_class else term.name
        raise ValidationFailed(_l("%(where)s has no students in %(term)s, so there is nothing "
                                  "to export.", where=where, term=term.name))


def get_job(actor: User, job_id: int) -> ExportJob:
    """A job its creator, or an admin of its school, may see (a city workbook: the city
    office only)."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        raise NotFound()
    if job.kind == CITY_KIND:
        ensure_city_export_job(actor, job)
    else:
        ensure_export_job_access(actor, job)
    return job


def start_city_export(actor: User) -> ExportJob:
    """Record a queued city workbook (the city office only); the caller enqueues it."""
    ensure_city(actor)
    job = ExportJob(school_id=None, kind=CITY_KIND, params={}, status="queued",
                    created_by_id=actor.id, queued_at=clock())
    db.session.add(job)
    db.session.flush()
    return job


def city_jobs(actor: User) -> list[ExportJob]:
    """The city workbooks lately asked for (every city-office user sees them all)."""
    ensure_city(actor)
    return list(db.session.scalars(sa.select(ExportJob).where(ExportJob.kind == CITY_KIND)
                                   .order_by(ExportJob.id.desc()).limit(5)))


def recent_jobs(actor: User) -> list[ExportJob]:
    query = sa.select(ExportJob).order_by(ExportJob.id.desc()).limit(RECENT_JOBS)
    if actor.role == Role.ADMIN and actor.school_id is not None:
        query = query.where(ExportJob.school_id == actor.school_id)
    elif actor.role != Role.ADMIN:
        query = query.where(ExportJob.created_by_id == actor.id)
    return list(db.session.scalars(query))


def job_scope(job: ExportJob) -> tuple[Term, SchoolClass | None]:
    if job.kind == CITY_KIND or not job.params.get("term_id"):
        raise NotFound()
    term = db.session.get(Term, job.params["term_id"])
    if term is None:
        raise NotFound()
    class_id = job.params.get("class_id")
    school_class = db.session.get(SchoolClass, class_id) if class_id else None
    if class_id and school_class is None:
        raise NotFound()
    return term, school_class


def download_name(job: ExportJob) -> str:
    if job.kind == CITY_KIND:
        return safe_file_part(f"全市-星级评价汇总-{local_date(job.created_at)}") + ".xlsx"
    term, school_class = job_scope(job)
    scope = school_class.name if school_class else "全校"
    what = "星级评价" if job.kind == "xlsx" else "成长报告单"
    return safe_file_part(f"{term.name}-{scope}-{what}") + SUFFIX[job.kind]


def job_file(job: ExportJob) -> Path:
    """The finished file of a done job."""
    if job.status != "done" or not job.file_name:
        raise NotFound()
    path = exports_dir() / job.file_name
    if not path.is_file():
        raise NotFound()
    return path


def status(job: ExportJob) -> dict:
    """What the reports page polls."""
    return {"id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress,
            "total": job.total, "error": job.error or "",
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            **health_status(job)}


def execute(job: ExportJob, progress: Callable[[int, int], None]) -> str:
    """Write the job's file (re-checking its creator's rights); returns the file name.

    Written under a temporary name and renamed, so a half-written file is never served.
    """
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    name = f"{job.id}-{secrets.token_hex(8)}{SUFFIX[job.kind]}"
    partial = None
    try:
        final = exports_dir() / name
        partial = final.with_suffix(final.suffix + ".part")
        if job.kind == CITY_KIND:
            if actor is None:
                raise NotFound()
            write_city_workbook(actor, str(partial), progress=progress)
        else:
            _write_school_export(job, actor, str(partial), progress)
        os.replace(partial, final)
    except Exception as error:
        if _disk_full(error):
            raise ExportFailed(in_language_of(actor, DISK_FULL)) from error
        raise
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return name


def _write_school_export(job: ExportJob, actor: User | None, partial: str,
                         progress: Callable[[int, int], None]) -> None:
    term, school_class = job_scope(job)
    if job.kind == "xlsx":
        total = xlsx.count_results(term, school_class)
        progress(0, total)
        xlsx.write_workbook(actor, term, partial, school_class,
                            progress=lambda done: progress(done, total))
        progress(total, total)
    elif job.kind == "cards_pdf":  # print: one merged PDF of a class's cards
        chosen = job.params.get("student_nos")
        pdf.write_cards_pdf(actor, term, partial, school_class,
                            lang=job.params.get("lang", "zh"), progress=progress,
                            student_ids=pdf.students_of_class(term, school_class, chosen)
                            if chosen else None)
    else:
        pdf.write_cards_zip(actor, term, partial, school_class,
                            lang=job.params.get("lang", "zh"), progress=progress)


def _disk_full(error: BaseException | None) -> bool:
    """True when the error, or one it was raised from, is "no space left on device"."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__
    return False


def in_language_of(user: User | None, message) -> str:
    """The message rendered in the user's chosen language (the school's default if none):
    a job's message is read later by the person who started it, not in this request."""
    languages = current_app.config["LANGUAGES"]
    locale = user.locale if user is not None and user.locale in languages else \
        current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        return str(message)


def exportable_classes(actor: User, term: Term | None) -> list[SchoolClass]:
    """Classes whose exports the actor may start: all the school's (admin), or their own."""
    if term is None:
        return []
    query = (sa.select(SchoolClass).where(SchoolClass.school_id == term.school_id,
                                          SchoolClass.id.in_(term_class_ids(term)))
             .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        return list(db.session.scalars(query))
    if actor.role == Role.TEACHER:
        ids = teacher_class_ids(actor, term)
        return [c for c in db.session.scalars(query.where(SchoolClass.id.in_(ids)))] if ids else []
    return []


def find_student(actor: User, term: Term, student_no: str):
    """The term school's student with this 学号 (access is checked by the card itself)."""
    student = db.session.scalar(sa.select(Student).where(
        Student.school_id == term.school_id, Student.student_no == student_no.strip()))
    if student is None:
        raise NotFound(_l("No student with the number %(no)s in this school.",
                          no=student_no.strip() or "—"))
    return student


def student_card_for(actor: User, term_id, student_no: str, lang: str) -> tuple[bytes, str]:
    """One report card as (PDF bytes, file name): ?term (else the current term), the
    student by 学号 (a student always gets their own), in `lang` (zh unless en)."""
    term = term_for(actor, term_id, required=True)
    if actor.role == Role.STUDENT:
        student = db.session.get(Student, actor.student_id) if actor.student_id else None
        if student is None:
            raise NotFound()
    else:
        student = find_student(actor, term, student_no or "")
    data = pdf.student_card(actor, term, student, lang if lang in pdf.LABELS else "zh")
    return data, pdf.card_file_name(term, student.student_no, student.name)


# ---- job health: picked up? stalled? retry ---------------------------------------------------
# A worker claims a queued job (`claim`: started_at, attempt + 1); each progress report is a
# heartbeat. Pages only *read* this: a job queued unpicked for EXPORT_PICKUP_NOTICE_AFTER
# means no worker seems to run (or every worker is busy); a running job with no heartbeat for
# EXPORT_STALLED_AFTER is shown as stalled. The worker's periodic sweep (`fail_stalled`)
# writes those as failed; their creator or an admin of the school retries them (`retry`,
# a POST). A worker given up for dead that wakes up finds its attempt gone and writes nothing.

WAITING, STALLED = "waiting", "stalled"
NO_WORKER, WORKERS_BUSY = "no_worker", "busy"
WORKER_COMMAND = ".venv/bin/huey_consumer starrating.jobs.huey -w 2"
RETRY_REFUSED = _l("Only a failed or stalled export can be retried.")


class JobGivenUp(Exception):
    """The job this worker runs was given up for dead (or retried) meanwhile: stop, write nothing."""


def clock() -> datetime:
    """Now, for the health checks (tests put a fixed time here)."""
    return utcnow()


def pickup_notice_after():
    return current_app.config["EXPORT_PICKUP_NOTICE_AFTER"]


def stalled_after():
    return current_app.config["EXPORT_STALLED_AFTER"]


def health(job: ExportJob, now: datetime | None = None) -> str:
    """WAITING (queued, no worker took it in time), STALLED (running, no heartbeat) or ""."""
    now = now or clock()
    if job.status == "queued" and now - (job.queued_at or job.created_at) > pickup_notice_after():
        return WAITING
    last_heard = job.heartbeat_at or job.started_at or job.queued_at or job.created_at
    if job.status == "running" and now - last_heard > stalled_after():
        return STALLED
    return ""


def retryable(job: ExportJob, now: datetime | None = None) -> bool:
    return job.status == "failed" or health(job, now) == STALLED


def worker_notice(jobs: list[ExportJob], now: datetime | None = None) -> str | None:
    """What the page says about the worker when one of `jobs` waits: NO_WORKER, or
    WORKERS_BUSY when some worker has reported progress lately (one query, only then)."""
    now = now or clock()
    if not any(health(job, now) == WAITING for job in jobs):
        return None
    busy = db.session.scalar(sa.select(sa.exists().where(
        ExportJob.status == "running", ExportJob.heartbeat_at > now - stalled_after())))
    return WORKERS_BUSY if busy else NO_WORKER


def health_status(job: ExportJob, now: datetime | None = None) -> dict:
    """The health part of what the page polls."""
    now = now or clock()
    state = health(job, now)
    return {"health": state, "retryable": retryable(job, now),
            "worker": worker_notice([job], now) if state == WAITING else None}


@dataclass
class JobsPanel:
    """The reports page's list of jobs with what it says about them."""

    jobs: list[ExportJob]
    health: dict[int, str] = field(default_factory=dict)
    retryable: set[int] = field(default_factory=set)
    notice: str | None = None
    pickup_seconds: int = 30
    command: str = WORKER_COMMAND
    #: the jobs' terms and classes, loaded at once so that naming each job reads no more
    scopes: list = field(default_factory=list)


def jobs_panel(actor: User, now: datetime | None = None) -> JobsPanel:
    """The actor's recent jobs, which wait or stalled, and the worker notice (reads only)."""
    now = now or clock()
    jobs = recent_jobs(actor)
    return JobsPanel(jobs=jobs, health={job.id: health(job, now) for job in jobs},
                     retryable={job.id for job in jobs if retryable(job, now)},
                     notice=worker_notice(jobs, now),
                     pickup_seconds=int(pickup_notice_after().total_seconds()),
                     scopes=_load_scopes(jobs))


def _load_scopes(jobs: list[ExportJob]) -> list:
    """The jobs' terms and classes in two queries; `job_scope` then finds them in the
    session (the caller keeps the list, so the session keeps them)."""
    term_ids = {job.params.get("term_id") for job in jobs} - {None}
    class_ids = {job.params.get("class_id") for job in jobs} - {None}
    loaded: list = []
    if term_ids:
        loaded += db.session.scalars(sa.select(Term).where(Term.id.in_(term_ids)))
    if class_ids:
        loaded += db.session.scalars(sa.select(SchoolClass).where(SchoolClass.id.in_(class_ids)))
    return loaded


def retry(actor: User, job_id: int, now: datetime | None = None) -> ExportJob:
    """Queue a failed or stalled job again, same kind and parameters, for its creator or an
    admin of its school; the caller enqueues it once this is committed."""
    now = now or clock()
    job = get_job(actor, job_id)
    if not retryable(job, now):
        raise Conflict(RETRY_REFUSED)
    job.status, job.progress, job.total, job.error, job.file_name = "queued", 0, 0, "", None
    job.finished_at = job.started_at = job.heartbeat_at = None
    job.queued_at = now
    db.session.flush()
    return job


def claim(job_id: int, now: datetime | None = None) -> int | None:
    """A worker takes a queued job: the run's attempt number, or None when the job is not
    queued (taken by another worker, done, gone)."""
    now = now or clock()
    taken = db.session.execute(
        sa.update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, progress=0, error="",
                attempt=ExportJob.attempt + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    return db.session.scalar(sa.select(ExportJob.attempt).where(ExportJob.id == job_id))


def _this_run(job_id: int, attempt: int):
    return sa.update(ExportJob).where(ExportJob.id == job_id, ExportJob.attempt == attempt,
                                      ExportJob.status == "running")


def heartbeat(job_id: int, attempt: int, done: int, total: int,
              now: datetime | None = None) -> None:
    """Record a run's progress; JobGivenUp when the job is no longer this run's."""
    moved = db.session.execute(_this_run(job_id, attempt).values(
        progress=done, total=total, heartbeat_at=now or clock())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise JobGivenUp(job_id)


def finish(job_id: int, attempt: int, now: datetime | None = None, **values) -> bool:
    """End a run as done or failed (`values`); False when the job is no longer this run's."""
    ended = db.session.execute(_this_run(job_id, attempt).values(
        finished_at=now or clock(), heartbeat_at=now or clock(), **values)
        .execution_options(synchronize_session=False))
    return ended.rowcount == 1


def fail_stalled(now: datetime | None = None) -> int:
    """Mark the stalled jobs failed, each with a message in its creator's language (the
    worker's periodic task commits): the number marked."""
    now = now or clock()
    running = db.session.scalars(sa.select(ExportJob).where(ExportJob.status == "running"))
    stalled = [job for job in running if health(job, now) == STALLED]
    minutes = int(stalled_after().total_seconds() // 60)
    for job in stalled:
        creator = db.session.get(User, job.created_by_id) if job.created_by_id else None
        job.status, job.finished_at = "failed", now
        job.error = in_language_of(creator, _l(
            "The job worker stopped while writing this export (no progress for %(minutes)s "
            "minutes), so it was not finished. Start it again with Retry.", minutes=minutes))
    db.session.flush()
    return len(stalled)
