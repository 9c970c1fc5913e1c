"""Monitor allies: defence spending against NATO's targets across data releases.

Pure functions on the store's tidy facts (``load_facts(engine, vintage="all")``); the CLI
(:mod:`burdenshare.cli.monitor`) does the I/O.

- :mod:`.targets`: 2% and 20% equipment (Wales 2014), 3.5% core + 1.5% related = 5% by 2035
  (The Hague 2025), review in 2029, from dated package data;
- :mod:`.releases`: vintages, and the facts as they stood after a release (NATO figures
  reported in the press laid over the official table while they are newer);
- :mod:`.reported`: NATO's April and August 2025 releases as reported in the press;
- :mod:`.measures`: which measure each target is judged on (2% on NATO's total; 3.5% on
  core defence, 5% on core plus defence-related up to 1.5%, where NATO publishes them);
- :mod:`.status`: each ally's % of GDP, gaps to the targets, equipment share, flags;
- :mod:`.crossings`: who reached or fell below a threshold between years or releases;
- :mod:`.projection`: trend to 2035, the yearly increase still needed, on track or not;
- :mod:`.tiers`: whose scoring tier or eligibility changed between two releases.
"""
