"""The plan comptable associatif is account_fr's chart completed by the
templates of chart.xml: Tryton's wizards create and update it. The modules
that post to it find their accounts by template, as Tryton's own
create-chart wizard does."""
from trytond.pool import Pool
from trytond.transaction import Transaction


def template_account(xml_id, company=None):
    """The account created from the template of xml_id ('module.fs_id') in
    the company's chart (the context's company by default), or None."""
    pool = Pool()
    Account = pool.get('account.account')
    ModelData = pool.get('ir.model.data')
    if company is None:
        company = Transaction().context.get('company')
    if company is None or company < 0:
        return None
    try:
        template = ModelData.get_id(xml_id)
    except KeyError:
        return None
    accounts = Account.search([
            ('company', '=', company),
            ('template', '=', template),
            ], limit=1)
    return accounts[0].id if accounts else None
