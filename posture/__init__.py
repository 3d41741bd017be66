"""posture: measure shoulder and pelvic tilt and other frontal asymmetries from photos."""

__version__ = "0.1.0"
