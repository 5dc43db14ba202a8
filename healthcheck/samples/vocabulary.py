"""The synthetic vocabularies: names, codes, vaccines, and how often each is drawn.

The people are synthetic: names come from the small lists below (every one cp1252-encodable,
as one csv file is written in cp1252, as Excel does), NHS numbers from the never-issued range
999 000 0000 - 999 999 9999 (see `histories.valid_nhs_numbers`).
"""

from __future__ import annotations

import numpy as np

from healthcheck.schema import LEGAL_STATUSES

GIRLS = (
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Florence", "Willow",
    "Evie", "Poppy", "Sophia", "Grace", "Ella", "Rosie", "Daisy", "Harper", "Millie", "Phoebe",
    "Aisha", "Maryam", "Layla", "Hannah", "Chloe", "Jessica", "Ruby", "Megan", "Leah", "Erin",
    "Niamh", "Kayla", "Tia", "Shannon", "Courtney", "Paige", "Jade", "Nevaeh", "Aaliyah", "Maja",
    "Zuzanna", "Amira", "Precious", "Blessing", "Esme", "Bethany", "Holly", "Imogen", "Keira",
    "Zoë", "Siân", "Chloë", "Renée", "Anaïs", "Maëlle", "Inès",
)
BOYS = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theo", "Jack", "Freddie", "Charlie", "Thomas", "Jacob", "Alfie", "Riley", "Tyler", "Kai",
    "Callum", "Connor", "Liam", "Kyle", "Reece", "Jayden", "Mason", "Logan", "Lewis", "Aaron",
    "Kacper", "Jakub", "Omar", "Yusuf", "Ibrahim", "Tyrese", "Kwame", "Dylan", "Rhys", "Owen",
    "Ethan", "Lucas", "Finley", "Brandon", "Declan", "Ryan", "Ashton", "Mikey", "Louie",
    "Seán", "Rónán", "José", "Noël", "Zoltán", "Björn",
)
FORENAMES = GIRLS + BOYS
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
    "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young",
    "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook", "Singh", "Shaw", "Bell",
    "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall", "Simpson",
    "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy",
    "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell",
    "Holmes", "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Powell", "Stevens",
    "Kaur", "Fisher", "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham", "Fletcher",
    "Okafor", "Mensah", "Nowak", "Kowalski", "Popescu", "Osei", "Adeyemi", "Haddad", "Rahman",
    "O'Brien", "O'Neill", "McDonald", "MacLeod", "Smith-Jones", "Fraser", "Doherty", "Quinn",
    "Nuñez", "Müller", "Gonçalves", "Sørensen", "Lefèvre", "Brennan", "Lynch", "Gallagher",
)
# Vaccine products as trusts write them (samples.vaccinations), by what was given: brand names,
# the schedule's names, and odd spacing and case. Every one is in the built-in vaccine table.
VACCINE_PRODUCTS: dict[str, tuple[str, ...]] = {
    "hexa": ("Infanrix hexa", "INFANRIX HEXA", "6-in-1", "DTaP/IPV/Hib/HepB",
             "dtap / ipv / hib / hepb", "Vaxelis", "6 in 1"),
    "menb": ("Bexsero", "MenB", "Men B", "BEXSERO"),
    "pcv": ("Prevenar 13", "PCV13", "PCV", "Prevenar13"),
    "rota": ("Rotarix", "Rotavirus"),
    "hibmenc": ("Menitorix", "Hib/MenC", "HIB/MENC"),
    "mmr": ("MMRvaxPRO", "Priorix", "MMR", "M.M.R"),
    "mmrv": ("ProQuad", "Priorix-Tetra", "MMRV"),
    "preschool": ("Repevax", "Boostrix-IPV", "DTaP/IPV", "dTaP/IPV", "4-in-1", "Infanrix-IPV"),
    "teen": ("Revaxis", "Td/IPV", "TD / IPV", "3-in-1"),
    "menacwy": ("Nimenrix", "MenACWY", "MenQuadfi", "Men ACWY"),
    "hpv": ("Gardasil 9", "Gardasil", "HPV"),
}
# Products the built-in table does not know (VACCINE_UNKNOWN): a hexavalent brand, travel
# vaccines, the nasal flu vaccine's brand.
UNKNOWN_PRODUCTS = ("Hexyon", "Typhim Vi", "Avaxim", "Fluenz Tetra")
VACCINES = tuple(dict.fromkeys(
    [n for names in VACCINE_PRODUCTS.values() for n in names] + list(UNKNOWN_PRODUCTS)))

# Episodes: placement types, reasons an episode ended, legal statuses, reasons for a new episode.
PLACEMENT_TYPES = ("U1", "U2", "U3", "U4", "U5", "U6", "R1", "R2", "P1", "H5", "K2", "S1", "Z1")
PLACEMENT_W = (4, 6, 10, 30, 8, 6, 2, 2, 8, 4, 12, 3, 5)
REASONS_END = ("E11", "E12", "E13", "E4A", "E4B", "E41", "E45", "E46", "E47", "E48", "E5", "E7",
               "E8", "E9", "E14", "E15", "E16", "E17")
STATUSES = LEGAL_STATUSES  # weights below follow this order
STATUS_W = (18, 38, 1, 10, 1, 4, 2, 3, 2, 1, 20, 0, 0)
V3, V4, C2 = STATUSES.index("V3"), STATUSES.index("V4"), STATUSES.index("C2")
UNKNOWN_STATUSES = ("C3", "V1", "X1", "S20", "ICO", "E2", "PO")  # none valid, even upper-cased
RNE_LATER = ("P", "L", "T", "B", "U")
RNE_W = (55, 25, 10, 5, 5)

# Event types by their index in EVENT_TYPES (the generated arrays hold indices).
(NOTE_SENT, NOTE_RECV, IHA_REQ, IHA_APPT, IHA, IHA_REPORT, RHA, DENTAL, IMM, IMM_UTD,
 DECLINED, WNB) = range(12)  # EVENT_TYPES' first twelve (no health_assessment written)
# Event details by index: what was declined or missed, up to date Y/N, the vaccine given.
DETAILS = ("", "iha", "rha", "dental", "Y", "N", *VACCINES)
D_IHA, D_RHA, D_DENTAL, D_Y, D_N, D_VACCINE0 = 1, 2, 3, 4, 5, 6


def vaccine_code(names: tuple[str, ...], pick: np.ndarray) -> np.ndarray:
    """The detail indices of `names[pick]` (an array of positions in `names`)."""
    codes = np.array([D_VACCINE0 + VACCINES.index(n) for n in names], dtype=np.int64)
    return codes[pick]
