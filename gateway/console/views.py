"""What the console API shows of a person: never a hash or a secret."""

from __future__ import annotations

from typing import Any

from gateway.accounts.records import Person


def person_view(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "email": person.email,
        "name": person.name,
        "two_factor": person.two_factor,
        "password_changed_at": person.password_changed_at,
    }
