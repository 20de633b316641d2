"""Export jobs: who may start which export, where its file goes, what the page shows.

The work itself runs on the queue (starrating/jobs.py): `start_export` only records an
ExportJob; `execute` writes the file and reports progress through a callback (the queue
task commits it). Files live under <files>/exports/, never under static/.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ...errors import NotFound, PermissionDenied, ValidationFailed
from ...extensions import db
from ...models import ExportJob, Role, SchoolClass, Term, User
from ..access import same_school
from . import pdf, xlsx
from .common import ensure_class_export, ensure_term_export, safe_file_part

KINDS = ("xlsx", "cards")
SUFFIX = {"xlsx": ".xlsx", "cards": ".zip"}
MIMETYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}
RECENT_JOBS = 20


def exports_dir() -> Path:
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_export(actor: User | None, kind: str, term: Term,
                 school_class: SchoolClass | None = None, lang: str = "zh") -> ExportJob:
    """Record a queued export after checking the actor may have it; the caller enqueues it."""
    if kind not in KINDS:
        raise ValidationFailed(errors={"kind": ["unknown export"]})
    if lang not in pdf.LABELS:
        lang = "zh"
    if school_class is None:
        ensure_term_export(actor, term)
    else:
        ensure_class_export(actor, term, school_class)
    job = ExportJob(school_id=term.school_id, kind=kind,
                    params={"term_id": term.id,
                            "class_id": school_class.id if school_class else None,
                            "lang": lang},
                    status="queued", created_by_id=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    return job


def get_job(actor: User, job_id: int) -> ExportJob:
    """A job its creator, or an admin of its school, may see."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        raise NotFound()
    if job.created_by_id == actor.id:
        return job
    if actor.role == Role.ADMIN and job.school_id is not None and same_school(actor,
                                                                               job.school_id):
        return job
    raise PermissionDenied()


def recent_jobs(actor: User) -> list[ExportJob]:
    query = sa.select(ExportJob).order_by(ExportJob.id.desc()).limit(RECENT_JOBS)
    if actor.role == Role.ADMIN and actor.school_id is not None:
        query = query.where(ExportJob.school_id == actor.school_id)
    elif actor.role != Role.ADMIN:
        query = query.where(ExportJob.created_by_id == actor.id)
    return list(db.session.scalars(query))


def job_scope(job: ExportJob) -> tuple[Term, SchoolClass | None]:
    term = db.session.get(Term, job.params["term_id"])
    if term is None:
        raise NotFound()
    class_id = job.params.get("class_id")
    school_class = db.session.get(SchoolClass, class_id) if class_id else None
    if class_id and school_class is None:
        raise NotFound()
    return term, school_class


def download_name(job: ExportJob) -> str:
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
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def execute(job: ExportJob, progress: Callable[[int, int], None]) -> str:
    """Write the job's file (re-checking its creator's rights); returns the file name.

    Written under a temporary name and renamed, so a half-written file is never served.
    """
    term, school_class = job_scope(job)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    name = f"{job.id}-{secrets.token_hex(8)}{SUFFIX[job.kind]}"
    final = exports_dir() / name
    partial = final.with_suffix(final.suffix + ".part")
    try:
        if job.kind == "xlsx":
            total = xlsx.count_results(term, school_class)
            progress(0, total)
            xlsx.write_workbook(actor, term, str(partial), school_class,
                                progress=lambda done: progress(done, total))
            progress(total, total)
        else:
            pdf.write_cards_zip(actor, term, str(partial), school_class,
                                lang=job.params.get("lang", "zh"), progress=progress)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return name


def exportable_classes(actor: User, term: Term | None) -> list[SchoolClass]:
    """Classes whose exports the actor may start: all the school's (admin), or their own."""
    if term is None:
        return []
    query = (sa.select(SchoolClass).where(SchoolClass.school_id == term.school_id)
             .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        return list(db.session.scalars(query))
    if actor.role == Role.TEACHER:
        from ..access import teacher_class_ids

        ids = teacher_class_ids(actor, term)
        return [c for c in db.session.scalars(query.where(SchoolClass.id.in_(ids)))] if ids else []
    return []


def find_student(actor: User, term: Term, student_no: str):
    """The term school's student with this 学号 (access is checked by the card itself)."""
    from ...models import Student

    student = db.session.scalar(sa.select(Student).where(
        Student.school_id == term.school_id, Student.student_no == student_no.strip()))
    if student is None:
        raise NotFound()
    return student
