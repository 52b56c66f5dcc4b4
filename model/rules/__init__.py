"""Behavioural rules: each one a pure function over numpy arrays, with no model or Mesa in sight.

- `contact.py`: willingness, encounter rate (quantity), encounter quality, valence, and the update of
  attitude, anxiety and trust after positive and negative contact.
"""
