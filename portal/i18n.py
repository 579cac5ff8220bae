"""Language choice: the user's saved language, else the visitor's cookie, else Vietnamese."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

COOKIE = "lang"


def select_locale() -> str:
    """Return the interface language for this request (``vi`` or ``en``)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale
    cookie = request.cookies.get(COOKIE)
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def pick(mapping: dict | None, lang: str) -> tuple[str, bool]:
    """Return the text of a {vi, en} *mapping* in *lang*, falling back to Vietnamese.

    :return: the text (NFC) and whether it is a fallback, i.e. not written in *lang*
    """
    from portal.text import nfc

    mapping = mapping or {}
    if mapping.get(lang):
        return nfc(mapping[lang]), False
    return nfc(mapping.get("vi") or ""), lang != "vi"


def bound_gettext(translations) -> dict:
    """Return Jinja's ``gettext`` and ``ngettext`` bound to *translations* (one language).

    Flask-Babel's template functions find the request's language and catalogue again for
    every string, through the context proxies; a page has dozens of strings. These do the
    same as Jinja's "new style" gettext (autoescaping, ``%`` formatting, ``num``) with the
    catalogue found once per page.
    """
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, string, **variables):
        text = ugettext(string)
        if context.eval_ctx.autoescape:  # as Jinja does: catalogues are ours, variables escaped
            text = Markup(text)  # noqa: S704  # nosec B704
        return text % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  # nosec B704
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


def init_app(app) -> None:
    """Make the current language and helpers available to templates."""
    from flask_babel import get_locale, get_translations

    @app.context_processor
    def _inject():
        # Templates' _() and ngettext() resolve from the context first (see bound_gettext);
        # macros imported without context keep Flask-Babel's own, which give the same text.
        return {"current_locale": str(get_locale() or "vi"),
                **bound_gettext(get_translations())}

    def localized(mapping, lang=None):
        """Pick the text for the current language from a {vi, en} mapping, falling back to vi."""
        return pick(mapping, lang or str(get_locale() or "vi"))[0]

    def is_untranslated(mapping, lang=None):
        """Return whether *mapping* lacks the current language (and falls back to vi)."""
        return pick(mapping, lang or str(get_locale() or "vi"))[1]

    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["is_untranslated"] = is_untranslated
