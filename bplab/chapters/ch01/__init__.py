"""Chapter 01, the chain rule: drawing Value graphs and the exercise checks."""
