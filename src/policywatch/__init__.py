"""policywatch: track what changed in health-plan medical policies.

Pipeline (one module or package per stage):
sources → fetch → extract → parse → store → diff → report; ``cli`` is a thin shell.
"""

__version__ = "0.1.0"
