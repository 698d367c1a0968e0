"""Demo data for a first look: performers in several categories and cities, and a
customer. Running it again adds nothing that is already there."""

from __future__ import annotations

from collections.abc import Callable

from models.accounts import Account, Role
from models.purposes import Purpose
from services.accounts import open_account
from services.listings import ListingFields, create_listing

DEMO_PASSWORD = "backline-demo"  # noqa: S105 (printed for people trying the demo)

PERFORMERS = [
    (
        "The Midnight Groove",
        "groove@demo.backline.example",
        [
            (
                "Wedding & party band",
                "Band",
                "Austin",
                "TX",
                "Five-piece soul and funk band; first dance to last call.",
            ),
            (
                "Jazz trio for cocktail hours",
                "Band",
                "San Antonio",
                "TX",
                "Standards and bossa nova, acoustic and quiet enough to talk over.",
            ),
        ],
    ),
    (
        "DJ Nova",
        "nova@demo.backline.example",
        [
            (
                "Club & corporate DJ",
                "DJ",
                "Chicago",
                "IL",
                "Open format, own sound and light rig, clean edits on request.",
            ),
        ],
    ),
    (
        "Marvelous Marco",
        "marco@demo.backline.example",
        [
            (
                "Close-up magic",
                "Magician",
                "Denver",
                "CO",
                "Table-side sleight of hand for weddings and company dinners.",
            ),
            (
                "Kids' birthday magic show",
                "Magician",
                "Boulder",
                "CO",
                "Forty minutes of magic, balloons and a rabbit named Gus.",
            ),
        ],
    ),
    (
        "Aria String Quartet",
        "aria@demo.backline.example",
        [
            (
                "Ceremony string quartet",
                "String Quartet",
                "Boston",
                "MA",
                "Classical and pop arrangements for ceremonies and receptions.",
            ),
        ],
    ),
    (
        "Sunny Side Face Painting",
        "sunny@demo.backline.example",
        [
            (
                "Face painting & glitter tattoos",
                "Face Painter",
                "Austin",
                "TX",
                "Hypoallergenic paints, a design board kids can choose from.",
            ),
        ],
    ),
]
CUSTOMER = ("Casey Organizer", "casey@demo.backline.example")


async def _demo_account(name: str, email: str, role: Role) -> Account | None:
    """Registers the account as a person would (the command line is not held to the
    API's registration limit); None when it exists already."""
    if await Account.exists(email=email):
        return None
    account, _token = await open_account(
        name=name,
        email=email,
        password=DEMO_PASSWORD,
        role=role,
        consents={
            Purpose.PROMOTIONAL_EMAILS: False,
            Purpose.PARTNER_PROMOTIONS: False,
            Purpose.CONTACT_SHARING: True,
            Purpose.TARGETED_ADS: False,
        },
        ip=None,
        session_days=1,
    )
    return account


def demo_accounts() -> list[tuple[str, str, Role]]:
    """Name, address and role of each demo account, for the first screen of `dev.py serve`."""
    performers = [(name, email, Role.PERFORMER) for name, email, _listings in PERFORMERS]
    return [*performers, (*CUSTOMER, Role.CUSTOMER)]


async def seed_demo(progress: Callable[[int, int], None] | None = None) -> int:
    created = 0
    for done, (name, email, listings) in enumerate(PERFORMERS, start=1):
        if progress:
            progress(done, len(PERFORMERS))
        performer = await _demo_account(name, email, Role.PERFORMER)
        if performer is None:
            continue
        created += 1
        for title, category, city, state, description in listings:
            await create_listing(
                performer, ListingFields(title, category, city, state, description)
            )
    if await _demo_account(*CUSTOMER, Role.CUSTOMER):
        created += 1
    return created
