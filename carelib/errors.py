"""The one root of carelib's errors.

Every error carelib raises on purpose is a :class:`CarelibError`, so a notebook or
a playbook can catch them all in one place. Each subclass is also a built-in error
(``ValueError`` or ``RuntimeError``) so generic code keeps working.
"""

from __future__ import annotations

__all__ = ["CarelibError", "DataError", "ParameterError", "RunError"]


class CarelibError(Exception):
    """Root of every error raised by carelib."""


class DataError(CarelibError, ValueError):
    """Input data break a contract: the message names file, row, column, expected and found.

    ``problems`` holds one line per problem when several were found at once.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems else [message]


class ParameterError(CarelibError, ValueError):
    """A parameter has the wrong type or value: the message names it, what is allowed and what was given."""


class RunError(CarelibError, RuntimeError):
    """A notebook or playbook run failed: the message names the notebook and the cell."""
