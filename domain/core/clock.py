"""The clock the domain and the listeners read: now, as an aware UTC time.

Storage stamps rows with the same function; it lives there because storage may not import upward.
"""

from storage.types import utcnow

__all__ = ["utcnow"]
