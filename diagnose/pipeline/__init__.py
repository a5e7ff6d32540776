"""One diagnosis as a pipeline of stages, each a module a reader can follow top to bottom.

1. ``opening``    — a source opened, its format sniffed, its parser chosen (``open_input``);
   with ``--peer`` on a log whose prefixes carry SA ids, ``gate`` picks the lines to parse
2. ``parsing``    — its numbered lines parsed into events (``parse_events``)
3. ``settling``   — the year and zone the logs did not print, decided across inputs
4. ``building``   — each input's events grouped into IKE sessions, then ``--peer``/``--client``
5. ``judging``    — sessions (paired across sides) evaluated against the catalog
6. ``assembling`` — findings, status, notable lines, next steps, verdict: the ``Report``

Two compositions run them: ``in_memory`` (holds every event) and ``streaming`` (reads big
logs twice, holding per event only its session's index); ``run`` picks one per diagnosis,
and ``other_reading`` reads again a fragment whose side was only assumed.
``options`` holds what a caller asks. Stages import only earlier stages and never
``diagnose.api``, the public facade over ``run``.
"""
