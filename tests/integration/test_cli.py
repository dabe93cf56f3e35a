"""The `opsbot` command as a user runs it: real processes, real index, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings


def run(
    settings: Settings, *args: str, stdin: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        **env,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode()
    )


def test_ask_prints_a_cited_answer(settings: Settings) -> None:
    result = run(settings, "ask", "活动上线前怎么预热?")
    assert result.returncode == 0, result.stderr
    assert "告知" in result.stdout
    assert "[1] 〔手册〕互联网运营大揭秘 › 活动运营 › 宣传推广    knowledge/playbook.md" in result.stdout
    assert "Traceback" not in result.stderr


def test_ask_json_prints_one_object(settings: Settings) -> None:
    result = run(settings, "ask", "--json", "How do we warm users up before a launch?")
    payload = json.loads(result.stdout)
    assert set(payload) == {"question", "answer", "sources", "related", "unsure"}
    assert payload["question"] == "How do we warm users up before a launch?"
    first = payload["sources"][0]
    assert first["section"] == "互联网运营大揭秘 › 活动运营 › 宣传推广"
    assert set(first) == {"source", "collection", "section", "text", "score"}
    assert first["collection"] == "手册" and isinstance(first["score"], float)
    scores = [source["score"] for source in payload["sources"]]
    assert scores == sorted(scores, reverse=True)


def test_batch_mode_answers_every_line_in_order_and_reports_bad_lines(settings: Settings) -> None:
    lines = [
        "拉新有哪些渠道?".encode(),
        b"",
        b"\xff\xfe\x00junk",
        ("x" * 50_000).encode(),
        "怎么配置 Kubernetes?".encode(),
        b"what should we check after a campaign ends?",
    ]
    result = run(settings, "ask", "--json", "-", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 6
    assert objects[0]["sources"][0]["section"].endswith("拉新")
    assert "empty" in objects[1]["error"]
    assert "not readable" in objects[2]["error"]
    assert "50,000" in objects[3]["error"]
    assert objects[4]["sources"] == []
    assert objects[5]["question"] == "what should we check after a campaign ends?"
    assert objects[5]["sources"][0]["section"].endswith("效果评估")


def test_near_and_far_questions_get_honest_replies_with_related_reading(settings: Settings) -> None:
    """Through the real index: a near miss names what is missing and lists close sections, never as sources."""
    lines = ["活动结束后 GMV 预测怎么做?", "Hi there!", "怎么搭建 Kubernetes 集群?"]
    result = run(settings, "ask", "--json", "-", stdin="\n".join(lines).encode() + b"\n")
    assert result.returncode == 0, result.stderr
    near, greeting, far = [json.loads(line) for line in result.stdout.splitlines()]
    assert near["sources"] == [] and near["answer"].startswith("手册没有讲 GMV 预测;相关的内容有:")
    assert near["related"] and all(
        item["section"].startswith("互联网运营大揭秘 › ") for item in near["related"]
    )
    assert greeting["sources"] == [] and greeting["related"] == [] and "/ops" in greeting["answer"]
    assert far["sources"] == [] and far["related"] == [] and "目前手册涵盖" in far["answer"]
    text = run(settings, "ask", "活动结束后 GMV 预测怎么做?")
    assert "相关 / related:" in text.stdout and "[1]" not in text.stdout


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   ", "empty"), ("x" * 50_000, "50,000 characters"), ("\x01\x02\x03", "control")],
)
def test_bad_questions_get_one_line_and_exit_2(settings: Settings, question: str, message: str) -> None:
    result = run(settings, "ask", question)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_binary_junk_on_the_command_line_is_refused(settings: Settings) -> None:
    environment = {
        **os.environ,
        "OPSBOT_DATA_DIR": str(settings.data_dir),
        "OPSBOT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
    }
    result = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"bot", b"ask", b"\xff\xfe\xfa\x80"],
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert b"not readable" in result.stderr and b"Traceback" not in result.stderr


def test_a_missing_knowledge_directory_is_one_line(settings: Settings, tmp_path: Path) -> None:
    result = run(settings, "ask", "活动怎么预热", OPSBOT_KNOWLEDGE_DIR=str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "OPSBOT_KNOWLEDGE_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_corrupt_index_is_rebuilt_and_said(settings: Settings) -> None:
    assert run(settings, "index").returncode == 0
    (settings.data_dir / "chroma" / "chroma.sqlite3").write_bytes(b"\x00garbage" * 512)
    result = run(settings, "ask", "活动怎么预热")
    assert result.returncode == 0, result.stderr
    assert "rebuilt" in result.stderr
    assert "[1]" in result.stdout


def test_index_reports_what_changed(settings: Settings) -> None:
    first = run(settings, "index")
    assert "1 added" in first.stdout
    second = run(settings, "index")
    assert "1 unchanged" in second.stdout and "0 passages embedded" in second.stdout


def test_configuration_errors_name_the_variable_not_the_secret(settings: Settings) -> None:
    result = run(settings, "ask", "hi", OPSBOT_LLM="no-provider", OPSBOT_LLM_API_KEY="sk-live-SECRET123")
    assert result.returncode == 2
    assert "LLM" in result.stderr and "SECRET123" not in result.stderr
    placeholder = run(settings, "ask", "hi", OPSBOT_LLM_API_KEY="changeme")
    assert placeholder.returncode == 2 and "placeholder" in placeholder.stderr


# The checklist commands run with the clock stopped on Wednesday 2026-11-25, whatever today is.
FROZEN_NOW = "2026-11-25T10:00"


def checklist(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`opsbot checklist …` with a frozen clock and no holidays.toml from the developer's directory."""
    frozen = {"OPSBOT_NOW": FROZEN_NOW, "OPSBOT_HOLIDAYS_FILE": str(settings.data_dir / "holidays.toml")}
    return run(settings, "checklist", *args, stdin=None, **{**frozen, **env})


