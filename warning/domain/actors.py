"""How a user is named where what they did is recorded: "user:" and the user name.

The actor columns (handling_events.actor, review_decisions.actor, signals.disposed_by, ...)
hold ACTOR_LENGTH characters, so a user name may have at most MAX_USER_NAME: a name of
96 to 100 characters passed the user-name check, and then every action its user took
failed on PostgreSQL (value too long for type character varying(100)).
"""

ACTOR_LENGTH = 100
USER_PREFIX = "user:"
MAX_USER_NAME = ACTOR_LENGTH - len(USER_PREFIX)


def user_actor(name: str) -> str:
    """Return how the user called `name` is recorded as the actor of an event."""
    return USER_PREFIX + name
