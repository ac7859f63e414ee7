"""Judge: a verification run. A question run's stages (question.py): rank → choose papers (relevance.py) → select
claims (extract.py, select.py) → judge (run.py, verifier/) → group findings (findings.py); the answer is built from
the stored findings (answer.py). An audit run (audit.py) judges given claims."""
