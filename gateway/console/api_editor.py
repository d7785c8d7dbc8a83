"""Console API for the widget editor: the built-in texts it shows as placeholders, and previews.

``GET /console/api/widget-defaults?lang=fr`` gives the built-in texts of both widgets in one
language, the built-in categories' titles and the choices the editor offers (positions, request
types, fields, languages). ``POST …/keys/{public_key}/preview`` takes a draft ``consent_config``
and ``rights_config``, checks them exactly as saving would (the same problems, with the same
pointers) and answers what a visitor's config requests would get for that draft, in the language
asked for, without saving anything: the editor's preview frame hands it to the real widgets.
Saving is the key's ``PATCH``, which publishes: the next config request of any visitor gets it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

import gateway.consent.config as consent_config
import gateway.rights.config as rights_config
from gateway.consent.texts import BUILTIN_TEXTS
from gateway.console.api_keys import _key
from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import InvalidQuery
from gateway.keys.changes import check_cookie_domain
from gateway.keys.problems import UnknownField
from gateway.keys.validation import validate_update
from gateway.problems import Problems
from gateway.rights.texts import TEXTS as RIGHTS_TEXTS

# What the preview's rights form is given in place of a form token: it never submits.
PREVIEW_TOKEN = "preview"
HONEYPOT = "website"


def _language(call: ConsoleCall) -> str:
    lang = call.request.query_params.get("lang") or call.body.get("lang") or "en"
    if not isinstance(lang, str) or lang not in BUILTIN_TEXTS:
        raise InvalidQuery("lang is not one of the built-in languages", extra={"parameter": "lang"})
    return lang


async def widget_defaults(call: ConsoleCall) -> Response:
    """The built-in texts of both widgets in one language, and the editor's choices."""
    lang = _language(call)
    defaults = consent_config.resolve(consent_config.parse_config(None), [lang])
    rights = {**RIGHTS_TEXTS[rights_config.DEFAULT_LANGUAGE], **RIGHTS_TEXTS[lang]}
    return json(
        {
            "lang": lang,
            "languages": sorted(BUILTIN_TEXTS),
            "consent": {
                "texts": defaults["texts"],
                "categories": {
                    c["id"]: {"title": c["title"], "description": c["description"]}
                    for c in defaults["categories"]
                },
                "positions": list(consent_config.POSITIONS),
                "theme_modes": list(consent_config.THEME_MODES),
            },
            "rights": {
                "texts": rights,
                "types": list(rights_config.REQUEST_TYPES),
                "default_types": list(rights_config.DEFAULT_TYPES),
                "fields": list(rights_config.STANDARD_FIELDS),
                "field_modes": dict(rights_config.DEFAULT_FIELD_MODES),
            },
        }
    )


async def preview(call: ConsoleCall) -> Response:
    """What visitors would get for a draft of the key's widget configs; nothing is saved."""
    key = await _key(call)
    lang = _language(call)
    body = {k: v for k, v in call.body.items() if k not in ("csrf_token", "lang")}
    problems = Problems()
    problems.unknown("", set(body) - {"consent_config", "rights_config"}, "setting")
    problems.raise_if_any("The preview takes consent_config and rights_config.", UnknownField)
    fields = validate_update(
        {
            "consent_config": body.get("consent_config"),
            "rights_config": body.get("rights_config"),
        }
    )
    # The rule saving adds on the key as a whole: the cookie domain must cover one of its origins.
    check_cookie_domain(replace(key, consent_config=fields.values["consent_config"]))
    consent = consent_config.parse_config(fields.values["consent_config"])
    rights = rights_config.parse_rights_config(fields.values["rights_config"])
    rights_lang = rights_config.resolve_language(lang, None, rights.default_language)
    form: dict[str, Any] = rights_config.public_config(rights, rights_lang)
    form.update(form_token=PREVIEW_TOKEN, min_age_ms=0, honeypot=HONEYPOT)
    return json({"consent": consent_config.resolve(consent, [lang]), "rights": form})


def routes() -> list[Route]:
    one = "/accounts/{account}/keys/{public_key}"
    return [
        console_route("/widget-defaults", widget_defaults, ["GET"]),
        console_route(one + "/preview", preview, ["POST"], role="viewer"),
    ]
