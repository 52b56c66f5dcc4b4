"""Behavioural rules: each one a pure function over numpy arrays, with no model or Mesa in sight.

- `contact.py`: willingness, encounter rate (quantity), encounter quality, valence, and the update of
  attitude, anxiety and trust after positive and negative contact;
- `people.py`: legal status, family reunification, courses, language, employment, distress, belonging;
- `friendship.py`: tie strength, friendship and extended contact;
- `beliefs.py`: receiving members' beliefs about arriving members and their misperception;
- `encounters.py`: incidental encounters in public space, following outgroup exposure (Blau);
- `partner.py`: the partner's prejudice in one's experience, and experienced discrimination;
- `selection.py`: attitude and trust scaling contact where people choose;
- `generalisation.py`: group salience and novelty of a partner (liking vs group attitude);
- `negativity.py`: negative contact weighing k times a positive one at any level, buffered;
- `norms.py`: drift toward the perceived ingroup norm; extended contact through norm and anxiety;
- `threat.py`: perceived threat from beliefs, perceived group size, anxiety and friendship;
- `variability.py`: perceived outgroup variability from distinct partners met.
Each intervention's effect rule lives in its own file in `model/interventions/`.
"""
