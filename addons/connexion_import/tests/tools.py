"""What the tests of connexion_import share: sample files and profiles."""
import csv
import io

from trytond.pool import Pool

DONATION_HEADER = ['Réf don', 'N° donateur', 'Date', 'Montant', 'Mode']
HEADER = ['Réf', 'NOM', 'Prénom', 'Courriel', 'Tél', 'CP', 'Ville']
ROWS = [
    ['D1', 'MOREAU', 'élise', 'elise.moreau@example.org', '06 11 22 33 44',
        '69003', 'Lyon'],
    ['D2', 'Garnier', 'Tom', '', '', '1000', 'Bourg-en-Bresse'],
    ['D3', 'Lambert', 'Inès', 'ines@example', '', '75011', 'Paris'],
    ['D4', 'Petit', 'Hugo', 'hugo.petit@example.org', '0123', '75012',
        'Paris'],
    ]


def csv_bytes(rows, header=HEADER, delimiter=';', encoding='utf-8'):
    output = io.StringIO()
    writer = csv.writer(output, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return output.getvalue().encode(encoding)


def errors_of(content):
    "Rows of an error file: {line: [(column, status, reason)]}."
    reader = csv.reader(io.StringIO(content.decode('utf-8-sig')),
        delimiter=';')
    next(reader)
    result = {}
    for row in reader:
        result.setdefault(int(row[0]), []).append((row[1], row[2], row[3]))
    return result


def make_profile(name="Donateurs ancien CRM", entity='party'):
    Profile = Pool().get('connexion.import.profile')
    columns = [('Réf', 'key'), ('Nom', 'last_name'),
        ('Prenom', 'first_name'), ('courriel', 'email'), ('Tél', 'phone'),
        ('CP', 'postal_code'), ('Ville', 'city')]
    if entity == 'volunteer':
        columns += [('Statut', 'status'), ('Casier', 'criminal_record_date')]
    profile, = Profile.create([{
                'name': name, 'entity': entity, 'source': "Ancien CRM",
                'batch_size': 2,
                'columns': [('create', [{'column': c, 'target': t}
                            for c, t in columns])],
                }])
    return profile
