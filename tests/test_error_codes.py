"""Every expected failure is a union member that carries a machine-readable code, and
one table maps every domain exception to its type."""

from __future__ import annotations

import errors
from schema.errors import ERROR_TYPES, Error, ErrorCode
from tests import factories


def subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | subclasses(sub)
    return found


def test_every_domain_exception_has_one_error_type_and_each_type_its_own_code():
    mapped = [exception for exception, _, _ in ERROR_TYPES]
    assert sorted(map(str, mapped)) == sorted(map(str, subclasses(errors.DomainError)))
    codes = [error_type.CODE for _, error_type, _ in ERROR_TYPES]
    assert sorted(codes, key=str) == sorted(ErrorCode, key=str)
    assert all(issubclass(error_type, Error) for _, error_type, _ in ERROR_TYPES)


async def test_an_expected_failure_answers_its_type_message_and_code(api):
    # given a registered person
    await factories.customer(email="ada@example.com")
    # when a login fails and a registration breaks a rule
    login = await api.data(
        'mutation { login(email: "ada@example.com", password: "wrong password") '
        "{ __typename ... on Error { message code } } }"
    )
    register = await api.data(
        'mutation { register(input: {name: "", email: "x@example.com", password: "long '
        'enough password", role: CUSTOMER, consents: {promotionalEmails: false, '
        "partnerPromotions: false, contactSharing: false, targetedAds: false}}) "
        "{ __typename ... on ValidationError { field code } } }"
    )
    # then each names its code beside its message
    assert login["login"] == {
        "__typename": "InvalidCredentials",
        "message": errors.InvalidCredentialsError.message,
        "code": "INVALID_CREDENTIALS",
    }
    assert register["register"] == {
        "__typename": "ValidationError",
        "field": "name",
        "code": "VALIDATION_FAILED",
    }
