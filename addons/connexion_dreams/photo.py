"""The photos of a dream, kept only with the image-rights consent."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields

from .exceptions import ImageRightsError


class Photo(ModelSQL, ModelView):
    __name__ = 'connexion.dream.photo'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    image = fields.Binary("Image", required=True, filename='name')
    name = fields.Char("File Name")
    caption = fields.Char("Caption")

    @classmethod
    def validate_fields(cls, photos, field_names):
        "Photos of a child are kept only with the image-rights consent."
        super().validate_fields(photos, field_names)
        for photo in photos:
            child = photo.dream.child
            if not child.has_consent('image_rights'):
                raise ImageRightsError(gettext(
                        'connexion_dreams.msg_photo_no_consent',
                        child=child.rec_name))
