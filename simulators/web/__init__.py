"""The simulators' thin web layer: Flask blueprints over `simulators.engine.Simulator`."""
