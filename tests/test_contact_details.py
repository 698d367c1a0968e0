"""One filter (privacy/contact_details.py) keeps contact details out of every public
free-text field: board posts (taken out, the author told), and names, listings and
testimonials (refused, nothing stored), however the detail is disguised: invisible
characters inside it, or odd separators between its digit groups."""

from __future__ import annotations

import time
import unicodedata

import pytest

from errors import InvalidInput
from models.accounts import Account
from models.boards import BoardPost
from models.listings import Listing
from models.testimonials import Testimonial
from privacy.contact_details import ContactKind, ensure_none, public_name, scrub
from privacy.public_text import clean, skeleton
from settings import Settings
from tests import factories
from tests.conftest import client_for
from tests.test_boards import ASK, board
from tests.test_listings import CREATE, UPDATE, listing_input
from tests.test_registration import REGISTER
from tests.test_staff_lookup import correct_listing
from tests.test_testimonials import PUBLIC, QUOTE, RESPOND, SUBMIT, submitted

NUMBER = "5125550100"
# The number 512 555 0100, split by each class of character that shows nothing.
INVISIBLE = {
    "zero width joiner U+200D": "5\u200d1\u200d2\u200d5\u200d5\u200d5\u200d0\u200d1\u200d0\u200d0",
    "invisible times U+2062": "512\u2062555\u20620100",
    "invisible separator U+2063": "512\u2063555\u20630100",
    "mongolian vowel separator U+180E": "512\u180e555\u180e0100",
    "word joiner U+2060": "512\u2060555\u20600100",
    "combining grapheme joiner U+034F": "512\u034f555\u034f0100",
    "variation selector U+FE0F": "5\ufe0f12\ufe0f555\ufe0f0100",
    "ideographic variation selector U+E0100": "512\U000e0100555\U000e01000100",
    "tag character U+E0020": "512\U000e0020555\U000e00200100",
    "tag letters spelling a word": "512\U000e0078\U000e0078555\U000e00790100",
    "combining acute accents": "5\u03011\u03012\u0301 555 0100",
    "enclosing keycaps": "5\ufe0f\u20e31\ufe0f\u20e32\ufe0f\u20e3 555 0100",
    "hangul filler U+3164": "512\u3164555\u31640100",
}
# The same number with separators between its digit groups.
SEPARATED = {
    separator: separator.join(("512", "555", "0100"))
    for separator in ("|", ":", "~", "x", "+", " | ", " : ", " ~ ", " x ", " + ")
} | {
    # Named, not keyed by the character: pytest cannot select an id it wrote as "\\xb7"
    # (mutmut runs each test by its id).
    "middle dot U+00B7": "512\u00b7555\u00b70100",
    "spaced middle dot U+00B7": "512 \u00b7 555 \u00b7 0100",
    "bullet": "512\u2022555\u20220100",
    "tight commas": "512,555,0100",
    "hash": "512#555#0100",
    "braille blank": "512\u2800555\u28000100",
    "katakana middle dot": "512\u30fb555\u30fb0100",
    "multiplication sign": "512\u00d7555\u00d70100",
}
# Runs of separators, which a browser shows as one space.
SPREAD = {
    "five spaces": "512     555     0100",
    "doubled dashes": "512 - - 555 - - 0100",
    "dots and spaces": "512 . . . 555 . . . 0100",
}
DISGUISES = INVISIBLE | SEPARATED | SPREAD


def digits_of(text: str) -> str:
    """Every digit a reader sees in `text`, in order."""
    readable = unicodedata.normalize("NFKC", text)
    return "".join(character for character in readable if character.isdigit())


# The filter itself


@pytest.mark.parametrize("disguised", DISGUISES.values(), ids=DISGUISES.keys())
def test_each_disguised_number_is_found(disguised):
    cleaned, removed = scrub(f"Call {disguised} tonight")
    assert cleaned == "Call [phone removed] tonight"
    assert [detail.kind for detail in removed] == [ContactKind.PHONE]
    assert digits_of(removed[0].text) == NUMBER


