// Module Evaluation: see the architecture in README.md.
