"""Models by name: Keras networks (networks.py, imports TensorFlow) and classical baselines."""
