"""The outbox and the worker, against a real SMTP server on loopback: mail that loses
nothing, is sent once, and never ignores an opt-out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from mailers.enqueue import enqueue_email_changed_notice
from mailers.worker import Worker
from models.accounts import Account, AccountStatus, PrivacyPreferences
from models.outbox import MailKind, MailState, OutboundEmail
from models.purposes import Purpose
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.smtp import SmtpServer, free_port

PROMOTE = """
mutation Promote($input: PromotionInput!) {
  sendPromotion(input: $input) {
    __typename
    ... on PromotionQueued { recipients }
    ... on ValidationError { field }
  }
}
"""


async def time_passes() -> None:
    """Every queued mail's retry time arrives."""
    await OutboundEmail.filter(state=MailState.QUEUED).update(
        next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
    )


async def states() -> list[str]:
    return list(await OutboundEmail.all().order_by("id").values_list("state", flat=True))


async def test_registration_queues_a_welcome_mail_delivered_once(api, mail_settings, inbox):
    # given a registration (its mail is written in the same transaction)
    await api.data(
        """mutation { register(input: {name: "Ada", email: "ada@example.com",
        password: "a long enough password", role: CUSTOMER, consents: {promotionalEmails: false,
        partnerPromotions: false, contactSharing: false, targetedAds: false}})
        { __typename } }"""
    )
    assert await states() == [MailState.QUEUED]
    # when the worker runs twice
    first = await Worker(mail_settings).drain()
    second = await Worker(mail_settings).drain()
    # then the mail arrived once, transactional: no unsubscribe header
    assert (first.sent, second.handled) == (1, 0)
    [welcome] = inbox.to("ada@example.com")
    assert welcome["Subject"] == "Welcome to Backline"
    assert welcome["List-Unsubscribe"] is None
    assert welcome["Message-ID"].endswith("@testserver>")
    assert "Hello Ada" in welcome.get_body(("plain",)).get_content()


async def test_smtp_down_when_queued_then_up_every_mail_arrives_once(settings):
    # given three mails and no SMTP server listening
    for _ in range(3):
        await factories.customer()
        await OutboundEmail.create(
            kind=MailKind.WELCOME,
            recipient_id=(await factories.customer()).account.id,
            next_attempt_at=datetime.now(UTC),
        )
    port = free_port()
    worker = Worker(settings.model_copy(update={"smtp_port": port}))
    # when the worker tries
    tally = await worker.drain()
    # then nothing is lost: each waits for a retry with backoff
    assert tally.retried == 3
    rows = await OutboundEmail.all()
    assert {(row.state, row.attempts) for row in rows} == {(MailState.QUEUED, 1)}
    assert all(row.next_attempt_at > datetime.now(UTC) for row in rows)
    assert all("SMTP unavailable" in row.last_error for row in rows)
    # when the server comes up and the retry time arrives
    server = SmtpServer(port).start()
    try:
        await time_passes()
        tally = await worker.drain()
        await time_passes()
        again = await worker.drain()
    finally:
        server.stop()
    # then every mail arrived exactly once, with the same Message-ID it would always have
    assert (tally.sent, again.handled) == (3, 0)
    assert len({message["Message-ID"] for message in server.inbox.messages}) == 3


async def test_a_451_reply_is_retried_then_delivered(mail_settings, inbox):
    ada = await factories.customer(email="ada@example.com")
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=ada.account.id, next_attempt_at=datetime.now(UTC)
    )
    inbox.data_replies.append("451 4.3.0 Mailbox busy, try again")
    tally = await Worker(mail_settings).drain()
    assert (tally.retried, tally.sent) == (1, 1)
    assert len(inbox.to("ada@example.com")) == 1
    row = await OutboundEmail.get()
    assert (row.state, row.attempts) == (MailState.SENT, 2)


