"""Chapter 03, gradient descent: loss surfaces and descent paths, the explorer, plots, exercise checks."""
