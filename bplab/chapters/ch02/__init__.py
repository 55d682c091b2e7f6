"""Chapter 02, backprop through a network: the Playground, decision-boundary plots, exercise checks."""
