"""Users are Django's auth users; roles are groups (see roles.py)."""
