"""The settings of the dreams: ages at referral, reminders and the
analytic root."""
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'connexion.dream.configuration'

    min_age = fields.Integer(
        "Minimum Age", required=True,
        help="Youngest age of a child at referral.")
    max_age = fields.Integer(
        "Maximum Age", required=True,
        help="Oldest age of a child at referral.")
    reminder_days = fields.Integer(
        "Reminder After (days)", required=True,
        help="A reminder goes to the tutor after so many days without news.")
    urgent_reminder_days = fields.Integer(
        "Urgent Reminder After (days)", required=True,
        help="The same for urgent (palliative) dreams; also caps the "
        "delay given to each step.")
    analytic_root = fields.Many2One(
        'analytic_account.account', "Analytic Root",
        domain=[('type', '=', 'root')],
        help="Each dream gets an analytic account under this root.\n"
        "Leave empty to create a root named \"Dreams\" in the "
        "association's language.")

    @staticmethod
    def default_min_age():
        return 3

    @staticmethod
    def default_max_age():
        return 17

    @staticmethod
    def default_reminder_days():
        return 30

    @staticmethod
    def default_urgent_reminder_days():
        return 7