@pytest.mark.parametrize(
    "disguised",
    [
        "ada\u2063@example.com",
        "ada@exa\u200dmple\u2062.com",
        "ada\U000e0020@example\u034f.com",
        "ada@exam\u0301ple.com",
        "ada\ufe0f@example.com",
    ],
)
def test_an_address_split_by_invisible_characters_is_found(disguised):
    cleaned, removed = scrub(f"Write to {disguised} today")
    assert cleaned == "Write to [email removed] today"
    assert [detail.kind for detail in removed] == [ContactKind.EMAIL]


def test_numbers_run_together_are_found():
    # two numbers in a row, or digits put after one: more digits than a number has
    assert scrub("Call 512 555 0100 512 555 0199")[0] == "Call [phone removed]"
    assert scrub("Call 512 555 0100 2026 2027 ok")[0] == "Call [phone removed] ok"
    assert scrub("Call 5125550100 5125550199")[0] == "Call [phone removed]"


def test_libphonenumber_finds_national_numbers_of_the_region():
    # a Danish number has 8 digits: found where the region is Denmark
    assert scrub("Ring 32 12 34 56", "DK")[0] == "Ring [phone removed]"
    assert scrub("Ring 32 12 34 56", "US")[0] == "Ring 32 12 34 56"


@pytest.mark.parametrize(
    "text",
    [
        "512\t\t\t\t555\t\t\t\t0100",
        "512\n555\n0100",
        "(512)\n555-0100",
        "+44\n20\n7946\n0958",
        "512 \n\n 555\n0100",
    ],
)
def test_a_number_broken_over_lines_is_found(text):
    # multi-line fields (descriptions, posts, quotes) keep line breaks, and a page may
    # show the lines side by side
    assert scrub(text, "US")[0] == "[phone removed]"


def test_amounts_and_years_on_separate_lines_stay():
    for text in ("Rates:\n150\n300\n450", "Years:\n2019\n2020\n2021", "Sets\n1\n2\n3\n4\n5"):
        assert scrub(text, "US")[0] == text


