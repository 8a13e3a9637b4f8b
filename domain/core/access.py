"""Who may do what. Decided from the person acting, never from what a payload carries."""

from storage.models import Person, Role


class Operator:
    """Whoever runs the `checkins` CLI on the server. They hold the database and its credentials already, so
    reads made for them (exports, the erasure) see everything; each is still recorded in the file read."""


OPERATOR = Operator()


def is_admin(person: Person | None) -> bool:
    return person is not None and person.active and person.role == Role.admin


def is_manager_of(viewer: Person | None, person: Person) -> bool:
    return viewer is not None and viewer.active and viewer.id is not None and person.manager_id == viewer.id


def can_read_file(viewer: Person | None, person: Person) -> bool:
    """Only the person, their manager or an HR admin."""
    if viewer is None or not viewer.active:
        return False
    return viewer.id == person.id or is_manager_of(viewer, person) or is_admin(viewer)


def can_decide_for(viewer: Person | None, person: Person) -> bool:
    """Approvals on someone's goals and reviews: their manager or an admin, never themselves."""
    if viewer is None or viewer.id == person.id:
        return False
    return is_manager_of(viewer, person) or is_admin(viewer)