def test_checklist_json_follows_the_contract(settings: Settings) -> None:
    result = checklist(
        settings,
        "双十二拉新活动,目标新增1万注册",
        "--launch",
        "2026-12-12",
        "--end",
        "12月14日",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["campaign"]["kind"] == "acquisition"
    assert (payload["campaign"]["launch"], payload["campaign"]["end"]) == ("2026-12-12", "2026-12-14")
    assert [stage["name"] for stage in payload["stages"]] == [
        "目的",
        "活动策划",
        "资源确认",
        "宣传推广",
        "执行跟踪",
        "效果评估",
    ]
    review = payload["stages"][-1]["items"]
    assert any(item["text"] == "复盘整个活动" and item["due"] == "2026-12-17" for item in review)
    assert all(item["compressed"] is False for stage in payload["stages"] for item in stage["items"])


def test_checklist_markdown_and_dates_in_the_description(settings: Settings) -> None:
    result = checklist(settings, "公众号内容征文 launch 2026-12-21 end 2026-12-25", "--markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# 公众号内容征文\n") and "- [ ] 复盘整个活动" in result.stdout


def test_a_2027_checklist_has_every_due_date_and_the_calendar_note(settings: Settings) -> None:
    args = ["春节拉新活动", "--launch", "2027-02-01", "--end", "2027-02-03"]
    result = checklist(settings, *args, "--json")
    assert result.returncode == 0, result.stderr
    dues = [item["due"] for stage in json.loads(result.stdout)["stages"] for item in stage["items"]]
    assert len(dues) == 19 and all(dues)
    assert "2027 年节假日未公布,按周一至周五计算" in checklist(settings, *args).stdout


def test_a_launch_four_days_away_has_no_due_date_before_today(settings: Settings) -> None:
    result = checklist(settings, "拉新活动", "--launch", "2026-11-29", "--end", "2026-12-03", "--json")
    assert result.returncode == 0, result.stderr
    items = [item for stage in json.loads(result.stdout)["stages"] for item in stage["items"]]
    assert min(item["due"] for item in items) == "2026-11-25"
    assert any(item["compressed"] for item in items)


def test_a_malformed_holidays_file_stops_the_command_naming_the_line(settings: Settings) -> None:
    holidays = settings.data_dir.parent / "holidays.toml"
    holidays.write_text("[2027]\nannounced = true\nholidays = [{ from = 2027-02-06 \n", encoding="utf-8")
    result = checklist(settings, "拉新活动", OPSBOT_HOLIDAYS_FILE=str(holidays))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert str(holidays) in result.stderr and "line 3" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["", "--launch", "2026-12-12"], "活动描述"),
        (["拉新活动", "--launch", "2026-02-30"], "not a real date"),
        (["拉新活动", "--launch", "2026-12-14", "--end", "2026-12-12"], "早于上线日期"),
        (["拉新活动", "--launch", "2020-01-01"], "已经过去"),
        (["拉新活动", "--launch", "someday"], "Could not read the date"),
    ],
)
def test_bad_checklist_requests_say_what_to_fix(settings: Settings, args: list[str], message: str) -> None:
    result = checklist(settings, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