ORDINARY = [
    "Are you free on 2026-12-06 from 19:30 to 23:00?",
    "On 2026-12-06 19:30, or 2026-12-07 at 20:00.",
    "Dates: 6.12.2026 - 7.12.2026, or 12/06/2026 - 13/06/2026.",
    "Doors 19:30, sets 20:00-21:00 and 21:30-22:30; 19:30 20:30 21:30 works too.",
    "We played in 2019 2020 2021 and 2022, from 1999 to 2005 in 12 states.",
    "Fee $1,500.00 (or 1500 USD), deposit 250, 3 x 45 min; prices $150 $300 $450.",
    "Screen 1920x1080, 4 × 30 min sets, 150, 300 or 450 guests.",
    "Version 10.2.3456; sets 1 2 3 4 5 6 7; ages 10-12, 12-14.",
    "We are 4 people | 2 hours | 150 km · top 10 · 1 + 1 = 2.",
    "Great show 👨\u200d👩\u200d👧 ❤\ufe0f thanks! 🏴\U000e0067\U000e0062\U000e0065\U000e006e"
    "\U000e0067\U000e007f",
    "Rates 10% 20% 30% 40% 50%, one or two sets, seven days a week.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_survives_intact(text):
    assert scrub(text) == (text, [])
    assert ensure_none(text, "description") == text


def test_refusing_names_the_field_and_each_kind_found():
    with pytest.raises(InvalidInput) as refused:
        ensure_none("Call 512|555|0100 or ada@example.com, see example.com", "description")
    assert refused.value.field == "description"
    message = str(refused.value)
    assert "a phone number" in message and "an email address" in message
    assert "a link" in message


def test_invisible_channels_are_not_stored():
    # tag characters spelling "ada@example.com" show nothing, yet a program reads them
    hidden = "".join(chr(0xE0000 + ord(character)) for character in "ada@example.com")
    assert clean(f"Soul band{hidden}") == "Soul band"
    # as do runs of variation selectors; one after a character is kept (❤️)
    assert clean("a\ufe0f\ufe0e\U000e0100\U000e0101b ❤\ufe0f") == "a\ufe0fb ❤\ufe0f"
    assert clean("\u2063\u2062\u180e\u00ad\u200b") == ""


def test_what_clean_keeps_and_skeleton_drops_at_each_edge():
    # every variation selector, first and last of each block, is kept after a character
    # it may vary; the ideographic ones after a CJK ideograph only
    for selector in "\ufe00\ufe0f":
        assert clean(f"a{selector}") == f"a{selector}"
        assert clean(f" {selector}") == " "
    for selector in "\U000e0100\U000e01ef":
        assert clean(f"\u4e00{selector}") == f"\u4e00{selector}"
        assert clean(f"a{selector}") == "a"
    # a selector that opens the text, or follows a character without a name, varies nothing
    assert clean("\ufe0f1") == "1"
    assert clean("\U000f0000\U000e0100") == "\U000f0000"
    # a selector after a combining mark varies nothing
    assert clean("e\u0301\ufe0f") == "e\u0301"
    # a flag's tag sequence is kept whole, cancel tag included; joiners and marks stay
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert clean(f"Go {england}!") == f"Go {england}!"
    assert clean("\u200c\u200d\u200e\u200f\u061c") == "\u200c\u200d\u200e\u200f\u061c"
    # and the skeleton reads none of them, nor a Hangul filler, mapping back to the text
    seen = skeleton(f"5\ufe00 1\U000e01ef 2\u3164 3\u0301{england}")
    assert seen.text == "5 1 2 3\U0001f3f4"
    assert seen.span_in_original(0, 1) == (0, 2)
    # a digit's span takes the marks after it; the last one runs to the end of the text
    assert seen.span_in_original(6, 7) == (9, 11)
    assert seen.span_in_original(7, 8) == (11, seen.length) == (11, 18)


def test_a_public_name_keeps_its_own_writing_unless_it_holds_a_detail():
    assert public_name("Ｂａｎｄ 👨\u200d👩\u200d👧") == "Ｂａｎｄ 👨\u200d👩\u200d👧"
    assert public_name("DJ 512|555|0100") == "DJ [phone removed]"


def test_a_long_hostile_text_is_checked_in_linear_time():
    for hostile in (
        "1|" * 5_000,
        "1\u200d" * 5_000,
        "1\u20e3" * 5_000,
        "1 " * 5_000,
        "\U000e0020" * 10_000,
        "19:30 " * 1_600,
        "a@" * 5_000,
    ):
        started = time.perf_counter()
        scrub(hostile)
        assert time.perf_counter() - started < 1.0, repr(hostile[:6])


# Every public field, through the API


async def as_board_post(api, text: str) -> str:
    """Taken out and told: the stored body holds no number."""
    band = await factories.performer()
    listing = await factories.listing(band)
    variables = {"input": {"listingId": str(listing.id), "body": text, "acknowledgePublic": True}}
    asked = (await api.data(ASK, variables, token=(await factories.customer()).token))[
        "askListingQuestion"
    ]
    assert asked["__typename"] == "QuestionAsked"
    assert [detail["kind"] for detail in asked["removed"]] == ["PHONE"]
    [post] = await BoardPost.all()
    assert [question["body"] for question in await board(api, listing.id)] == [post.body]
    return post.body


async def as_name(api, text: str) -> str:
    """Refused at registration; a name stored before shows without it."""
    registered = (
        await api.data(
            REGISTER,
            {
                "input": {
                    "name": text,
                    "email": "new@example.com",
                    "password": "a long enough password",
                    "role": "PERFORMER",
                    "consents": {
                        "promotionalEmails": False,
                        "partnerPromotions": False,
                        "contactSharing": False,
                        "targetedAds": False,
                    },
                }
            },
        )
    )["register"]
    assert (registered["__typename"], registered["field"]) == ("ValidationError", "name")
    assert "a phone number" in registered["message"]
    assert not await Account.exists(email="new@example.com")
    # a name given before names were checked: the directory and the board show it clean
    band = await factories.performer(name=text)
    listing = await factories.listing(band)
    await BoardPost.create(listing_id=listing.id, author=band.account, body="Hello?")
    shown = await api.data(
        "query($id: ID!) { listing(id: $id) { performer { name } "
        "board { edges { node { askedBy } } } } }",
        {"id": str(listing.id)},
    )
    asked_by = shown["listing"]["board"]["edges"][0]["node"]["askedBy"]
    assert NUMBER not in digits_of(asked_by)
    return shown["listing"]["performer"]["name"]


async def as_listing_description(api, text: str) -> str:
    """Refused, on create and on update: nothing changes."""
    band = await factories.performer()
    created = (
        await api.data(CREATE, {"input": listing_input(description=text)}, token=band.token)
    )["createListing"]
    assert (created["__typename"], created["field"]) == ("ValidationError", "description")
    assert "a phone number" in created["message"]
    assert not await Listing.exists()
    listing = await factories.listing(band, description="Soul and funk.")
    variables = {"id": str(listing.id), "input": listing_input(description=text)}
    updated = (await api.data(UPDATE, variables, token=band.token))["updateListing"]
    assert (updated["__typename"], updated["field"]) == ("ValidationError", "description")
    return (await Listing.get(id=listing.id)).description


async def as_testimonial_quote(api, text: str) -> str:
    """Refused: the author consents to publishing exactly what they wrote."""
    ada = await factories.customer()
    submitted_ = (await api.data(SUBMIT, {"input": QUOTE | {"quote": text}}, token=ada.token))[
        "submitTestimonial"
    ]
    assert (submitted_["__typename"], submitted_["field"]) == ("ValidationError", "quote")
    assert not await Testimonial.exists()
    return ""


FIELDS = {
    "board post": as_board_post,
    "public name": as_name,
    "listing description": as_listing_description,
    "testimonial quote": as_testimonial_quote,
}


@pytest.mark.parametrize("disguised", DISGUISES.values(), ids=DISGUISES.keys())
@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
async def test_a_disguised_number_never_reaches_a_public_field(api, field, disguised):
    # when a number disguised this way is written into the field
    stored = await field(api, f"Call {disguised} tonight")
    # then what is stored and shown holds no number
    assert NUMBER not in digits_of(stored)


@pytest.mark.parametrize("text", ORDINARY)
async def test_ordinary_text_is_stored_as_written_in_every_public_field(api, text):
    ada, band = await factories.customer(), await factories.performer()
    listing = await factories.listing(band)
    variables = {"input": {"listingId": str(listing.id), "body": text, "acknowledgePublic": True}}
    asked = (await api.data(ASK, variables, token=ada.token))["askListingQuestion"]
    created = (
        await api.data(CREATE, {"input": listing_input(description=text)}, token=band.token)
    )["createListing"]
    given = (await api.data(SUBMIT, {"input": QUOTE | {"quote": text}}, token=ada.token))[
        "submitTestimonial"
    ]
    assert (asked["question"]["body"], asked["removed"]) == (text, [])
    assert (await Listing.get(id=int(created["id"]))).description == text
    assert (await Testimonial.get(id=int(given["id"]))).quote == text


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("title", "Soul band 512|555|0100"),
        ("city", "Austin ada@example.com"),
        ("state", "TX www.our-band.com"),
    ],
)
async def test_every_field_of_a_listing_is_public_and_checked(api, field, text):
    band = await factories.performer()
    result = (await api.data(CREATE, {"input": listing_input(**{field: text})}, token=band.token))[
        "createListing"
    ]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert not await Listing.exists()


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("eventType", "Wedding, call 512\u2063555\u20630100"),
        ("city", "Austin ada@example.com"),
        ("state", "TX see our-band.com"),
    ],
)
async def test_every_field_of_a_testimonial_is_public_and_checked(api, field, text):
    ada = await factories.customer()
    result = (await api.data(SUBMIT, {"input": QUOTE | {field: text}}, token=ada.token))[
        "submitTestimonial"
    ]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert not await Testimonial.exists()


