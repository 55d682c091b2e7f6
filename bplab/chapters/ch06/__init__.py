"""Chapter 06, autoencoders: the code and denoising explorers, plots, exercise checks."""