async def test_a_550_reply_marks_the_mail_failed_with_the_reason_for_staff(
    api, mail_settings, inbox
):
    ada = await factories.customer(email="ada@example.com")
    clerk = await factories.staff()
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=ada.account.id, next_attempt_at=datetime.now(UTC)
    )
    inbox.rcpt_replies.append("550 5.1.1 No such user")
    tally = await Worker(mail_settings).drain()
    assert tally.failed == 1 and inbox.messages == []
    row = await OutboundEmail.get()
    assert row.state == MailState.FAILED and row.last_error.startswith("550")
    query = "{ outboundEmails { edges { node { kind state recipientEmail lastError } } } }"
    seen = (await api.data(query, token=clerk.token))["outboundEmails"]["edges"]
    assert seen == [
        {
            "node": {
                "kind": "WELCOME",
                "state": "FAILED",
                "recipientEmail": "ada@example.com",
                "lastError": row.last_error,
            }
        }
    ]
    assert (await api.data(query, token=ada.token))["outboundEmails"]["edges"] == []


async def test_too_many_failed_attempts_give_up(settings):
    ada = await factories.customer()
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=ada.account.id, next_attempt_at=datetime.now(UTC)
    )
    worker = Worker(
        settings.model_copy(
            update={"smtp_port": free_port(), "mail_retry_base_seconds": 0, "mail_max_attempts": 3}
        )
    )
    tally = await worker.drain()
    assert (tally.retried, tally.failed) == (2, 1)
    row = await OutboundEmail.get()
    assert row.state == MailState.FAILED and row.last_error.startswith("gave up after 3 attempts")


async def test_a_promotion_goes_only_to_active_consenting_accounts(api, settings):
    # given someone for each choice, and a closed account whose choices still consent
    clerk = await factories.staff()
    own_only = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    partner_only = await factories.customer(granted=(Purpose.PARTNER_PROMOTIONS,))
    both = await factories.performer(
        granted=(Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS)
    )
    await factories.customer()
    closed = await factories.customer(
        granted=(Purpose.PROMOTIONAL_EMAILS, Purpose.PARTNER_PROMOTIONS)
    )
    await Account.filter(id=closed.account.id).update(status=AccountStatus.CANCELLED)
    # when staff send our own mailing, then one on behalf of a partner
    own = (
        await api.data(
            PROMOTE, {"input": {"subject": "Spring deals", "body": "..."}}, token=clerk.token
        )
    )["sendPromotion"]
    partner = (
        await api.data(
            PROMOTE,
            {"input": {"subject": "Guitars", "body": "...", "onBehalfOfPartner": "Strings Inc"}},
            token=clerk.token,
        )
    )["sendPromotion"]
    # then each goes to the active accounts that chose its own purpose, under that purpose
    assert (own["recipients"], partner["recipients"]) == (2, 2)

    async def queued(subject: str) -> set[tuple[int, Purpose]]:
        rows = await OutboundEmail.filter(
            kind=MailKind.PROMOTION, promotion__subject=subject
        ).values_list("recipient_id", "purpose")
        return set(rows)

    assert await queued("Spring deals") == {
        (own_only.account.id, Purpose.PROMOTIONAL_EMAILS),
        (both.account.id, Purpose.PROMOTIONAL_EMAILS),
    }
    assert await queued("Guitars") == {
        (partner_only.account.id, Purpose.PARTNER_PROMOTIONS),
        (both.account.id, Purpose.PARTNER_PROMOTIONS),
    }
    assert await OutboundEmail.filter(kind=MailKind.PROMOTION).count() == 4


async def test_only_staff_send_promotions_and_bad_input_queues_nothing(api, settings):
    keen = await factories.customer(granted=(Purpose.PROMOTIONAL_EMAILS,))
    clerk = await factories.staff()
    for token in (keen.token, None):
        result = await api.data(PROMOTE, {"input": {"subject": "Hi", "body": "..."}}, token=token)
        assert result["sendPromotion"]["__typename"] == "NotAuthorized"
    bad = await api.data(PROMOTE, {"input": {"subject": " ", "body": "..."}}, token=clerk.token)
    assert bad["sendPromotion"] == {"__typename": "ValidationError", "field": "subject"}
    assert not await OutboundEmail.filter(kind=MailKind.PROMOTION).exists()


