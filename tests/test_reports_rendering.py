"""Report building blocks without the app: charts, strengths and weaknesses, and the renderer's safety."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from xml.etree import ElementTree

from pypdf import PdfReader

from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH, load_framework, load_questionnaire
from reports.charts import dot_chart, radar_chart
from reports.content import ranked_questions
from reports.rendering import html_to_pdf
from scoring import score_submission
from scoring.synthetic import random_answers, random_moderation

SVG = "{http://www.w3.org/2000/svg}"
DEMO = Path(__file__).resolve().parent.parent / "assessor" / "demo"


def _series_outlines(svg: ElementTree.Element) -> list[ElementTree.Element]:
    # Grid rings are thin grey; the series outlines are everything else drawn as a polygon.
    return [p for p in svg.iter(f"{SVG}polygon") if p.get("stroke") != "#999" and p.get("points").count(" ") >= 2]


def test_radar_chart_draws_each_series_distinguishably_without_colour():
    axes = ["Strategy", "IT <data> & informatics", "Governance"]
    svg = ElementTree.fromstring(
        radar_chart(axes, [('Self "assessed"', [60.0, None, 80.0]), ("Moderated", [70.0, 40.0, 90.0])], title="Profile")
    )
    outlines = _series_outlines(svg)
    assert len(outlines) == 2
    # Greyscale print keeps line pattern and marker shape, so those must differ between the series.
    assert outlines[0].get("stroke-dasharray") != outlines[1].get("stroke-dasharray")
    assert svg.findall(f"{SVG}rect") and svg.findall(f"{SVG}circle")
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "IT <data> & informatics (not scored)" in labels
    assert 'Self "assessed"' in labels
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Profile"
    assert "IT <data> & informatics not scored" in svg.find(f"{SVG}desc").text


def test_dot_chart_has_one_marker_per_score_and_a_dashed_median_per_row():
    rows = ["Strategy", "Culture", "Overall"]
    series = [("Alliance", [80.0, 55.5, None]), ("Federation", [40.0, 70.0, 52.0]), ("Trust", [90.0, 90.0, 90.0])]
    svg = ElementTree.fromstring(dot_chart(rows, series, title="Cohort", reference=[60.0, None, 70.0]))
    shapes = (
        len(svg.findall(f"{SVG}circle"))
        + len(svg.findall(f"{SVG}polygon"))
        + len([r for r in svg.findall(f"{SVG}rect") if r.get("width") == r.get("height")])
    )
    legend_entries = len(series)
    assert shapes == sum(v is not None for _, values in series for v in values) + legend_entries
    dashed = [line for line in svg.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2


def test_strengths_and_weaknesses_are_the_extremes_and_never_awaiting():
    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
    framework = load_framework(DEFAULT_FRAMEWORK_PATH, questionnaire=questionnaire)
    moderation = json.loads((DEMO / "moderation.json").read_text())
    cases = [
        (json.loads((DEMO / f"{name}.json").read_text()), moderation[key])
        for name, key in (("alliance", "alliance"), ("gp_federation", "gp_federation"))
    ]
    rng = random.Random(7)
    cases += [(random_answers(rng, questionnaire), random_moderation(rng, questionnaire)) for _ in range(20)]
    cases.append((json.loads((DEMO / "gp_federation.json").read_text()), {}))
    for answers, moderated in cases:
        result = score_submission(questionnaire, framework, answers, moderated)
        strengths, weaknesses = ranked_questions(result, questionnaire, count=4)
        settled = [
            q
            for d in result.domains
            for q in d.questions
            if q.visible and q.weight > 0 and q.score is not None and not q.awaiting_evaluation
        ]
        chosen = {r.score.id for r in strengths} | {r.score.id for r in weaknesses}
        assert len(chosen) == len(strengths) + len(weaknesses)
        assert not chosen & set(result.awaiting_evaluation)
        assert all(r.score.score > 0 for r in strengths) and all(r.score.score < 1 for r in weaknesses)
        others = [q.score for q in settled if q.id not in chosen]
        if strengths and len(strengths) == 4:
            assert min(r.score.score for r in strengths) >= max(others, default=0)
        if weaknesses and len(weaknesses) == 4:
            assert max(r.score.score for r in weaknesses) <= min(others, default=1)


def test_rendering_fetches_nothing_and_tags_the_pdf(tmp_path):
    from PIL import Image
    from weasyprint import HTML

    picture = tmp_path / "secret.png"
    Image.new("RGB", (20, 20), "red").save(picture)
    html = (
        f'<!DOCTYPE html><html lang="en-GB"><head><title>Probe</title></head>'
        f'<body><h1>Probe</h1><img src="{picture.as_uri()}" alt="local file"></body></html>'
    )
    # Control: WeasyPrint's own fetcher would embed the local file.
    assert PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages[0].images
    reader = PdfReader(io.BytesIO(html_to_pdf(html)))
    assert not reader.pages[0].images
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Probe"
