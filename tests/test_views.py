"""Every field of every view of the Connexion modules is one the web client
can draw. sao picks a widget by the field's type unless the view names one,
and has no list column for date-times: such a column stops the view from
opening ("ColumnFactory is not a constructor", issue 16, item 2, an idea's
form never opened); Tryton's own lists say widget="date" for them."""
import os
import re
import unittest

from lxml import etree

from tests.support import backend, connexion_modules


def sao_widgets():
    """{view type: widget names} that the installed sao draws, read from
    its parsers' WIDGETS tables."""
    root = os.environ.get('CONNEXION_SAO_ROOT') or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        'var', 'sao', 'node_modules', 'tryton-sao')
    with open(os.path.join(root, 'dist', 'tryton-sao.js')) as fp:
        source = fp.read()
    widgets = {}
    for view_type, parser in [('tree', 'TreeXMLViewParser'),
            ('form', 'FormXMLViewParser')]:
        table = re.search(r'Sao\.View\.%s\.WIDGETS = \{(.*?)\};' % parser,
            source, re.S).group(1)
        widgets[view_type] = set(re.findall(r"'(\w+)':", table))
    return widgets


@unittest.skipIf(backend() != 'sqlite',
    "the views do not depend on the database backend")
class ViewWidgetTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import activate_module
        activate_module(connexion_modules())

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
