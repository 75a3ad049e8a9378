"""SeqNetQuake workbench dashboard (Dash). Build it with :func:`dashboard.app.create_app`."""
