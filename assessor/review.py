"""Commissioner review: round dashboard, one submission's scores and trace, moderation, panel report."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DecimalField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from .extensions import db
from .models import SUBMISSION_STATUSES, Round, Submission
from .services import access
from .services.answers import answer_rows, evidence_rows
from .services.moderation import moderate
from .services.reporting import panel_report_pdf
from .services.scores import score
from .services.submissions import NotAllowed, reopen, storage

bp = Blueprint("review", __name__, url_prefix="/review")

MODERATING_ROLES = {"moderator", "site_admin"}
REOPENING_ROLES = {"moderator", "round_admin", "site_admin"}


@bp.before_request
@login_required
def _commissioners_only():
    # The single authorisation gate of this blueprint: providers never reach review pages.
    if not current_user.is_commissioner:
        abort(403)


def _require_role(roles: set[str]) -> None:
    if current_user.role not in roles:
        abort(403)


class ModerationForm(FlaskForm):
    score = DecimalField("Moderated score (0 to 1)", places=2,
                         validators=[DataRequired("Enter a score between 0 and 1"),
                                     NumberRange(min=0, max=1, message="Enter a score between 0 and 1")])
    rationale = TextAreaField("Rationale", validators=[DataRequired("Explain the moderated score"),
                                                       Length(max=5000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField("Reason for reopening", validators=[DataRequired("Give a reason"), Length(max=2000)])


@bp.route("/")
def home():
    rounds = db.session.scalars(db.select(Round).order_by(Round.id)).all()
    return render_template("review/home.html", rounds=rounds)


SORT_COLUMNS = {
    "applicant": None,
    "status": Submission.status,
    "overall": Submission.overall,
    "recommendation": Submission.recommendation,
}


@bp.route("/rounds/<int:round_id>")
def dashboard(round_id: int):
    round_ = db.session.get(Round, round_id) or abort(404)
    query = db.select(Submission).filter_by(round_id=round_.id)
    status = request.args.get("status")
    if status in SUBMISSION_STATUSES:
        query = query.filter_by(status=status)
    recommendation = request.args.get("recommendation")
    if recommendation:
        query = query.filter_by(recommendation=recommendation)
    rag = request.args.get("rag")
    if rag:
        query = query.filter_by(rag=rag)
    sort = request.args.get("sort", "overall")
    column = SORT_COLUMNS.get(sort, Submission.overall)
    descending = request.args.get("order", "desc") == "desc"
    if column is not None:
        query = query.order_by(column.desc().nulls_last() if descending else column.asc().nulls_last())
    submissions = db.session.scalars(query.order_by(Submission.id)).all()
    return render_template("review/dashboard.html", round=round_, submissions=submissions,
                           statuses=SUBMISSION_STATUSES, filters=request.args)


@bp.route("/submissions/<int:submission_id>")
def submission(submission_id: int):
    submission = access.submission_for(current_user, submission_id)
    inputs, result = score(submission)
    db.session.commit()
    return render_template(
        "review/submission.html", submission=submission, questionnaire=inputs.questionnaire,
        framework=inputs.framework, result=result, answers=answer_rows(submission),
        evidence=evidence_rows(submission), moderation_form=ModerationForm(),
        reopen_form=ReopenForm(), can_moderate=current_user.role in MODERATING_ROLES,
        can_reopen=current_user.role in REOPENING_ROLES,
    )


@bp.route("/submissions/<int:submission_id>/moderate/<question_id>", methods=["POST"])
def moderate_question(submission_id: int, question_id: str):
    _require_role(MODERATING_ROLES)
    submission = access.submission_for(current_user, submission_id)
    form = ModerationForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return redirect(url_for(".submission", submission_id=submission.id, _anchor=f"q-{question_id}"))
    try:
        moderate(submission, question_id, float(form.score.data), form.rationale.data, current_user)
    except NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".submission", submission_id=submission.id))
    score(submission)
    db.session.commit()
    flash(f"Moderated score recorded for {question_id}.")
    return redirect(url_for(".submission", submission_id=submission.id, _anchor=f"q-{question_id}"))


@bp.route("/submissions/<int:submission_id>/reopen", methods=["POST"])
def reopen_submission(submission_id: int):
    _require_role(REOPENING_ROLES)
    submission = access.submission_for(current_user, submission_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash("Give a reason for reopening the submission.", "error")
        return redirect(url_for(".submission", submission_id=submission.id))
    try:
        reopen(submission, current_user, form.reason.data)
    except NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".submission", submission_id=submission.id))
    db.session.commit()
    flash("The submission is open for the provider to edit again.")
    return redirect(url_for(".submission", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/report.pdf")
def panel_report(submission_id: int):
    submission = access.submission_for(current_user, submission_id)
    pdf = panel_report_pdf(submission, current_user)
    db.session.commit()
    filename = f"panel-report-{submission.id}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/submissions/<int:submission_id>/evidence/<int:evidence_id>")
def download_evidence(submission_id: int, evidence_id: int):
    _, evidence = access.evidence_for(current_user, submission_id, evidence_id)
    return send_file(storage().path(evidence.stored_name), mimetype=evidence.content_type,
                     as_attachment=True, download_name=evidence.original_name)
