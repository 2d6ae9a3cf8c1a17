// Torch: Swift tensors over libtorch.
