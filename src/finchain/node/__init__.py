"""The composition root: configuration, genesis building, wiring of store, app, engine and API."""
