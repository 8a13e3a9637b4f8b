"""After an erasure: what the person owned keeps working, and the remaining HR admins are told."""

from domain.core import channels
from domain.core.delivery import Outcome, Post, deliver
from domain.core.services import Services
from message_templates.render import render_message
from storage import app_settings, people


def tell_admins(services: Services, *, orphaned: tuple[str, ...]) -> int:
    """One DM to each active HR admin naming the channel settings whose chooser left (not who: they are
    erased); returns how many were told."""
    if not orphaned:
        return 0
    with services.session() as session:
        admins = [p.slack_user_id for p in people.admins(session)]
        settings = [
            {
                "what": channels.CHOSEN[key][0],
                "channel": app_settings.setting(session, key=key),
                "how": channels.CHOSEN[key][1],
            }
            for key in orphaned
        ]
    message = render_message("performance_file/owner_left.json.j2", settings=settings)
    deliver(services, Outcome(posts=[Post(uid, None, message) for uid in admins]))
    return len(admins)
