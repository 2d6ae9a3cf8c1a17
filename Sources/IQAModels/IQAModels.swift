// Module IQAModels: see the architecture in README.md.
