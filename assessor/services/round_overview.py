"""A round's submissions side by side (the round overview): the dashboard, the domain comparison, and export tables.

The dashboard and the comparison read only the summary the one scoring path stores on each
submission row (``services.scores``), so a page view never rescores a round.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Self

import pandas as pd
from sqlalchemy import case, func
from sqlalchemy.orm import selectinload

from reports.charts import MAX_COMPARISON_SERIES
from scoring import RECOMMENDATION_LABELS
from scoring.results import RECOMMENDATION_ORDER

from ..extensions import db
from ..ids import parse_id
from ..models import SUBMISSION_STATUSES, Applicant, ApplicantMember, Round, Submission
from ..states import SubmissionStatus
from . import review_status
from .definitions import framework_for, questionnaire_for
from .review_status import ReviewStatus
from .scores import refresh_summaries

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

PAGE_SIZE = 50
# Drafts are unfinished: their partial scores would drag the cohort figures down.
COHORT_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW, SubmissionStatus.DECIDED)
QUARTILES = (0.25, 0.5, 0.75)

_STATUS_RANK = case(
    {status: rank for rank, status in enumerate(SUBMISSION_STATUSES)},
    value=Submission.status,
    else_=len(SUBMISSION_STATUSES),
)
_RECOMMENDATION_RANK = case(
    {r: rank for rank, r in enumerate(RECOMMENDATION_ORDER)}, value=Submission.recommendation, else_=-1
)
_PROGRESS = Submission.answered_count * 1.0 / func.nullif(Submission.required_count, 0)
_SUBMITTED = Submission.status != SubmissionStatus.DRAFT


def _once_submitted(column):
    """A draft has no outcome yet: it shows "Not submitted" and sorts after every submitted row."""
    return case((_SUBMITTED, column), else_=None)


# The RAG band is a function of the overall score, so sorting by either gives the same order.
SORTS = {
    "applicant": Applicant.name,
    "status": _STATUS_RANK,
    "progress": _PROGRESS,
    "overall": _once_submitted(Submission.overall),
    "rag": _once_submitted(Submission.overall),
    "recommendation": _once_submitted(_RECOMMENDATION_RANK),
    "awaiting": _once_submitted(Submission.awaiting_count),
}
DEFAULT_ORDER = {"applicant": "asc", "status": "asc"}


def _page_number(args: Mapping[str, str]) -> int:
    """Page 1 for junk; a page past the end is brought back once the number of pages is known."""
    return max(1, parse_id(args.get("page")) or 1)


def _one_of(value: str | None, allowed: Collection[str], default: str) -> str:
    """A query-string value if it is one the page offers, else the default."""
    return value if value is not None and value in allowed else default


@dataclass(frozen=True)
class _SortableTable:
    """Column headings shared by the paged tables: each query says its sort, order and page, and
    which direction each column starts in."""

    sort: str = ""
    order: str = "desc"
    page: int = 1

    @staticmethod
    def default_order(sort: str) -> str:
        raise NotImplementedError

    def resorted(self, sort: str) -> Self:
        """The query after choosing a column heading: the same column flips direction, another starts
        in its own default direction; either way back to page 1."""
        if sort == self.sort:
            return replace(self, order="asc" if self.order == "desc" else "desc", page=1)
        return replace(self, sort=sort, order=self.default_order(sort), page=1)


@dataclass(frozen=True)
class DashboardQuery(_SortableTable):
    status: str = ""
    recommendation: str = ""
    rag: str = ""
    sort: str = "overall"
    order: str = "desc"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], rag_labels: list[str]) -> DashboardQuery:
        """Unknown values are ignored rather than refused: a stale bookmark still shows the round."""
        sort = _one_of(args.get("sort"), SORTS, "overall")
        order = _one_of(args.get("order"), ("asc", "desc"), cls.default_order(sort))
        return cls(
            status=_one_of(args.get("status"), SUBMISSION_STATUSES, ""),
            recommendation=_one_of(args.get("recommendation"), RECOMMENDATION_LABELS, ""),
            rag=_one_of(args.get("rag"), rag_labels, ""),
            sort=sort,
            order=order,
            page=_page_number(args),
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string values for a link that keeps the current filters, with ``changes`` applied."""
        values = {
            "status": self.status,
            "recommendation": self.recommendation,
            "rag": self.rag,
            "sort": self.sort,
            "order": self.order,
            "page": self.page,
            **changes,
        }
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}

    def toggled(self, sort: str) -> dict[str, Any]:
        """Query-string values for a column-heading link."""
        return self.resorted(sort).params()

    @staticmethod
    def default_order(sort: str) -> str:
        return DEFAULT_ORDER.get(sort, "desc")


