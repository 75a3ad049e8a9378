"""SeqNetQuake workbench core library (no Dash import).

Data readers, the earthquake catalog, geometry, space weather, windowing, datasets, models, training,
evaluation and export for pre-earthquake ionospheric perturbation identification.
"""
