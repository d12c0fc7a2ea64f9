"""What customers thought of the answers: ``POST /v1/feedback`` and the A/B report built on it."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragfort.server.abreport import ab_report
from ragfort.server.auth import Caller
from ragfort.server.errors import ApiError
from ragfort.server.service import ERROR, Service, caller, service, valid_text

__all__ = ["FeedbackRequest", "FeedbackResponse", "router"]

router = APIRouter(tags=["api"])


class FeedbackRequest(BaseModel):
    """A rating of one answer."""

    model_config = ConfigDict(extra="forbid")

    trace_id: str = Field(min_length=1, max_length=64, description="The answer's trace_id.")
    rating: Literal[1, -1] = Field(description="1 for thumbs up, -1 for thumbs down.")
    comment: str | None = Field(default=None, max_length=2000, description="Stored redacted.")

    @field_validator("trace_id", "comment")
    @classmethod
    def _valid_text(cls, value: str | None) -> str | None:
        return valid_text(value)


class FeedbackResponse(BaseModel):
    status: Literal["stored"]
    id: int


@router.post(
    "/v1/feedback",
    response_model=FeedbackResponse,
    status_code=201,
    responses={400: ERROR, 401: ERROR, 404: ERROR, 413: ERROR, 422: ERROR, 429: ERROR, 503: ERROR},
)
async def post_feedback(
    body: FeedbackRequest, who: Caller = Depends(caller), svc: Service = Depends(service)
) -> FeedbackResponse:
    """Rate one of the caller's answers; the comment is stored redacted."""
    svc.require_ready()
    owner = svc.sink.owner(body.trace_id, who.tenant)
    if owner is None:
        # Another tenant's trace looks exactly like a missing one.
        raise ApiError(404, f"no answer with trace_id {body.trace_id!r} for this tenant")
    comment = body.comment.strip() if body.comment else None
    if comment:
        comment = await asyncio.to_thread(svc.runtime.route(who.tenant).redactor.redact, comment)
    row = await asyncio.to_thread(
        svc.feedback.add,
        trace_id=body.trace_id, tenant=who.tenant, variant=owner.variant, rating=body.rating,
        comment=comment or None,
    )
    svc.metrics.feedback.labels("up" if body.rating > 0 else "down", owner.variant or "none").inc()
    return FeedbackResponse(status="stored", id=row)


@router.get("/v1/ab-report", responses={401: ERROR, 429: ERROR})
async def get_ab_report(who: Caller = Depends(caller), svc: Service = Depends(service)) -> dict[str, Any]:
    """The caller's variants compared (feedback, groundedness, abstention, latency)."""
    report = await asyncio.to_thread(ab_report, svc.data, tenant=who.tenant)
    return report.to_dict()
