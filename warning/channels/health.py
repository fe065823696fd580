"""A channel's health as one word, for the channel list, the dashboard and the API."""

from warning.db.models import Channel


def channel_health(channel: Channel) -> str:
    """Summarise a channel's health: ok, failing, gone, disabled or idle."""
    if not channel.enabled:
        return "disabled"
    if channel.gone:
        return "gone"
    if channel.consecutive_failures:
        return "failing"
    return "ok" if channel.last_run_at or channel.kind != "feed" else "idle"
