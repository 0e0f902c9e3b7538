"""The bank holidays that working-day periods such as the standstill skip."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..extensions import db
from ..forms import filled
from ..models import BankHoliday
from ..refusals import carry_out, refused_summary
from ..services import standstill
from ..services.errors import Refused
from . import allow, bp
from .common import form_problems
from .forms import BankHolidayForm


@bp.route("/bank-holidays", methods=["GET", "POST"])
@allow("round_admin")
def bank_holidays() -> ResponseReturnValue:
    problems: list[tuple[str, str]] = []
    form = BankHolidayForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                standstill.add_bank_holiday(filled(form.day.data), filled(form.name.data), current_user)
            except Refused as refusal:
                problems = refused_summary(refusal, default="day")
            else:
                db.session.commit()
                flash(f"{filled(form.name.data).strip()} added.")
                return redirect(url_for(".bank_holidays"))
        else:
            problems = form_problems(form)
    return render_template(
        "review/bank_holidays.html", holidays=standstill.bank_holidays(), form=form, problems=problems
    )


@bp.route("/bank-holidays/<int:holiday_id>/remove", methods=["POST"])
@allow("round_admin")
def remove_bank_holiday(holiday_id: int) -> ResponseReturnValue:
    holiday = db.session.get(BankHoliday, holiday_id) or abort(404)
    # Read before the row is deleted, for the confirmation.
    name = holiday.name
    carry_out(lambda: standstill.remove_bank_holiday(holiday, current_user), f"{name} removed.")
    return redirect(url_for(".bank_holidays"))
