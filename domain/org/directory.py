"""Emails to Slack accounts at directory speed.

users.lookupByEmail is Tier 3 (about 50 a minute): one call per person makes a 5,000-person import last
100 minutes. users.list is Tier 2 but returns up to 200 people a call, so a few rows are looked up one by
one and a larger file reads the whole directory once, matching emails here. Lookups then serve only the
few the directory did not list (an account made meanwhile, or one from another workspace of the org).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.core.progress import Progress, silent
from domain.core.slack import Slack, SlackUser

LOOKUP_MAX = 10  # up to this many emails: one lookup each beats reading the directory
PAGE_SIZE = 200  # Slack's advice for users.list; it caps a page at 1,000


@dataclass
class Resolved:
    users: dict[str, SlackUser] = field(default_factory=dict)  # email -> account (may be deleted or a bot)
    missing: set[str] = field(default_factory=set)
    listed: bool = False  # the directory was read: `missing` were not in it either
    lookups: int = 0


def resolve(gateway: Slack, emails: Iterable[str], *, progress: Progress = silent) -> Resolved:
    """`progress` counts the emails settled (found, or known to be missing) as the directory is read."""
    wanted = set(emails)
    found = Resolved()
    rest = wanted
    if len(wanted) > LOOKUP_MAX:
        found.listed = True
        for user in gateway.iter_users(page_size=PAGE_SIZE):
            if user.email in wanted and _better(user, found.users.get(user.email)):
                found.users[user.email] = user
                progress(len(found.users), len(wanted))
        rest = wanted - set(found.users)
    if len(rest) > LOOKUP_MAX:  # that many unlisted are typos or outsiders: no minute of lookups for them
        found.missing = rest
        progress(len(wanted), len(wanted))
        return found
    for email in sorted(rest):
        found.lookups += 1
        user = gateway.lookup_by_email(email)
        if user is None:
            found.missing.add(email)
        else:
            found.users[email] = user
        progress(len(found.users) + len(found.missing), len(wanted))
    return found


def _better(user: SlackUser, current: SlackUser | None) -> bool:
    """An email can sit on a deactivated account and on its active successor: the active one wins."""
    return current is None or (current.deleted and not user.deleted)
