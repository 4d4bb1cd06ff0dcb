"""Ages in full years. A 29 February birthday comes on 1 March in other years."""
from __future__ import annotations

from datetime import date

MIN_REGISTRATION_AGE = 15
GUARDIAN_CONSENT_BELOW = 16  # Law 91/2025/QH15: a child's data needs a guardian's consent too


def birthday_in(birth: date, year: int) -> date:
    try:
        return birth.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years if day >= birthday_in(birth, day.year) else years - 1
