// Module IQAData: see the architecture in README.md.
