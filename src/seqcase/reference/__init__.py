"""The recurrent cells from first principles: NumPy forward passes and backpropagation through
time, checked against numerical gradients and against Keras' own layers."""