async def test_staff_cannot_correct_a_contact_detail_into_a_listing(api):
    band = await factories.performer()
    listing = await factories.listing(band, description="Soul and funk.")
    clerk = await factories.staff()
    result = await correct_listing(
        api, clerk.token, listing.id, description="Book us: 512 · 555 · 0100"
    )
    assert (result["__typename"], result["field"]) == ("ValidationError", "description")
    assert (await Listing.get(id=listing.id)).description == "Soul and funk."


async def test_a_name_with_a_contact_detail_is_refused_in_a_profile_too(api):
    ada = await factories.customer(name="Ada")
    result = (
        await api.data(
            "mutation($n: String!) { updateProfile(input: {name: $n}) { __typename "
            "... on ValidationError { field message } } }",
            {"n": "Ada ada\u2063@example.com"},
            token=ada.token,
        )
    )["updateProfile"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "name")
    assert "an email address" in result["message"]
    assert (await Account.get(id=ada.account.id)).name == "Ada"


async def test_a_name_given_before_names_were_checked_is_published_without_its_number(
    api, mail_settings, inbox
):
    # given a customer whose stored name holds a number, who approves a testimonial
    ada = await factories.customer(name="Ada 512|555|0100")
    _, token = await submitted(api, mail_settings, inbox, ada)
    await api.data(RESPOND, {"token": token, "approve": True})
    # then the public sees the name without it, and so does the stored snapshot
    [shown] = [edge["node"] for edge in (await api.data(PUBLIC))["testimonials"]["edges"]]
    assert shown["authorName"] == "Ada [phone removed]"
    assert (await Testimonial.get()).published_name == "Ada [phone removed]"


