"""The schema's revisions, oldest first: ``v0002_baseline`` (the released v2 schema) onwards."""
