"""Hostile definition files are refused safely by `flask questionnaire validate` and `import`."""

from __future__ import annotations

import pytest

from assessor.extensions import db
from assessor.models import Definition


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def _hostile_files(marker) -> dict[str, bytes]:
    return {
        "malformed.yaml": b"id: broken\ndomains:\n  - id: strategy\n    title: [unclosed\n",
        "python-object.yaml": f"!!python/object/apply:os.system ['touch {marker}']\n".encode(),
        "python-in-value.yaml": f"id: x\ntitle: !!python/object/apply:os.system ['touch {marker}']\n".encode(),
        "custom-tag.yaml": b"id: x\ntitle: !include /etc/passwd\n",
        "huge.yaml": b"id: huge\n# " + b"x" * (2 * 1024 * 1024) + b"\n",
        "billion-laughs.yaml": _billion_laughs().encode(),
        "deep.yaml": b"id: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "not-text.yaml": b"\xff\xfe\x00\x00\x80\x81binary",
        "empty.yaml": b"",
        "a-list.yaml": b"- just\n- a list\n",
    }


@pytest.mark.parametrize("command", ["validate", "import"])
def test_hostile_definition_files_are_refused_with_a_message_and_change_nothing(app, data, tmp_path, command):
    marker = tmp_path / "code-ran"
    runner = app.test_cli_runner()
    with data() as session:
        before = session.scalar(db.select(db.func.count()).select_from(Definition))
    failures = []
    for name, content in _hostile_files(marker).items():
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(args=["questionnaire", command, str(path)])
        output = result.output + (
            str(result.exception) if result.exception and not isinstance(result.exception, SystemExit) else ""
        )
        if result.exit_code == 0:
            failures.append(f"{name}: accepted")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            failures.append(f"{name}: crashed with {result.exception!r}")
        if not result.output.strip():
            failures.append(f"{name}: refused without saying why")
        if "Traceback" in output:
            failures.append(f"{name}: printed a traceback")
    assert not failures, "\n".join(failures)
    assert not marker.exists(), "a YAML tag ran code"
    with data() as session:
        assert session.scalar(db.select(db.func.count()).select_from(Definition)) == before