async def test_an_invisible_message_is_not_stored_in_a_listing(api):
    band = await factories.performer()
    hidden = "".join(chr(0xE0000 + ord(character)) for character in "ada@example.com")
    created = (
        await api.data(
            CREATE, {"input": listing_input(description=f"Soul band{hidden}")}, token=band.token
        )
    )["createListing"]
    assert (await Listing.get(id=int(created["id"]))).description == "Soul band"


async def test_national_numbers_are_those_of_the_deployments_region(settings):
    # given a deployment in Denmark, where numbers have 8 digits
    danish = Settings(
        **settings.model_dump(exclude={"default_phone_region"}), default_phone_region="DK"
    )
    text = "Ring 32 12 34 56"
    band = await factories.performer()
    listing = await factories.listing(band)
    ada = await factories.customer()
    async for api in client_for(danish):
        # then a Danish number is caught in each public field
        post = {"listingId": str(listing.id), "body": text, "acknowledgePublic": True}
        asked = (await api.data(ASK, {"input": post}, token=ada.token))["askListingQuestion"]
        assert asked["question"]["body"] == "Ring [phone removed]"
        created = (await api.data(CREATE, {"input": listing_input(title=text)}, token=band.token))[
            "createListing"
        ]
        assert created["field"] == "title"
        given = (await api.data(SUBMIT, {"input": QUOTE | {"quote": text}}, token=ada.token))[
            "submitTestimonial"
        ]
        assert given["field"] == "quote"
        named = await api.data(
            "mutation($n: String!) { updateProfile(input: {name: $n}) { __typename "
            "... on ValidationError { field } } }",
            {"n": text},
            token=ada.token,
        )
        assert named["updateProfile"]["field"] == "name"
