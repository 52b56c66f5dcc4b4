"""Behavioural rules: each one a pure function over numpy arrays, with no model or Mesa in sight.

- `contact.py`: willingness, encounter rate (quantity), encounter quality, valence, and the update of
  attitude, anxiety and trust after positive and negative contact;
- `people.py`: legal status, family reunification, courses, language, employment, distress, belonging;
- `friendship.py`: tie strength, friendship and extended contact;
- `beliefs.py`: receiving members' beliefs about arriving members and their misperception.
Each intervention's effect rule lives in its own file in `model/interventions/`.
"""