@dataclass(frozen=True)
class DashboardRow:
    submission: Submission
    gates: list[tuple[str, str]]  # none for a draft: it has no outcome yet
    status: ReviewStatus


@dataclass(frozen=True)
class DashboardPage:
    rows: list[DashboardRow]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]


def dashboard(round_: Round, query: DashboardQuery) -> DashboardPage:
    # The previous round's summaries show in the then → now column.
    refresh_summaries(round_.id, round_.previous_round_id)
    filters = [Submission.round_id == round_.id]
    if query.status:
        filters.append(Submission.status == query.status)
    # Only a submitted assessment has a recommendation and a rating to filter by.
    if query.recommendation:
        filters += [_SUBMITTED, Submission.recommendation == query.recommendation]
    if query.rag:
        filters += [_SUBMITTED, Submission.rag == query.rag]

    total = db.session.scalar(db.select(func.count(Submission.id)).where(*filters))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, pages)
    column = SORTS[query.sort]
    ordering = column.desc().nulls_last() if query.order == "desc" else column.asc().nulls_last()
    submissions = db.session.scalars(
        db.select(Submission)
        .join(Submission.applicant)
        .where(*filters)
        .order_by(ordering, Submission.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .options(
            selectinload(Submission.applicant).selectinload(Applicant.lead_organisation),
            selectinload(Submission.applicant)
            .selectinload(Applicant.members)
            .selectinload(ApplicantMember.organisation),
        )
    ).all()
    status_counts = dict(
        db.session.execute(
            db.select(Submission.status, func.count(Submission.id))
            .where(Submission.round_id == round_.id)
            .group_by(Submission.status)
        ).all()
    )
    statuses = review_status.statuses(submissions)
    rows = [
        DashboardRow(
            s,
            [(g["id"], g["outcome"]) for g in (s.result or {}).get("gates", [])] if statuses[s.id].submitted else [],
            statuses[s.id],
        )
        for s in submissions
    ]
    return DashboardPage(rows, total, page, pages, status_counts)


def rag_labels(round_: Round) -> list[str]:
    return [band.label for band in framework_for(round_).rag]


# --------------------------------------------------------------------------------------------------
# Comparison across the cohort


# Sort keys of the comparison table: the applicant's name, or one domain's score.  Domain ids come
# from the questionnaire, so they carry a prefix that keeps them apart from "applicant".
NAME_SORT = "applicant"
_DOMAIN_SORT = "domain:"
# Charted until someone chooses, so the page never opens on an empty chart.
DEFAULT_CHARTED = 3
FILTER_MAX_LENGTH = 200  # no applicant name is longer (Applicant.name), so nothing longer can match


def domain_sort(domain_id: str) -> str:
    return _DOMAIN_SORT + domain_id


# The comparison's paging, sorting and clear-filter controls are submit buttons of the same form as
# the chart's checkboxes, so moving around the table sends the ticks with it.  A sort button names
# the column chosen (RESORT_FIELD); the form's hidden sort and order say how the table was sorted.
RESORT_FIELD = "sort_by"
CLEAR_FIELD = "clear"


@dataclass(frozen=True)
class ComparisonQuery(_SortableTable):
    """The comparison table's name filter, sort and page, and the applicants chosen for the chart."""

    applicant: str = ""
    sort: str = NAME_SORT
    order: str = "asc"
    page: int = 1
    show: tuple[int, ...] = ()
    # Set once the form has been sent: from then on an empty choice means an empty chart,
    # not the default applicants, so unticking the last box sticks.
    picked: bool = False

    @classmethod
    def from_args(cls, args: MultiDict[str, str], domains: list[tuple[str, str]]) -> ComparisonQuery:
        """Like the dashboard's query, unknown values fall back to the defaults instead of failing.

        A sort button (``sort_by``) or the clear-filter button (``clear=applicant``) applies on top of
        the sort, order and filter the form carried; either starts again at page 1.
        """
        sorts = {NAME_SORT} | {domain_sort(d) for d, _ in domains}
        sort = _one_of(args.get("sort"), sorts, NAME_SORT)
        order = _one_of(args.get("order"), ("asc", "desc"), cls.default_order(sort))
        shown = (parse_id(v) for v in args.getlist("show"))
        query = cls(
            applicant=args.get("applicant", "").strip()[:FILTER_MAX_LENGTH],
            sort=sort,
            order=order,
            page=_page_number(args),
            show=tuple(dict.fromkeys(v for v in shown if v is not None)),
            picked=args.get("picked") == "1",
        )
        if args.get(CLEAR_FIELD) == "applicant":
            query = replace(query, applicant="", page=1)
        resort = args.get(RESORT_FIELD)
        if resort is not None and resort in sorts:
            query = query.resorted(resort)
        return query

    @staticmethod
    def default_order(sort: str) -> str:
        # Names read A to Z; someone sorting by a score usually wants the strongest applicants first.
        return "asc" if sort == NAME_SORT else "desc"


@dataclass(frozen=True)
class ComparisonTable:
    """One page of the comparison table, with the chart choice that applies to the whole page."""

    query: ComparisonQuery  # as shown: page within range, ``show`` the applicants actually charted
    rows: list[tuple[int, str, list[float | None]]]
    matches: int  # applicants passing the name filter
    total: int  # the whole cohort
    pages: int
    too_many: bool  # more applicants were ticked than the chart can show

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def chosen(self) -> tuple[int, ...]:
        return self.query.show

    @property
    def chosen_elsewhere(self) -> list[int]:
        """Charted applicants without a checkbox on this page: the form carries them unseen.

        Applicants listed here are left out, so unticking one of them really removes it.
        """
        here = {submission_id for submission_id, _, _ in self.rows}
        return [submission_id for submission_id in self.chosen if submission_id not in here]

    @property
    def page_numbers(self) -> list[int | None]:
        """The page buttons to offer: the first and last pages and those either side of this one, with
        None where pages are skipped, so a long table still has a short row of buttons."""
        near = {1, self.pages, self.page - 1, self.page, self.page + 1}
        numbers: list[int | None] = []
        for number in range(1, self.pages + 1):
            if number in near:
                numbers.append(number)
            elif numbers[-1] is not None:
                numbers.append(None)
        return numbers


@dataclass(frozen=True)
class Comparison:
    domains: list[tuple[str, str]]  # (id, title) in questionnaire order
    scores: pd.DataFrame  # one row per submission (index: id), one column per domain id
    names: dict[int, str]
    stats: pd.DataFrame  # rows "q1", "median", "q3", "count"; one column per domain id

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(sort key, title) of each domain column."""
        return [(domain_sort(d), title) for d, title in self.domains]

    def rows(self, submission_ids: list[int] | None = None) -> list[tuple[int, str, list[float | None]]]:
        """(submission id, applicant, domain scores) with missing scores as None, in the given order."""
        ordered = self.scores[[d for d, _ in self.domains]]
        if submission_ids is not None:
            ordered = ordered.loc[list(submission_ids)]
        values = [[None if pd.isna(v) else float(v) for v in row] for row in ordered.to_numpy().tolist()]
        return [(sid, self.names[sid], row) for sid, row in zip(ordered.index.tolist(), values, strict=True)]

    def quartiles(self) -> list[tuple[float, float, float] | None]:
        """(lower quartile, median, upper quartile) per domain, None where nothing is scored yet."""
        return [
            None if not self._stat("count", d) else (self._stat("q1", d), self._stat("median", d), self._stat("q3", d))
            for d, _ in self.domains
        ]

    def counts(self) -> list[int]:
        """How many submissions have a score in each domain."""
        return [int(self._stat("count", d)) for d, _ in self.domains]

    def _stat(self, row: str, domain_id: str) -> float:
        return self.stats[domain_id].astype(float)[row]

    def ordered_ids(self, query: ComparisonQuery) -> list[int]:
        """Submission ids passing the name filter, in the query's order.

        Names compare without regard to case, the same on every database; missing scores come last
        in both directions, and ties fall back to the name and then the id so pages never shift.
        """
        names = pd.Series([self.names[sid] for sid in self.scores.index], index=self.scores.index, dtype=object)
        folded = names.str.casefold()
        if query.applicant:
            folded = folded[folded.str.contains(query.applicant.casefold(), regex=False)]
        keys = pd.DataFrame({"name": folded, "id": folded.index}, index=folded.index)
        ascending = query.order == "asc"
        if query.sort == NAME_SORT:
            keys = keys.sort_values(["name", "id"], ascending=[ascending, True])
        else:
            keys.insert(0, "score", self.scores.loc[folded.index, query.sort[len(_DOMAIN_SORT) :]])
            keys = keys.sort_values(["score", "name", "id"], ascending=[ascending, True, True], na_position="last")
        return keys.index.tolist()

    def table(self, query: ComparisonQuery) -> ComparisonTable:
        """The page of the table the query asks for, brought within range; the chart choice settled."""
        matching = self.ordered_ids(query)
        pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
        page = min(query.page, pages)
        by_name = self.ordered_ids(ComparisonQuery())
        wanted = [sid for sid in query.show if sid in self.names]
        if not wanted and not query.picked:
            wanted = by_name[:DEFAULT_CHARTED]
        # Earlier choices (carried first by the form) win when there are too many; the chart then
        # lists its applicants by name, so the order does not depend on which page each was ticked on.
        place = {sid: position for position, sid in enumerate(by_name)}
        charted = sorted(wanted[:MAX_COMPARISON_SERIES], key=place.__getitem__)
        shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return ComparisonTable(
            query=replace(query, page=page, show=tuple(charted)),
            rows=self.rows(shown),
            matches=len(matching),
            total=len(self.names),
            pages=pages,
            too_many=len(wanted) > MAX_COMPARISON_SERIES,
        )

    def chart_inputs(
        self, chosen: tuple[int, ...] | list[int]
    ) -> tuple[list[str], list[tuple[str, list[float | None]]], list[tuple[float, float, float] | None]]:
        """Domain titles, (applicant, scores) series and cohort bands for ``reports.charts.comparison_chart``.

        The bands are the whole cohort's, whatever the table shows.  Domains nobody has a score in
        (declarations only, say) are left out: they would chart as empty rows.
        """
        quartiles = self.quartiles()
        charted = [i for i, band in enumerate(quartiles) if band is not None]
        series = [(name, [values[i] for i in charted]) for _, name, values in self.rows(list(chosen))]
        return [self.domains[i][1] for i in charted], series, [quartiles[i] for i in charted]


def domain_scores(round_: Round) -> tuple[pd.DataFrame, dict[int, str]]:
    """Stored domain scores of every submitted assessment in the round."""
    rows = db.session.execute(
        db.select(Submission.id, Applicant.name, Submission.result_json)
        .join(Submission.applicant)
        .where(
            Submission.round_id == round_.id,
            Submission.status.in_(COHORT_STATUSES),
            Submission.result_json.is_not(None),
        )
        .order_by(Applicant.name, Submission.id)
    ).all()
    domain_ids = [d.id for d in questionnaire_for(round_).domains]
    records = [json.loads(result_json)["domains"] for _, _, result_json in rows]
    frame = pd.DataFrame.from_records(records, index=[r[0] for r in rows], columns=domain_ids).astype(float)
    return frame, {submission_id: name for submission_id, name, _ in rows}


def cohort_stats(scores: pd.DataFrame) -> pd.DataFrame:
    """Lower quartile, median, upper quartile and count per domain; unscored domains are left out."""
    quartiles = scores.quantile(list(QUARTILES))
    quartiles.index = ["q1", "median", "q3"]
    return pd.concat([quartiles, scores.count().to_frame("count").T])


def comparison(round_: Round) -> Comparison:
    scores, names = domain_scores(round_)
    domains = [(d.id, d.title) for d in questionnaire_for(round_).domains]
    return Comparison(domains, scores, names, cohort_stats(scores))