async def test_someone_who_opts_out_after_queueing_gets_no_promotion(api, mail_settings, inbox):
    # given a promotion queued to two consenting people
    clerk = await factories.staff()
    stays = await factories.customer(
        email="stays@example.com", granted=(Purpose.PROMOTIONAL_EMAILS,)
    )
    leaves = await factories.customer(
        email="leaves@example.com", granted=(Purpose.PROMOTIONAL_EMAILS,)
    )
    await api.data(
        PROMOTE, {"input": {"subject": "Deals", "body": "Half price"}}, token=clerk.token
    )
    # when one opts out before the worker runs
    await api.data(
        "mutation { updatePrivacyPreferences(input: {promotionalEmails: false}) { __typename } }",
        token=leaves.token,
    )
    tally = await Worker(mail_settings).drain()
    # then only the other gets it, with one-click unsubscribe headers
    assert (tally.sent, tally.dropped) == (1, 1)
    assert inbox.to("leaves@example.com") == []
    [promotion] = inbox.to("stays@example.com")
    assert promotion["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
    assert promotion["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    dropped = await OutboundEmail.get(recipient_id=leaves.account.id)
    assert dropped.last_error == "consent to PROMOTIONAL_EMAILS was withdrawn"
    assert stays.account.id != leaves.account.id


async def test_two_workers_draining_one_queue_send_each_mail_once(
    mail_settings, inbox, sql_queries
):
    # given 120 queued mails
    people = [await factories.customer() for _ in range(40)]
    now = datetime.now(UTC)
    await OutboundEmail.bulk_create(
        [
            OutboundEmail(
                kind=MailKind.WELCOME, recipient_id=person.account.id, next_attempt_at=now
            )
            for person in people
            for _ in range(3)
        ]
    )
    settings = mail_settings.model_copy(update={"mail_batch_size": 7})
    # when two workers drain at once
    first, second = await asyncio.gather(Worker(settings).drain(), Worker(settings).drain())
    # then each mail went out once, and both workers took part
    assert first.sent + second.sent == 120
    assert first.sent > 0 and second.sent > 0
    assert len({message["Message-ID"] for message in inbox.messages}) == 120
    assert len(inbox.messages) == 120
    if POSTGRES_URL:
        assert any("FOR UPDATE SKIP LOCKED" in sql for sql in sql_queries.statements)


async def test_names_are_encoded_in_headers_and_escaped_in_html(mail_settings, inbox):
    zoe = await factories.customer(name="Zoë <b>Ångström</b>", email="zoe@example.com")
    await OutboundEmail.create(
        kind=MailKind.WELCOME, recipient_id=zoe.account.id, next_attempt_at=datetime.now(UTC)
    )
    await Worker(mail_settings).drain()
    [mail] = inbox.to("zoe@example.com")
    assert mail["To"].addresses[0].display_name == "Zoë <b>Ångström</b>"
    assert "Zoë &lt;b&gt;Ångström&lt;/b&gt;" in mail.get_body(("html",)).get_content()
    assert "Zoë <b>Ångström</b>" in mail.get_body(("plain",)).get_content()


async def test_a_cancelled_account_whose_choices_still_consent_gets_no_promotion(
    api, mail_settings, inbox
):
    # given a promotion queued to two consenting people
    clerk = await factories.staff()
    await factories.customer(email="keen@example.com", granted=(Purpose.PROMOTIONAL_EMAILS,))
    gone = await factories.customer(email="gone@example.com", granted=(Purpose.PROMOTIONAL_EMAILS,))
    first = {"input": {"subject": "Deals", "body": "Half price"}}
    await api.data(PROMOTE, first, token=clerk.token)
    # when one account is closed while its stored choices still say yes
    await Account.filter(id=gone.account.id).update(status=AccountStatus.CANCELLED)
    assert (await PrivacyPreferences.get(account_id=gone.account.id)).promotional_emails
    second = {"input": {"subject": "More deals", "body": "Two for one"}}
    queued = (await api.data(PROMOTE, second, token=clerk.token))["sendPromotion"]
    tally = await Worker(mail_settings).drain()
    # then the closed account is left out of the new promotion and dropped from the old
    assert queued["recipients"] == 1
    assert (tally.sent, tally.dropped) == (2, 1)
    assert inbox.to("gone@example.com") == []
    assert len(inbox.to("keen@example.com")) == 2
    dropped = await OutboundEmail.get(recipient_id=gone.account.id)
    assert dropped.last_error == "the account is closed"


async def test_an_inquiry_notice_is_not_sent_once_its_customer_cancelled(api, mail_settings, inbox):
    # given a performer about to be told of Ada's inquiry, which quotes her
    band = await factories.performer(email="band@example.com")
    ada = await factories.customer(name="Ada", granted=(Purpose.CONTACT_SHARING,))
    await factories.inquiry(ada, await factories.listing(band))
    # when Ada cancels her account before the worker runs
    await api.data("mutation { cancelAccount { __typename } }", token=ada.token)
    tally = await Worker(mail_settings).drain()
    # then the performer is not mailed her inquiry
    assert tally.dropped == 1 and inbox.to("band@example.com") == []
    notice = await OutboundEmail.get(kind=MailKind.NEW_INQUIRY)
    assert notice.state == MailState.DROPPED
    assert notice.last_error == "the person whose action caused it closed their account"


async def test_a_confirmed_change_of_address_is_told_to_the_old_address(mail_settings, inbox):
    # given Ada, whose address has just changed
    ada = await factories.customer(name="Ada", email="ada.new@example.com")
    # when the notice is queued and the worker runs
    await enqueue_email_changed_notice(ada.account, "ada.old@example.com")
    tally = await Worker(mail_settings).drain()
    # then the old address is told, transactionally, with the new one masked
    assert tally.sent == 1 and inbox.to("ada.new@example.com") == []
    [notice] = inbox.to("ada.old@example.com")
    assert notice["Subject"] == "Your Backline email address was changed"
    assert notice["List-Unsubscribe"] is None
    for part in ("plain", "html"):
        body = notice.get_body((part,)).get_content()
        assert "a***@example.com" in body and "ada.new" not in body
        assert mail_settings.support_email in body
    # and the old address is not kept once the mail is out
    row = await OutboundEmail.get()
    assert (row.kind, row.state, row.to_address) == (MailKind.EMAIL_CHANGED, MailState.SENT, None)
    assert row.purpose is None


def registration(name: str, email: str) -> str:
    return f"""mutation {{ register(input: {{name: "{name}", email: "{email}",
        password: "a long enough password", role: CUSTOMER, consents: {{promotionalEmails: false,
        partnerPromotions: false, contactSharing: false, targetedAds: false}}}})
        {{ __typename }} }}"""


async def test_an_address_with_a_non_ascii_local_part_is_mailed_with_smtputf8(
    api, mail_settings, inbox
):
    # given a registration with an address registration accepts: "jörg" before the @
    registered = await api.data(registration("Jörg Müller", "jörg@example.com"))
    assert registered["register"]["__typename"] == "AuthPayload"
    # when the worker runs, against a server that supports SMTPUTF8
    tally = await Worker(mail_settings).drain()
    # then the welcome mail arrived, to that address in the envelope and the header
    assert tally.sent == 1
    assert inbox.rcpt_tried == ["jörg@example.com"]
    [welcome] = inbox.to("jörg@example.com")
    assert welcome["To"].addresses[0].display_name == "Jörg Müller"
    assert welcome["Subject"] == "Welcome to Backline"
    assert "Hello Jörg Müller" in welcome.get_body(("plain",)).get_content()
    assert await states() == [MailState.SENT]


async def test_without_smtputf8_such_a_mail_fails_clearly_and_the_rest_go(api, settings):
    # given a server without SMTPUTF8, and three registrations: a non-ASCII local part,
    # a non-ASCII domain (which has an ASCII form) and a plain address
    server = SmtpServer(smtputf8=False).start()
    try:
        for name, email in [
            ("Jörg", "jörg@example.com"),
            ("Zoë", "zoe@exämple.com"),
            ("Ada", "ada@example.com"),
        ]:
            await api.data(registration(name, email))
        worker = Worker(settings.model_copy(update={"smtp_port": server.port}))
        # when the worker runs
        tally = await worker.drain()
        # then Jörg's mail failed at once with a reason saying why, and the worker went on
        assert (tally.sent, tally.failed, tally.retried) == (2, 1, 0)
        jorg = await OutboundEmail.get(recipient__email="jörg@example.com")
        assert jorg.state == MailState.FAILED
        assert "does not support SMTPUTF8" in jorg.last_error
        assert "jörg" not in jorg.last_error
        # and the domain went in its ASCII form, with no SMTPUTF8 needed
        assert server.inbox.to("zoe@xn--exmple-cua.com")
        assert server.inbox.to("ada@example.com")
        assert server.inbox.rcpt_tried == ["zoe@xn--exmple-cua.com", "ada@example.com"]
    finally:
        server.stop()
