"""Scenario helpers (proteus)."""
from proteus import Model

LEGAL_ASSOCIATION = {
    'name': "Association Les Cerfs-Volants",
    'rna': 'W691000042',
    'street': "3 quai des Brumes",
    'postal_code': '69002',
    'city': "Lyon",
    'purpose': "Réaliser les rêves d'enfants gravement malades",
    'general_interest': True,
    'signatory_name': "Odile Marchetti",
    'signatory_function': "Trésorière",
    }


def set_legal_association(config=None, **values):
    """The association with everything a valid tax receipt prints (general
    interest, address, purpose, signatory); values override."""
    Association = Model.get('connexion.association', config=config)
    found = Association.find([])
    association = found[0] if found else Association()
    for name, value in dict(LEGAL_ASSOCIATION, **values).items():
        setattr(association, name, value)
    association.save()
    return association
