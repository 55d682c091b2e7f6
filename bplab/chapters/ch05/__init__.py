"""Chapter 05, reading digits: the OCR explorer, digit plots, exercise checks."""
