"""Fee → `oeir.model.Fordring`, by per-municipality rules (see `integration.config`)."""

from integration.mapping.fordring import dates_for, fit_text, to_debitor, to_fordring

__all__ = ["dates_for", "fit_text", "to_debitor", "to_fordring"]
