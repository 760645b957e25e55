"""Portal pages as Genshi templates, and French typography.

Pages are Genshi templates (escaped by default) in each module's
``templates/`` folder, each registered as an ``ir.action.report`` of its
module (see ``portal.xml``) so that Tryton extracts their strings and
translates them through the module's ``fr.po``, as it does for web_user's
e-mails. A page includes the one layout (``LAYOUT``: header, menu,
messages, footer) and the form controls of ``templates/portal_fields.html``.
State labels come from the models' translated selections (``selection``).

Every page goes through ``french_spaces`` (non-breaking spaces before
« ? ! : ; »): write ordinary spaces.
"""
import html
import os
import re

from genshi.core import END, START, TEXT, Markup
from genshi.filters import Translator
from genshi.template import TemplateLoader

from trytond.pool import Pool
from trytond.tools import find_path
from trytond.transaction import Transaction

# French typography: a non-breaking space before « ? ! ; » (narrow, U+202F)
# and « : » (U+00A0), so that a phone never starts a line with them.
_BEFORE_PUNCTUATION = re.compile(r'[ \t\n]+([?!;:»])')
_AFTER_QUOTE = re.compile(r'«[ \t\n]+')
_TAG = re.compile(r'(<[^>]*>)')
_SHOWN_ATTRIBUTE = re.compile(
    r'(\s(?:placeholder|title|aria-label|alt)=")([^"]*)(")')
_RAW_ELEMENTS = ('textarea', 'style', 'script', 'pre')


def _french_spaces(text):
    text = _BEFORE_PUNCTUATION.sub(
        lambda m: ('\u00a0' if m.group(1) in ':»' else '\u202f')
        + m.group(1), text)
    return _AFTER_QUOTE.sub('«\u00a0', text)


def french_spaces(page):
    """The HTML page with French non-breaking spaces in its text and shown
    attributes, never inside a tag's other attributes (URLs, typed values)
    nor a textarea (what the volunteer typed is sent back as typed)."""
    parts = _TAG.split(page)
    raw = None
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part[1:].split(None, 1)[0].rstrip('>').lower() \
                if len(part) > 2 else ''
            if raw:
                if name == '/' + raw:
                    raw = None
                continue
            if name in _RAW_ELEMENTS:
                raw = name
            parts[i] = _SHOWN_ATTRIBUTE.sub(
                lambda m: m.group(1) + _french_spaces(m.group(2))
                + m.group(3), part)
        elif not raw:
            parts[i] = _french_spaces(part)
    return ''.join(parts)


# Templates: Genshi, escaped by default, one layout for every page
# (templates/portal_layout.html, included by each page).

LAYOUT = 'connexion_portal/templates/portal_layout.html'
_RAW_ELEMENTS_TAGS = frozenset(_RAW_ELEMENTS)
_NEWLINES = re.compile(r'\s*\n\s*')
# Absolute path → 'module/templates/name.html' of the loaded templates.
_TEMPLATE_NAMES = {}
# The reports of the loaded templates.
_REPORT_NAMES = []


class Translations:
    """gettext of a template's strings: its report's ir.translation in the
    transaction's language (trytond's report TranslateFactory, with the
    pool of the request's database).

    Genshi runs the i18n:msg of an included template (the layout's footer,
    a macro) with the gettext of the page that includes it: a text the
    report does not translate is looked up in the other templates'."""

    def __init__(self, report_name):
        self.report_name = report_name

    def gettext(self, text):
        Translation = Pool().get('ir.translation')
        for name in [self.report_name] + _REPORT_NAMES:
            translation = Translation.get_report(name, text)
            if translation != text:
                return translation
        return text

    def ngettext(self, singular, plural, n):
        return Pool().get('ir.translation').get_report(
            self.report_name, singular, plural, n)


def _template_file(name):
    "A template of a module, 'connexion_ideas/templates/x.html'."
    try:
        path = find_path(name)
    except (ImportError, ValueError) as exception:
        raise IOError(str(exception))
    fileobj = open(path, 'rb')
    mtime = os.path.getmtime(path)
    _TEMPLATE_NAMES[path] = name
    # The absolute path as its name: the includes it holds are names from
    # the modules' root, never relative to it.
    return path, path, fileobj, lambda: os.path.getmtime(path) == mtime


def _translated(template):
    "Translate the template's strings with those of its report."
    name = _TEMPLATE_NAMES.get(template.filepath, template.filename)
    with Transaction().set_context(active_test=False):
        reports = Pool().get('ir.action.report').search(
            [('report', '=', name)], limit=1)
    if reports:
        report_name = reports[0].report_name
        if report_name not in _REPORT_NAMES:
            _REPORT_NAMES.append(report_name)
        Translator(Translations(report_name)).setup(template)


# auto_reload: an included template (the layout) is rendered by itself, with
# its own translations, instead of being inlined in the page.
_loader = TemplateLoader([_template_file], callback=_translated,
    auto_reload=True)


def _compact(stream):
    """The template's line breaks and indentation left out of the page
    (text areas and preformatted text kept as they are), and text escaped
    quotes included, as html.escape does."""
    raw = 0
    for kind, data, pos in stream:
        if kind is START and data[0].localname in _RAW_ELEMENTS_TAGS:
            raw += 1
        elif kind is END and data.localname in _RAW_ELEMENTS_TAGS:
            raw -= 1
        elif kind is TEXT and not isinstance(data, Markup):
            if not raw and '\n' in data:
                data = _NEWLINES.sub(' ', data)
                if not data.strip():
                    continue
            data = Markup(html.escape(data))
        yield kind, data, pos


def render_fragment(name, **values):
    "A part of a page from the template name, without the layout."
    return Markup(render_template(name, doctype=None, **values))


def selection(Model, name):
    "The labels of the selection field name, in the page's language."
    return dict(Model.fields_get([name])[name]['selection'])


def render_template(name, doctype='html5', **values):
    "The HTML of the template name ('module/templates/x.html') with values."
    template = _loader.load(name)
    stream = template.generate(**values).filter(_compact)
    return stream.render('html', doctype=doctype, encoding=None)

