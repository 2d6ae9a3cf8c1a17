// TorchPickle: torch.save's zip + pickle container, independent of libtorch.
