"""Every field of every view of the Connexion modules is one the web client
can draw. sao picks a widget by the field's type unless the view names one,
and has no list column for date-times: such a column stops the view from
opening ("ColumnFactory is not a constructor", issue 16, item 2, an idea's
form never opened); Tryton's own lists say widget="date" for them."""
import os
import re
import unittest

from lxml import etree

from connexion_asso.tests.database import DatabaseTestCase

from tests.support import backend, connexion_modules


def sao_source():
    "The installed sao's script."
    root = os.environ.get('CONNEXION_SAO_ROOT') or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        'var', 'sao', 'node_modules', 'tryton-sao')
    with open(os.path.join(root, 'dist', 'tryton-sao.js')) as fp:
        return fp.read()


def sao_icons():
    "The icons sao ships (LOCAL_ICONS); the others come from ir.ui.icon."
    table = re.search(r'Sao\.common\.LOCAL_ICONS = \[(.*?)\];',
        sao_source(), re.S).group(1)
    return set(re.findall(r"'([\w-]+)'", table))


def sao_widgets():
    """{view type: widget names} that the installed sao draws, read from
    its parsers' WIDGETS tables."""
    source = sao_source()
    widgets = {}
    for view_type, parser in [('tree', 'TreeXMLViewParser'),
            ('form', 'FormXMLViewParser')]:
        table = re.search(r'Sao\.View\.%s\.WIDGETS = \{(.*?)\};' % parser,
            source, re.S).group(1)
        widgets[view_type] = set(re.findall(r"'(\w+)':", table))
    return widgets


@unittest.skipIf(backend() != 'sqlite',
    "the views do not depend on the database backend")
class ViewWidgetTest(DatabaseTestCase):
    modules = connexion_modules()

    def test_every_field_has_a_sao_widget(self):
        "Each list and form field of the Connexion views has a sao widget"
        from trytond.pool import Pool
        from trytond.tests.test_tryton import DB_NAME
        from trytond.transaction import Transaction
        widgets = sao_widgets()
        with Transaction().start(DB_NAME, 0, context={'language': 'fr'}):
            pool = Pool()
            View = pool.get('ir.ui.view')
            ours = View.search([('module', 'like', 'connexion_%')])
            # Tryton's views that ours extend are checked with our fields.
            views = {v.inherit or v for v in ours}
            views = [v for v in views if v.type in {'tree', 'form'}]
            self.assertTrue(views)
            for view in views:
                Model = pool.get(view.model)
                result = Model.fields_view_get(view.id, view.type)
                arch = etree.fromstring(result['arch'])
                for node in arch.iter('field'):
                    widget = node.get('widget') or result['fields'][
                        node.get('name')]['type']
                    with self.subTest(view=view.name or view.model,
                            field=node.get('name')):
                        self.assertIn(widget, widgets[view.type])

    def test_every_icon_exists(self):
        """Each icon our views and menus name is one sao ships or one
        registered in ir.ui.icon: sao logs 'Unknown icon' otherwise and the
        button has none ('tryton-pause' on the recurring donation form)"""
        from trytond.pool import Pool
        from trytond.tests.test_tryton import DB_NAME
        from trytond.transaction import Transaction
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            View = pool.get('ir.ui.view')
            Icon = pool.get('ir.ui.icon')
            Menu = pool.get('ir.ui.menu')
            icons = sao_icons() | {name for _, name in Icon.list_icons()}
            for view in View.search([('module', 'like', 'connexion_%')]):
                arch = etree.fromstring(view.arch)
                for node in arch.xpath('//*[@icon][not(self::field)]'):
                    with self.subTest(view=view.name or view.model,
                            node=node.get('name') or node.get('id')):
                        self.assertTrue(node.get('icon') in icons,
                            f"unknown icon {node.get('icon')}")
            for menu in Menu.search([]):
                if menu.icon:
                    with self.subTest(menu=menu.complete_name):
                        self.assertTrue(menu.icon in icons,
                            f"unknown icon {menu.icon}")
