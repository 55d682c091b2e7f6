"""Chapter 04, vanishing gradients: the experiments, the explorer, plots, exercise checks."""
