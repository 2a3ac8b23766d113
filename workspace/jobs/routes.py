"""/staff/jobs: jobs that gave up, for network staff to read and try again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.database import utcnow
from workspace.jobs import queue

bp = Blueprint("jobs", __name__, url_prefix="/staff/jobs")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    policy.require_staff(current_user)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    summary = queue.queue_summary()
    return render_template("jobs/index.html", pagination=queue.failed_jobs(page=page),
                           summary=summary, is_stalled=summary.is_stalled(utcnow()),
                           endpoint_args={})


@bp.route("/<int:job_id>/retry", methods=["POST"])
@login_required
def retry_job(job_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    try:
        job = queue.retry(job_id)
    except errors.Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(f"Job #{job.id} ({job.kind}) is queued again and will run shortly.", "success")
    return redirect(url_for(".index"))
