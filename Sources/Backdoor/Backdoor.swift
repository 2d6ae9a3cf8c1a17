// Module Backdoor: see the architecture in README.md.
