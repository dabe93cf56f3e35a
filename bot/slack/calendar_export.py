"""Campaign calendars in Slack: the .ics file is uploaded into the requester's DM with opsbot."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.services.calendar_export import CalendarExportService
from bot.slack.replies import Replier
from bot.slack.request import SlackRequest

log = logging.getLogger(__name__)

SENT = "📅 日历文件已发到你和 opsbot 的私信,可导入 Outlook、飞书或 Google 日历 / The .ics file is in your DM with opsbot."
UPLOAD_FAILED = (
    "日历文件没能发给你(Slack 暂时拒绝了上传),请稍后再试 / "
    "I couldn't send you the calendar file: Slack refused the upload. Please try again in a minute."
)
FILE_COMMENT = "活动日历:截止日、上线与结束、提醒 / Campaign calendar: due dates, launch and end, reminders."


class CalendarResponder:
    """Each public method is one unit of work run after the acknowledgement."""

    def __init__(self, service: CalendarExportService, client: WebClient, replier: Replier) -> None:
        self.service = service
        self._client = client
        self._replier = replier

    def export_campaign(self, request: SlackRequest, campaign_id: str) -> None:
        """The **Export calendar (.ics)** button of a checklist message or a `/ops checklists` row."""
        filename, data = self.service.for_campaign(campaign_id, request.channel_id, request.user_id)
        self._send(request, filename, data)

    def export_named(self, request: SlackRequest) -> None:
        """`/ops calendar <campaign name>`."""
        filename, data = self.service.for_name(request.text, request.channel_id, request.user_id)
        self._send(request, filename, data)

    def _send(self, request: SlackRequest, filename: str, data: bytes) -> None:
        try:
            opened = self._client.conversations_open(users=request.user_id)
            self._client.files_upload_v2(
                channel=str(opened["channel"]["id"]),
                filename=filename,
                title=filename,
                content=data,
                initial_comment=FILE_COMMENT,
            )
        except (SlackApiError, SlackRequestError, OSError) as error:
            # SlackApiError: ok:false or a 5xx from the Web API; OSError: the upload URL refused the bytes.
            reason = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
            log.warning("uploading a calendar file failed: %s", reason)
            self._replier.private(request, UPLOAD_FAILED)
            return
        self._replier.private(request, SENT)
