"""The ikedoctor lab: real strongSwan 5.9.8 charon daemons in network namespaces reproduce each
known iOS/macOS <-> strongSwan failure (see docs/lab.md).

``python -m tests.lab list | run | regenerate`` drives it; ``test_lab_live.py`` runs it under pytest.
"""
