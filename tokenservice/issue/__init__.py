"""Issuing a pass: checklist → photo → pass (number, serial, signature, register) → card and leaflet."""
